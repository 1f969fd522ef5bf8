import { describe, expect, it } from "vitest";
import { rfc3339Millis } from "./time.ts";

describe("rfc3339Millis", () => {
  it("reads DIMO's nanosecond times, truncating below the millisecond", () => {
    expect(rfc3339Millis("2024-04-22T20:40:07.249022183Z")).toBe(Date.UTC(2024, 3, 22, 20, 40, 7, 249));
    expect(rfc3339Millis("2024-04-22T20:40:07.9999Z")).toBe(Date.UTC(2024, 3, 22, 20, 40, 7, 999));
  });

  it("applies offsets and accepts one-digit fractions", () => {
    expect(rfc3339Millis("2024-04-22T22:40:07.5+02:00")).toBe(Date.UTC(2024, 3, 22, 20, 40, 7, 500));
    expect(rfc3339Millis("2024-04-22t15:10:07-05:30")).toBe(Date.UTC(2024, 3, 22, 20, 40, 7));
  });

  it("rejects what is not an RFC 3339 date-time from 1970 on", () => {
    for (const bad of [
      "2024-02-30T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2024-04-22 20:40:07Z",
      "2024-04-22T24:00:00Z",
      "2024-04-22T20:40:07",
      "2024-04-22T20:40:07.1234567890Z",
      "1969-12-31T23:59:59Z",
      "2024-04-22T20:40:07+24:00",
      "",
    ]) {
      expect(rfc3339Millis(bad), bad).toBeUndefined();
    }
    expect(rfc3339Millis("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
  });
});
