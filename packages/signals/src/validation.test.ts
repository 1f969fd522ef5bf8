import { describe, expect, it } from "vitest";
import { MAX_STRING_LENGTH, SignalValueError, validateSignalValue } from "./validation.ts";

function problemOf(name: string, value: unknown): string | undefined {
  const r = validateSignalValue(name, value);
  if (r.ok) return undefined;
  expect(r.error).toBeInstanceOf(SignalValueError);
  return r.error.problem;
}

describe("validateSignalValue", () => {
  it("accepts good values", () => {
    expect(validateSignalValue("speed", 42)).toEqual({ ok: true, value: 42 });
    expect(validateSignalValue("isIgnitionOn", 1)).toEqual({ ok: true, value: 1 });
    expect(validateSignalValue("powertrainType", "ELECTRIC")).toEqual({ ok: true, value: "ELECTRIC" });
    expect(validateSignalValue("obdDTCList", '["P0675"]')).toEqual({ ok: true, value: '["P0675"]' });
  });

  it("rejects unknown signals", () => {
    expect(problemOf("vehicleSpeed", 42)).toBe("unknownSignal");
  });

  it("rejects the wrong type, with what to send instead", () => {
    expect(problemOf("speed", "42")).toBe("wrongType");
    expect(problemOf("powertrainType", 1)).toBe("wrongType");
    const r = validateSignalValue("isIgnitionOn", true);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.problem).toBe("wrongType");
      expect(r.error.message).toMatch(/number 1 or 0/);
      expect(r.error.signal).toBe("isIgnitionOn");
      expect(r.error.value).toBe(true);
    }
  });

  it("rejects NaN and infinities", () => {
    expect(problemOf("speed", Number.NaN)).toBe("notFinite");
    expect(problemOf("speed", Number.POSITIVE_INFINITY)).toBe("notFinite");
  });

  it("enforces VSS ranges and 0/1 booleans", () => {
    expect(problemOf("powertrainTractionBatteryStateOfChargeCurrent", 100.5)).toBe("outOfRange");
    expect(problemOf("powertrainTractionBatteryStateOfChargeCurrent", -1)).toBe("outOfRange");
    expect(problemOf("powertrainTractionBatteryStateOfChargeCurrent", 100)).toBeUndefined();
    expect(problemOf("currentLocationHeading", 360.01)).toBe("outOfRange");
    expect(problemOf("isIgnitionOn", 0.5)).toBe("outOfRange");
    // no VSS bound: a hot engine is data, not an error
    expect(problemOf("powertrainCombustionEngineECT", 215)).toBeUndefined();
  });

  it("checks enumerations and bounds strings", () => {
    const r = validateSignalValue("powertrainType", "Gasoline");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/Allowed: COMBUSTION, HYBRID, ELECTRIC/);
    expect(problemOf("obdDTCList", "x".repeat(MAX_STRING_LENGTH + 1))).toBe("tooLong");
    expect(problemOf("obdDTCList", "x".repeat(MAX_STRING_LENGTH))).toBeUndefined();
  });

  it("accepts a location {latitude, longitude, hdop?} and returns a clean copy", () => {
    const loc = { latitude: 42.26172693660968, longitude: -83.71029708818693, hdop: 0.8 };
    expect(validateSignalValue("currentLocationCoordinates", loc)).toEqual({ ok: true, value: loc });
    expect(
      validateSignalValue("currentLocationApproximateCoordinates", { latitude: -90, longitude: 180 }),
    ).toEqual({
      ok: true,
      value: { latitude: -90, longitude: 180 },
    });
  });

  it.each([
    [null, /object/],
    [[42, -83], /object/],
    [{ latitude: 42 }, /longitude must be a finite number/],
    [{ latitude: 90.0001, longitude: 0 }, /latitude must be within \[-90, 90\]/],
    [{ latitude: 0, longitude: -180.5 }, /longitude must be within \[-180, 180\]/],
    [{ latitude: Number.NaN, longitude: 0 }, /latitude must be a finite number/],
    [{ latitude: 0, longitude: 0, hdop: -1 }, /hdop must not be negative/],
    [{ latitude: 0, longitude: 0, hdop: "0.8" }, /hdop must be a finite number/],
    [{ latitude: 0, longitude: 0, altitude: 3 }, /Unexpected field\(s\) altitude/],
  ])("rejects the location %j", (value, message) => {
    const r = validateSignalValue("currentLocationCoordinates", value);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.problem).toBe("badLocation");
      expect(r.error.message).toMatch(message);
    }
  });

  it("keeps messages short for huge inputs", () => {
    const r = validateSignalValue("speed", "9".repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.shortMessage.length).toBeLessThan(200);
  });
});
