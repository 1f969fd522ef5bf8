import { describe, expect, it } from "vitest";
import { parseBoundCell, parseErrorValuesCell, parseMultiplierCell } from "./oids.ts";

// Every spelling below occurs in Ruptela's oids.csv.
describe("oids.csv cells", () => {
  it.each([
    ["-", [1, 0]],
    ["", [1, 0]],
    ["1; 0", [1, 0]],
    ["1;0", [1, 0]],
    ["0.25", [0.25, 0]],
    ["0.4", [0.4, 0]],
    ["100/255; 0", [100 / 255, 0]],
    ["1/20; 0", [0.05, 0]],
    ["0,05; 0", [0.05, 0]],
    ["0,01 ; 0", [0.01, 0]],
    ["0.03125; -273", [0.03125, -273]],
    ["100/128; -100", [0.78125, -100]],
  ])("multiplier %j", (cell, expected) => {
    expect(parseMultiplierCell(cell, "test")).toEqual(expected);
  });

  it.each([
    ["-", []],
    ["255", [[255, 255]]],
    [
      "2, 3",
      [
        [2, 2],
        [3, 3],
      ],
    ],
    ["65024 to 65279", [[65024, 65279]]],
    ["0xFF", [[255, 255]]],
    ["0xFB-0xFF", [[251, 255]]],
    ["251-255", [[251, 255]]],
    [" 0xFFFFFFFF - Odometer readings not available", [[4294967295, 4294967295]]],
    ["0xFFFF - Fuel level not available", [[65535, 65535]]],
  ])("error values %j", (cell, expected) => {
    expect(parseErrorValuesCell(cell, "test")).toEqual(expected);
  });

  it.each([
    ["0", 0],
    ["65,535", 65535],
    ["0xFFFF or 65535", 65535],
    ["0xFFFFFFFF", 4294967295],
    ["-2147483648", -2147483648],
    ["", undefined],
  ])("bound %j", (cell, expected) => {
    expect(parseBoundCell(cell, "test")).toBe(expected);
  });

  it.each([
    ["multiplier", () => parseMultiplierCell("x2", "row 1")],
    ["multiplier", () => parseMultiplierCell("1; 2; 3", "row 1")],
    ["error values", () => parseErrorValuesCell("see manual", "row 1")],
    ["bound", () => parseBoundCell("lots", "row 1")],
  ])("throws on an unknown %s spelling instead of guessing", (_what, parse) => {
    expect(parse).toThrow(/oids.csv row 1: cannot read/);
  });
});
