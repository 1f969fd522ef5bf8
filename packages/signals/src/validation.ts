import { findSignal } from "./catalogue.ts";
import { describeValue, SignalsError } from "./errors.ts";
import type { Coordinates, SignalDefinition, SignalValue } from "./types.ts";

export type SignalValueProblem =
  | "unknownSignal"
  | "wrongType"
  | "notFinite"
  | "outOfRange"
  | "notAllowed"
  | "tooLong"
  | "badLocation";

export class SignalValueError extends SignalsError {
  override name = "SignalValueError";
  constructor(
    readonly signal: string,
    readonly value: unknown,
    readonly problem: SignalValueProblem,
    details: string,
  ) {
    super(`Bad value ${describeValue(value)} for signal ${describeValue(signal)}: ${problem}.`, details);
  }
}

export type SignalValidation = { ok: true; value: SignalValue } | { ok: false; error: SignalValueError };

/** Longest string value accepted (a DTC list is the longest real one); bounds what a device can make us store. */
export const MAX_STRING_LENGTH = 4096;

const COORDINATE_KEYS = new Set(["latitude", "longitude", "hdop"]);

/**
 * Check a value against its catalogue signal: floats are finite numbers within the VSS min/max
 * (booleans exactly 0 or 1), strings are bounded and, when the signal is an enumeration, one of
 * its allowed values; locations are `{latitude, longitude, hdop?}` in WGS 84 degrees.
 */
export function validateSignalValue(name: string, value: unknown): SignalValidation {
  const signal = findSignal(name);
  const fail = (problem: SignalValueProblem, details: string): SignalValidation => ({
    ok: false,
    error: new SignalValueError(name, value, problem, details),
  });
  if (!signal) return fail("unknownSignal", "Not a catalogue signal; the list is SIGNALS / docs/signals.md.");
  switch (signal.dataType) {
    case "float":
      return validateFloat(signal, value, fail);
    case "string":
      if (typeof value !== "string") return fail("wrongType", `${name} is a string signal.`);
      if (value.length > MAX_STRING_LENGTH)
        return fail("tooLong", `At most ${MAX_STRING_LENGTH} characters.`);
      if (signal.allowed && !signal.allowed.includes(value)) {
        return fail("notAllowed", `Allowed: ${signal.allowed.join(", ")}.`);
      }
      return { ok: true, value };
    case "location": {
      const problem = coordinatesProblem(value);
      if (problem) return fail("badLocation", problem);
      // A fresh object: only the three known fields travel on.
      const { latitude, longitude, hdop } = value as Coordinates;
      return {
        ok: true,
        value: hdop === undefined ? { latitude, longitude } : { latitude, longitude, hdop },
      };
    }
  }
}

function validateFloat(
  signal: SignalDefinition,
  value: unknown,
  fail: (problem: SignalValueProblem, details: string) => SignalValidation,
): SignalValidation {
  const isBoolean = signal.vssDataType === "boolean";
  if (typeof value !== "number") {
    return fail(
      "wrongType",
      isBoolean ? `${signal.name} is a boolean, sent as the number 1 or 0.` : `${signal.name} is a number.`,
    );
  }
  if (!Number.isFinite(value)) return fail("notFinite", "NaN and infinities are not values.");
  if (isBoolean && value !== 0 && value !== 1)
    return fail("outOfRange", "Booleans are the numbers 1 (true) or 0.");
  if ((signal.min !== undefined && value < signal.min) || (signal.max !== undefined && value > signal.max)) {
    return fail("outOfRange", `${signal.name} ranges over [${signal.min ?? "-∞"}, ${signal.max ?? "∞"}].`);
  }
  return { ok: true, value };
}

/** Why `value` is not a coordinate part (`latitude`, `longitude`, `hdop`), or undefined when it is one. */
export function coordinatePartProblem(part: keyof Coordinates, value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return `${part} must be a finite number.`;
  if (part === "latitude" && (value < -90 || value > 90)) return "latitude must be within [-90, 90] degrees.";
  if (part === "longitude" && (value < -180 || value > 180))
    return "longitude must be within [-180, 180] degrees.";
  if (part === "hdop" && value < 0) return "hdop must not be negative.";
  return undefined;
}

function coordinatesProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "A location is an object {latitude, longitude, hdop?}.";
  }
  const extra = Object.keys(value).filter((k) => !COORDINATE_KEYS.has(k));
  if (extra.length > 0)
    return `Unexpected field(s) ${extra.slice(0, 3).join(", ")}; expected latitude, longitude, hdop.`;
  const v = value as Record<string, unknown>;
  return (
    coordinatePartProblem("latitude", v.latitude) ??
    coordinatePartProblem("longitude", v.longitude) ??
    (v.hdop === undefined ? undefined : coordinatePartProblem("hdop", v.hdop))
  );
}
