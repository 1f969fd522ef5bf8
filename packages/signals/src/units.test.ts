import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canConvertUnit,
  canonicalUnit,
  convertUnit,
  IncompatibleUnitsError,
  UnknownUnitError,
} from "./units.ts";

describe("convertUnit", () => {
  it.each([
    [100, "km/h", "mph", 62.13711922373339],
    [10, "m/s", "km/h", 36],
    [60, "mph", "m/s", 26.8224],
    [100, "celsius", "fahrenheit", 212],
    [-40, "fahrenheit", "celsius", -40],
    [0, "celsius", "K", 273.15],
    [32, "psi", "kPa", 220.63223338138758],
    [2.5, "bar", "kPa", 250],
    [101.325, "kPa", "mbar", 1013.25],
    [1, "gal", "l", 3.785411784],
    [1, "mi", "km", 1.609344],
    [1500, "m", "km", 1.5],
    [12_400, "mV", "V", 12.4],
    [250, "mA", "A", 0.25],
    [7.2, "kW", "W", 7200],
    [0.57, "ratio", "percent", 56.99999999999999],
    [90, "min", "s", 5400],
    [2, "h", "min", 120],
    [1500, "Wh", "kWh", 1.5],
    [3000, "rpm", "rpm", 3000],
  ])("%d %s = %d %s", (value, from, to, expected) => {
    expect(convertUnit(value, from, to)).toBeCloseTo(expected, 9);
  });

  it("accepts the spellings device tables use", () => {
    expect(convertUnit(20, "°C", "fahrenheit")).toBeCloseTo(68, 12);
    expect(convertUnit(30, "PSI", "kPa")).toBeCloseTo(206.8427187950508, 9);
    expect(convertUnit(5, "L/h", "l/h")).toBe(5);
    expect(convertUnit(50, "%", "ratio")).toBe(0.5);
    expect(canonicalUnit("liters")).toBe("l");
    expect(canonicalUnit("RPM")).toBe("rpm");
    expect(canonicalUnit("parsecs")).toBeUndefined();
  });

  it("returns a value unchanged when the units are the same", () => {
    expect(convertUnit(0.1 + 0.2, "celsius", "°C")).toBe(0.1 + 0.2);
  });

  const pairs: [string, string][] = [
    ["km/h", "mph"],
    ["mph", "m/s"],
    ["celsius", "fahrenheit"],
    ["fahrenheit", "K"],
    ["kPa", "psi"],
    ["psi", "bar"],
    ["l", "gal"],
    ["km", "mi"],
    ["m", "ft"],
    ["V", "mV"],
    ["kW", "W"],
    ["Wh", "kWh"],
    ["percent", "ratio"],
    ["s", "min"],
    ["min", "h"],
    ["degrees", "rad"],
  ];
  it.each(pairs)("round-trips %s → %s → %s", (a, b) => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (v) => {
        const back = convertUnit(convertUnit(v, a, b), b, a);
        expect(Math.abs(back - v)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      }),
    );
  });

  it("says which unit it does not know", () => {
    expect(() => convertUnit(1, "furlong", "m")).toThrow(UnknownUnitError);
    expect(() => convertUnit(1, "furlong", "m")).toThrow(/Unknown unit "furlong"/);
    expect(() => convertUnit(1, "m", "")).toThrow(UnknownUnitError);
  });

  it("refuses to convert between quantities", () => {
    expect(() => convertUnit(1, "km/h", "km")).toThrow(IncompatibleUnitsError);
    expect(() => convertUnit(1, "celsius", "kPa")).toThrow(
      /celsius measures temperature, kPa measures pressure/,
    );
    expect(canConvertUnit("kW", "kWh")).toBe(false);
    expect(canConvertUnit("kW", "W")).toBe(true);
    expect(canConvertUnit("kW", "nope")).toBe(false);
  });

  it("ignores properties inherited from Object.prototype", () => {
    expect(canonicalUnit("toString")).toBeUndefined();
    expect(() => convertUnit(1, "constructor", "m")).toThrow(UnknownUnitError);
  });
});
