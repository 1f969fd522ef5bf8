import { describe, expect, it } from "vitest";
import { MAX_SEQUENCE } from "../envelope/schema.ts";
import { checkSequence, SequenceCounter } from "./sequence.ts";

describe("SequenceCounter", () => {
  it("hands out 0, 1, 2, … and resumes from a persisted value", () => {
    const counter = new SequenceCounter();
    expect([counter.next(), counter.next(), counter.next()]).toEqual([0n, 1n, 2n]);
    expect(counter.peek()).toBe(3n);
    expect(new SequenceCounter(1000n).next()).toBe(1000n);
  });

  it("stops at 2^63-1 instead of wrapping around", () => {
    const counter = new SequenceCounter(MAX_SEQUENCE);
    expect(counter.next()).toBe(MAX_SEQUENCE);
    expect(() => counter.next()).toThrow(/exhausted/);
    expect(() => new SequenceCounter(-1n)).toThrow(RangeError);
    expect(() => new SequenceCounter(MAX_SEQUENCE + 1n)).toThrow(RangeError);
  });
});

describe("checkSequence", () => {
  it("classifies first, next, gap, duplicate and old", () => {
    expect(checkSequence(undefined, 7n)).toEqual({ status: "first" });
    expect(checkSequence(7n, 8n)).toEqual({ status: "next" });
    expect(checkSequence(7n, 11n)).toEqual({ status: "gap", missing: 3n });
    expect(checkSequence(7n, 7n)).toEqual({ status: "duplicate" });
    expect(checkSequence(7n, 2n)).toEqual({ status: "old" });
  });
});
