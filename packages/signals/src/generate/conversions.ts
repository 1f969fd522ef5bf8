import type { SignalDefinition, SourceConversion, SourceName } from "../types.ts";
import { canConvertUnit, canonicalUnit } from "../units.ts";
import { type OidRow, readOidRow } from "./oids.ts";
import {
  AUTOPI_SOURCE_UNITS,
  RUPTELA_BOOLEAN_REVIEW,
  RUPTELA_POSITION_FIELDS,
  RUPTELA_UNIT_OVERRIDES,
} from "./sourceFacts.ts";

/** One `conversions[]` entry of a device definitions YAML, with its target. */
export interface MappingEntry {
  source: SourceName;
  field: string;
  originalType: string;
  vssPath: string;
  /** The catalogue signal, when the target is one. */
  target: SignalDefinition | undefined;
}

const COORDINATE_PARTS: Readonly<Record<string, "latitude" | "longitude" | "hdop">> = {
  "Vehicle.CurrentLocation.Latitude": "latitude",
  "Vehicle.CurrentLocation.Longitude": "longitude",
  "Vehicle.DIMO.Aftermarket.HDOP": "hdop",
};

const unsupported = (reason: string): SourceConversion => ({ form: "unsupported", reason });

/**
 * Decide how a device field becomes its target signal. The definitions only name the field and
 * its JSON type; everything else comes from the target's VSS metadata, oids.csv and the short
 * reviewed list in sourceFacts.ts. What none of them describes is `unsupported`, with the reason.
 */
export function deriveConversion(entry: MappingEntry, oids: Map<number, string[]>): SourceConversion {
  const { source, originalType, target } = entry;
  if (source === "autopi" && originalType === "float64" && COORDINATE_PARTS[entry.vssPath]) {
    return { form: "coordinate", part: COORDINATE_PARTS[entry.vssPath]! };
  }
  if (!target) return unsupported(`${entry.vssPath} is not a catalogue signal (DIMO does not expose it)`);
  if (target.vssDataType.endsWith("[]")) {
    return unsupported(
      `${target.name} is a VSS array (${target.vssDataType}); the definitions do not describe how the device encodes the list`,
    );
  }
  if (target.dataType === "location")
    return unsupported("location values are assembled from coordinate parts");
  if (target.dataType === "string") {
    if (target.allowed) {
      return unsupported(
        `${target.name} is an enumeration (${target.allowed.slice(0, 3).join(", ")}, …); the definitions give no table from device values to it`,
      );
    }
    return unsupported(
      `${target.name} is text; the definitions do not describe how the device value becomes text`,
    );
  }
  return source === "autopi" ? autopiNumber(entry, target) : ruptelaNumber(entry, target, oids);
}

function isBoolean(target: SignalDefinition): boolean {
  return target.vssDataType === "boolean";
}

function unitMismatch(from: string | undefined, target: SignalDefinition): string | undefined {
  if (from === undefined && target.unit === undefined) return undefined;
  if (from === undefined) return `the device gives no unit; ${target.name} is in ${target.unit}`;
  if (target.unit === undefined) return `the device value is in ${from}; ${target.name} has no unit`;
  if (!canConvertUnit(from, target.unit)) return `cannot convert ${from} to ${target.unit}`;
  return undefined;
}

function autopiNumber(entry: MappingEntry, target: SignalDefinition): SourceConversion {
  if (entry.originalType === "bool") {
    return isBoolean(target) ? { form: "boolean" } : unsupported(`a boolean cannot feed ${target.name}`);
  }
  if (entry.originalType !== "float64") {
    return unsupported(`${entry.originalType} values cannot feed the number ${target.name}`);
  }
  const unit = AUTOPI_SOURCE_UNITS[entry.field] ?? target.unit;
  const mismatch = unitMismatch(unit, target);
  if (mismatch) return unsupported(mismatch);
  return { form: "number", factor: 1, offset: 0, ...(unit === undefined ? {} : { unit }) };
}

function ruptelaNumber(
  entry: MappingEntry,
  target: SignalDefinition,
  oids: Map<number, string[]>,
): SourceConversion {
  const position = RUPTELA_POSITION_FIELDS[entry.field];
  if (position) {
    const mismatch = unitMismatch(position.unit, target);
    if (mismatch) return unsupported(mismatch);
    return {
      form: "number",
      factor: position.factor,
      offset: 0,
      unit: position.unit,
      ...(position.notAvailable ? { notAvailable: position.notAvailable } : {}),
    };
  }
  const id = /^signals\.(\d+)$/.exec(entry.field)?.[1];
  if (id === undefined) return unsupported(`no description of how Ruptela encodes ${entry.field}`);
  const oid = readOidRow(oids, Number(id));

  const kind = oidKind(oid);
  if (typeof kind === "object") return kind;
  const unit = RUPTELA_UNIT_OVERRIDES[oid.id] ?? ruptelaUnit(oid);
  if (typeof unit === "object") return unit;

  if (isBoolean(target)) {
    const review = RUPTELA_BOOLEAN_REVIEW[oid.id];
    if (review?.verdict === "unsupported") return unsupported(`I/O ${oid.id} (${oid.name}): ${review.note}`);
    const zeroOne = oid.rawMin === 0 && oid.rawMax === 1 && oid.factor === 1 && oid.offset === 0;
    if (!zeroOne && review?.verdict !== "zeroOne") {
      return unsupported(
        `I/O ${oid.id} (${oid.name}) is an enumeration ${oid.rawMin ?? "?"}..${oid.rawMax ?? "?"}; mapping it to the boolean ${target.name} needs a value table the definitions do not give`,
      );
    }
  }
  const mismatch = unitMismatch(unit, target);
  if (mismatch) return unsupported(`I/O ${oid.id} (${oid.name}): ${mismatch}`);

  const signed = kind === "signed";
  const notAvailable: [number, number][] = [...oid.notAvailable];
  // Like DIMO, an unsigned value with every bit set means "not available".
  if (!signed) {
    const allOnes = 2 ** (8 * oid.bytes) - 1;
    if (!notAvailable.some(([lo, hi]) => lo <= allOnes && allOnes <= hi))
      notAvailable.push([allOnes, allOnes]);
  }
  return {
    form: "ruptelaHex",
    oid: oid.id,
    bytes: oid.bytes,
    signed,
    factor: oid.factor,
    offset: oid.offset,
    ...(unit === undefined ? {} : { unit }),
    ...(oid.rawMin === undefined ? {} : { rawMin: oid.rawMin }),
    ...(oid.rawMax === undefined ? {} : { rawMax: oid.rawMax }),
    notAvailable,
  };
}

function oidKind(oid: OidRow): "signed" | "unsigned" | SourceConversion {
  if (oid.type === "Signed int.") return "signed";
  if (oid.type === "Unsigned int." || oid.type === "Unsighed int.") return "unsigned";
  // A one-bit bitmap is a plain 0/1; wider bitmaps pack several flags.
  if ((oid.type === "Bitmap" || oid.type === "Bit map") && oid.rawMax === 1) return "unsigned";
  return unsupported(
    `I/O ${oid.id} (${oid.name}) is a ${oid.type || "value of unknown type"}, not a scaled integer`,
  );
}

function ruptelaUnit(oid: OidRow): string | undefined | SourceConversion {
  if (oid.unit === "" || oid.unit === "-") return undefined;
  const unit = canonicalUnit(oid.unit);
  if (unit === undefined) return unsupported(`I/O ${oid.id} (${oid.name}): unknown unit ${oid.unit}`);
  return unit;
}
