import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { signalNameFromVssPath } from "../naming.ts";
import { PRIVILEGE_BY_GRAPHQL_ENUM } from "../privileges.ts";
import type {
  CatalogueData,
  EventDefinition,
  PrivilegeId,
  SignalDataType,
  SignalDefinition,
  SourceMapping,
  SourceName,
} from "../types.ts";
import { deriveConversion } from "./conversions.ts";
import type { SourceTexts } from "./inputs.ts";
import { parseOidsCsv } from "./oids.ts";
import { parseAllowed, parseBound, parseVssCsv, type VssRow } from "./vss.ts";

const Definitions = z.array(
  z.object({
    vspecName: z.string(),
    requiredPrivileges: z.array(z.string()).optional(),
    conversions: z
      .array(
        z.object({ originalName: z.string(), originalType: z.string(), isArray: z.boolean().optional() }),
      )
      .optional(),
  }),
);

const Events = z.array(z.object({ name: z.string().regex(/^[a-z]+\.[A-Za-z]+$/), description: z.string() }));

/** VSS numeric types (booleans included) are floats in DIMO's API; its Coordinates struct is a location. */
const NUMBER_TYPES = new Set([
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "uint64",
  "int64",
  "float",
  "double",
  "boolean",
]);

function dataTypeOf(vssDataType: string): SignalDataType {
  if (NUMBER_TYPES.has(vssDataType)) return "float";
  if (vssDataType === "Types.DIMO.Coordinates") return "location";
  return "string";
}

const LOCATION_PRIVILEGES: ReadonlySet<PrivilegeId> = new Set([3, 4, 8]);

function privilegesOf(names: readonly string[] | undefined, vssPath: string): PrivilegeId[] {
  // dimo-api.md: everything the definitions do not say otherwise about needs GetNonLocationHistory.
  if (!names || names.length === 0) return [1];
  return names.map((n) => {
    const id = PRIVILEGE_BY_GRAPHQL_ENUM[n];
    if (id === undefined) throw new Error(`${vssPath}: unknown privilege ${JSON.stringify(n)}`);
    return id;
  });
}

function signalFrom(row: VssRow, privileges: PrivilegeId[]): SignalDefinition {
  const min = parseBound(row.min, `${row.path} min`);
  const max = parseBound(row.max, `${row.path} max`);
  const allowed = row.dataType.endsWith("[]") ? undefined : parseAllowed(row.allowed);
  return {
    name: signalNameFromVssPath(row.path),
    vssPath: row.path,
    dataType: dataTypeOf(row.dataType),
    vssDataType: row.dataType,
    ...(row.unit ? { unit: row.unit } : {}),
    description: row.description,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    ...(allowed ? { allowed } : {}),
    anyOfPrivileges: privileges,
    isLocation: privileges.some((p) => LOCATION_PRIVILEGES.has(p)),
  };
}

/** Not a VSS signal: the node derives it (dimo-api.md), so its definition is written here. */
function approximateCoordinates(exact: SignalDefinition): SignalDefinition {
  return {
    name: "currentLocationApproximateCoordinates",
    vssPath: "Vehicle.CurrentLocation.ApproximateCoordinates",
    dataType: "location",
    vssDataType: exact.vssDataType,
    description:
      "Approximate location: the centre of the H3 resolution-6 cell containing currentLocationCoordinates. Computed by the node; not part of VSS.",
    anyOfPrivileges: [8, 4],
    isLocation: true,
    derivedFrom: exact.name,
  };
}

export function buildSignals(texts: SourceTexts): SignalDefinition[] {
  const vss = parseVssCsv(texts.vss);
  const definitions = Definitions.parse(parseYaml(texts.definitions));
  const byPath = new Map<string, SignalDefinition>();
  for (const d of definitions) {
    const row = vss.get(d.vspecName);
    if (!row) throw new Error(`default-definitions.yaml: ${d.vspecName} is not in the VSS CSV`);
    if (row.type === "branch" || row.dataType === "") throw new Error(`${d.vspecName} is a VSS branch`);
    const signal = signalFrom(row, privilegesOf(d.requiredPrivileges, d.vspecName));
    const seen = byPath.get(d.vspecName);
    // The definitions list a few paths twice; that is fine as long as they agree.
    if (seen && JSON.stringify(seen) !== JSON.stringify(signal)) {
      throw new Error(`default-definitions.yaml: ${d.vspecName} is defined twice, differently`);
    }
    byPath.set(d.vspecName, signal);
  }
  const exact = byPath.get("Vehicle.CurrentLocation.Coordinates");
  if (!exact) throw new Error("default-definitions.yaml: Vehicle.CurrentLocation.Coordinates is missing");
  const signals = [...byPath.values(), approximateCoordinates(exact)];
  const names = new Set(signals.map((s) => s.name));
  if (names.size !== signals.length) throw new Error("two VSS paths give the same signal name");
  return signals.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function buildEvents(texts: SourceTexts): EventDefinition[] {
  return Events.parse(parseYaml(texts.events)).map((e) => ({ name: e.name, description: e.description }));
}

export function buildMappings(texts: SourceTexts, signals: readonly SignalDefinition[]): SourceMapping[] {
  const byPath = new Map(signals.map((s) => [s.vssPath, s]));
  const oids = parseOidsCsv(texts.oids);
  const mappings: SourceMapping[] = [];
  for (const source of ["autopi", "ruptela"] as const satisfies readonly SourceName[]) {
    for (const d of Definitions.parse(parseYaml(texts[source]))) {
      const target = byPath.get(d.vspecName);
      for (const c of d.conversions ?? []) {
        const entry = {
          source,
          field: c.originalName,
          originalType: c.originalType,
          vssPath: d.vspecName,
          target,
        };
        mappings.push({
          source,
          field: c.originalName,
          vssPath: d.vspecName,
          ...(target ? { signal: target.name } : {}),
          conversion: deriveConversion(entry, oids),
        });
      }
    }
  }
  return rejectFanOut(mappings);
}

/**
 * A raw value that feeds several numeric signals (Ruptela's seat-belt byte → seven IsBelted flags,
 * its packed gear word → gear and ratio) is a bitfield or packed value: applying the same number
 * to each target would be wrong, and the definitions do not say which bits go where.
 * This also guarantees each device field has at most one applicable mapping.
 */
function rejectFanOut(mappings: SourceMapping[]): SourceMapping[] {
  const applicable = new Map<string, SourceMapping[]>();
  for (const m of mappings) {
    if (m.conversion.form === "unsupported" || m.conversion.form === "coordinate") continue;
    const key = `${m.source}\u0000${m.field}`;
    applicable.set(key, [...(applicable.get(key) ?? []), m]);
  }
  return mappings.map((m) => {
    const group = applicable.get(`${m.source}\u0000${m.field}`) ?? [];
    if (group.length < 2 || !group.includes(m)) return m;
    const targets = group.map((g) => g.signal ?? g.vssPath).join(", ");
    return {
      ...m,
      conversion: {
        form: "unsupported",
        reason: `one raw value feeds ${group.length} signals (${targets}): a bitfield or packed value whose layout the definitions do not give`,
      },
    };
  });
}

export function buildCatalogue(texts: SourceTexts): CatalogueData {
  const signals = buildSignals(texts);
  return {
    source: texts.source.trim(),
    signals,
    events: buildEvents(texts),
    mappings: buildMappings(texts, signals),
  };
}
