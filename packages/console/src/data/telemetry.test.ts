import { describe, expect, it } from "vitest";
import { fixesFromRows, intervalFor } from "./telemetry.ts";

describe("intervalFor", () => {
  it("picks the finest bucket that keeps the count under the limit", () => {
    expect(intervalFor(24 * 3600_000, 300)).toEqual({ interval: "5m", seconds: 300 });
    expect(intervalFor(24 * 3600_000, 1440)).toEqual({ interval: "1m", seconds: 60 });
    // A week at one-minute resolution would be 10,080 buckets, over the node's 10,000.
    expect(intervalFor(7 * 86400_000, 10_000)).toEqual({ interval: "2m", seconds: 120 });
    expect(intervalFor(365 * 86400_000, 10)).toEqual({ interval: "24h", seconds: 86400 });
  });
  it("refuses an empty range", () => {
    expect(() => intervalFor(0, 10)).toThrow(RangeError);
  });
});

describe("fixesFromRows", () => {
  it("keeps buckets with coordinates", () => {
    const rows = [
      { timestamp: "2026-01-01T00:00:00Z", loc: { latitude: 48.1, longitude: 11.5, hdop: 1 } },
      { timestamp: "2026-01-01T00:01:00Z", loc: null },
      { timestamp: "2026-01-01T00:02:00Z", loc: { latitude: "x", longitude: 1 } },
    ];
    expect(fixesFromRows(rows, "loc")).toEqual([
      { at: Date.parse("2026-01-01T00:00:00Z"), latitude: 48.1, longitude: 11.5 },
    ]);
  });
});
