import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.ts";
import type { JsonValue } from "./json.ts";

describe("canonicalJson (RFC 8785)", () => {
  it("serialises the RFC 8785 §3.2.2 example exactly", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as JsonValue;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example)", () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as JsonValue;
    // Read the order from the text: JS objects would enumerate the integer-like key "1" first.
    const order = [...canonicalJson(input).matchAll(/"[^"]+":"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face",
      "Hebrew Letter Dalet With Dagesh",
    ]);
  });

  it("is independent of member order and whitespace", () => {
    expect(canonicalJson(JSON.parse('{ "b": [1, {"y":2, "x":1}], "a": "z" }'))).toBe(
      canonicalJson(JSON.parse('{"a":"z","b":[1,{"x":1,"y":2}]}')),
    );
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}');
  });
});

describe("canonicalJson against a plain reference implementation", () => {
  /** RFC 8785 written the obvious way: sort every object's keys, JSON.stringify the primitives. */
  function reference(value: JsonValue): string {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(value[k]!)}`).join(",")}}`;
  }

  it("agrees on random JSON (sorted and unsorted keys, integer-like keys, escapes)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const json = JSON.parse(JSON.stringify(value)) as JsonValue;
        expect(canonicalJson(json)).toBe(reference(json));
      }),
      { numRuns: 300 },
    );
  });
});
