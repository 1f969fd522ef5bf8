import { describe, expect, it } from "vitest";
import { splitJsonArray } from "./batch.ts";
import type { IngestRejectedError } from "./errors.ts";

function reason(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (error) {
    return (error as IngestRejectedError).reason;
  }
}

describe("splitJsonArray (CloudEvents batch)", () => {
  it("returns each element's exact text, whitespace and escapes included", () => {
    const a = '{"id":"a","data":{ "note":"} ] { [ \\" \\\\" }}';
    const b = '{"id":"b","data":[1,{"x":"y"}]}';
    expect(splitJsonArray(` [ ${a} ,\n${b}\t] `, 10)).toEqual([a, b]);
    for (const item of splitJsonArray(`[${a},${b}]`, 10)) expect(() => JSON.parse(item)).not.toThrow();
  });

  it("accepts an empty batch", () => {
    expect(splitJsonArray("[ ]", 10)).toEqual([]);
  });

  it("refuses what is not an array of objects, with malformed", () => {
    expect(reason(() => splitJsonArray('{"id":1}', 10))).toBe("malformed");
    expect(reason(() => splitJsonArray("[1,2]", 10))).toBe("malformed");
    expect(reason(() => splitJsonArray('[{"a":1} {"b":2}]', 10))).toBe("malformed");
    expect(reason(() => splitJsonArray('[{"a":"}', 10))).toBe("malformed");
    expect(reason(() => splitJsonArray('[{"a":1}] x', 10))).toBe("malformed");
  });

  it("refuses more elements than allowed, with batch_too_large", () => {
    expect(reason(() => splitJsonArray("[{},{},{}]", 2))).toBe("batch_too_large");
    expect(splitJsonArray("[{},{}]", 2)).toHaveLength(2);
  });
});
