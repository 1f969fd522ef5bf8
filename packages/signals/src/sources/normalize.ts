import { catalogue, getSignal } from "../catalogue.ts";
import { describeValue, SignalsError } from "../errors.ts";
import type { Coordinates, SignalDefinition, SourceConversion, SourceMapping, SourceName } from "../types.ts";
import { convertUnit } from "../units.ts";
import { coordinatePartProblem, validateSignalValue } from "../validation.ts";
import { decodeRuptelaHex, NOT_AVAILABLE } from "./ruptela.ts";

export const SOURCES: readonly SourceName[] = ["autopi", "ruptela"];

/** Every device-field mapping of the definitions, applicable or not (see `conversion.form`). */
export const SOURCE_MAPPINGS: readonly SourceMapping[] = catalogue.mappings;

export class SourceValueError extends SignalsError {
  override name = "SourceValueError";
  constructor(
    readonly source: SourceName,
    readonly field: string,
    readonly value: unknown,
    problem: string,
  ) {
    super(`Bad ${source} value ${describeValue(value)} for ${describeValue(field)}: ${problem}.`);
  }
}

export type UnmappedReason =
  /** The source's definitions do not name this field. */
  | "unknownField"
  /** The definitions map the field only to VSS paths that are not catalogue signals. */
  | "notInCatalogue"
  /** The definitions map the field, but with no conversion this package can apply safely. */
  | "unsupportedConversion";

export type NormalizedSourceSignal =
  | { status: "mapped"; name: string; value: number | string }
  /** One part of `currentLocationCoordinates`: combine the parts with the same timestamp. */
  | { status: "coordinate"; name: "currentLocationCoordinates"; part: keyof Coordinates; value: number }
  /** The device reported its "no value" code for the signal. */
  | { status: "notAvailable"; name: string }
  | { status: "unmapped"; source: SourceName; field: string; reason: UnmappedReason; detail: string }
  | { status: "invalid"; name?: string; error: SignalsError };

const bySourceField = new Map<string, SourceMapping[]>();
for (const m of SOURCE_MAPPINGS) {
  const key = `${m.source}\u0000${m.field}`;
  bySourceField.set(key, [...(bySourceField.get(key) ?? []), m]);
}

/** Drops binary floating-point noise that scaling adds (0.57 * 100 = 56.99999999999999). */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * Turn one device field (`vehicleSpeed` from an AutoPi, `signals.95` from a Ruptela) into its
 * catalogue signal: converted to the signal's VSS unit and validated. Never throws for device
 * input: every outcome is a result, so one bad field cannot lose the rest of a message.
 */
export function normalizeSourceSignal(
  source: SourceName,
  field: string,
  value: unknown,
): NormalizedSourceSignal {
  const candidates = bySourceField.get(`${source}\u0000${field}`) ?? [];
  const mapping = candidates.find((m) => m.conversion.form !== "unsupported");
  if (!mapping) {
    if (candidates.length === 0) {
      return {
        status: "unmapped",
        source,
        field,
        reason: "unknownField",
        detail: `${source} does not define ${field}`,
      };
    }
    return {
      status: "unmapped",
      source,
      field,
      reason: candidates.every((m) => m.signal === undefined) ? "notInCatalogue" : "unsupportedConversion",
      detail: candidates.map((m) => `${m.signal ?? m.vssPath}: ${reasonOf(m.conversion)}`).join("; "),
    };
  }
  const invalid = (problem: string, name?: string): NormalizedSourceSignal => ({
    status: "invalid",
    ...(name ? { name } : {}),
    error: new SourceValueError(source, field, value, problem),
  });
  const conversion = mapping.conversion;
  if (conversion.form === "coordinate") {
    const problem = coordinatePartProblem(conversion.part, value);
    if (problem) return invalid(problem, "currentLocationCoordinates");
    return {
      status: "coordinate",
      name: "currentLocationCoordinates",
      part: conversion.part,
      value: value as number,
    };
  }
  // Every other applicable mapping has a catalogue target (the generator guarantees it).
  const signal = getSignal(mapping.signal!);
  let converted: number | typeof NOT_AVAILABLE;
  try {
    converted = toNumber(conversion, value, signal);
  } catch (e) {
    return invalid((e as Error).message, signal.name);
  }
  if (converted === NOT_AVAILABLE) return { status: "notAvailable", name: signal.name };
  const checked = validateSignalValue(signal.name, converted);
  if (!checked.ok) return { status: "invalid", name: signal.name, error: checked.error };
  return { status: "mapped", name: signal.name, value: converted };
}

function reasonOf(conversion: SourceConversion): string {
  return conversion.form === "unsupported" ? conversion.reason : conversion.form;
}

/** Apply a numeric conversion form; throws an Error whose message says what is wrong with `value`. */
function toNumber(
  conversion: SourceConversion,
  value: unknown,
  signal: SignalDefinition,
): number | typeof NOT_AVAILABLE {
  switch (conversion.form) {
    case "boolean":
      if (typeof value === "boolean") return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      throw new Error("expected true or false");
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) throw new Error("expected a finite number");
      if (conversion.notAvailable?.includes(value)) return NOT_AVAILABLE;
      return inSignalUnit(value * conversion.factor + conversion.offset, conversion, signal, value);
    }
    case "ruptelaHex": {
      const physical = decodeRuptelaHex(conversion, value);
      if (physical === NOT_AVAILABLE) return NOT_AVAILABLE;
      // A 0/1 flag mapped to a boolean signal: any other code means "unknown".
      if (signal.vssDataType === "boolean" && physical !== 0 && physical !== 1) return NOT_AVAILABLE;
      return inSignalUnit(physical, conversion, signal, value);
    }
    default:
      throw new Error(`conversion form ${conversion.form} does not give a number`);
  }
}

function inSignalUnit(
  physical: number,
  conversion: { unit?: string },
  signal: SignalDefinition,
  original: unknown,
): number {
  const converted =
    conversion.unit !== undefined && signal.unit !== undefined && conversion.unit !== signal.unit
      ? convertUnit(physical, conversion.unit, signal.unit)
      : physical;
  // Only arithmetic adds noise; a value passed through keeps every digit the device sent.
  return converted === original ? converted : tidy(converted);
}
