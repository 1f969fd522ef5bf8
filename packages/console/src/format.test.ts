import { describe, expect, it } from "vitest";
import {
  creditsInUsd,
  formatBps,
  formatCredits,
  formatDate,
  formatDateTime,
  formatDimo,
  formatDuration,
  formatNumber,
  formatRelative,
  formatSignal,
  humanize,
  parseDimo,
  shortAddress,
  toDate,
} from "./format.ts";

const DIMO = 10n ** 18n;

describe("amounts", () => {
  it("writes DIMO with grouping, two decimals above 1 and significant digits below", () => {
    expect(formatDimo(100_000n * DIMO)).toBe("100,000 DIMO");
    expect(formatDimo(1234n * DIMO + DIMO / 2n)).toBe("1,234.5 DIMO");
    expect(formatDimo(DIMO + DIMO / 1000n)).toBe("1 DIMO");
    expect(formatDimo(DIMO / 8n)).toBe("0.125 DIMO");
    expect(formatDimo(123456789012345n)).toBe("0.0001234 DIMO");
    expect(formatDimo(0n)).toBe("0 DIMO");
    expect(formatDimo(-2n * DIMO)).toBe("−2 DIMO");
  });

  it("parses DIMO typed in a form and refuses what is not an amount", () => {
    expect(parseDimo("1,000.5")).toBe(1000n * DIMO + DIMO / 2n);
    expect(parseDimo("80")).toBe(80n * DIMO);
    expect(() => parseDimo("1e5")).toThrow(/not an amount of DIMO/);
    expect(() => parseDimo("-3")).toThrow(RangeError);
    expect(() => parseDimo("0.0000000000000000001")).toThrow(RangeError);
  });

  it("writes credits, dollars, numbers and basis points", () => {
    expect(formatCredits(12500)).toBe("12,500 credits");
    expect(formatCredits(1n)).toBe("1 credit");
    expect(creditsInUsd(12500)).toBe("US$12.50");
    expect(formatNumber(1234567.891)).toBe("1,234,567.89");
    expect(formatNumber(Number.NaN)).toBe("—");
    expect(formatBps(2990)).toBe("29.9 %");
    expect(formatSignal(87.44, "km/h")).toBe("87.4 km/h");
    expect(formatSignal(12.634, "V")).toBe("12.6 V");
    expect(formatSignal(3.456, "bar")).toBe("3.46 bar");
    expect(formatSignal(1520.2, undefined)).toBe("1,520");
  });
});

describe("times", () => {
  it("reads chain seconds, ISO strings and dates alike", () => {
    expect(toDate(1_700_000_000n).toISOString()).toBe("2023-11-14T22:13:20.000Z");
    expect(toDate(1_700_000_000).getTime()).toBe(toDate("2023-11-14T22:13:20Z").getTime());
    expect(formatDateTime(1_700_000_000n)).toBe("14 Nov 2023, 22:13 UTC");
    expect(formatDate("2026-03-03T23:59:00Z")).toBe("3 Mar 2026");
    expect(formatDate("not a date")).toBe("—");
  });

  it("writes spans in their largest whole unit", () => {
    expect(formatDuration(2_629_800)).toBe("1 month");
    expect(formatDuration(6 * 2_629_800)).toBe("6 months");
    expect(formatDuration(90)).toBe("1 minute");
    expect(formatDuration(3 * 86400 + 5)).toBe("3 days");
    expect(formatDuration(0)).toBe("0 seconds");
  });

  it("writes times relative to now", () => {
    const now = new Date("2026-01-10T00:00:00Z");
    expect(formatRelative(new Date("2026-01-13T00:00:00Z"), now)).toBe("in 3 days");
    expect(formatRelative("2026-01-09T23:55:00Z", now)).toBe("5 minutes ago");
    expect(formatRelative(now, now)).toBe("now");
  });
});

describe("names", () => {
  it("shortens addresses and humanises identifiers", () => {
    expect(shortAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).toBe("0xf39F…2266");
    expect(shortAddress("0x12")).toBe("0x12");
    expect(humanize("powertrainTransmissionTravelledDistance")).toBe(
      "Powertrain transmission travelled distance",
    );
    expect(humanize("token_exchange")).toBe("Token exchange");
  });
});

describe("units", () => {
  it("writes VSS unit names as symbols", async () => {
    const { displayUnit } = await import("./format.ts");
    expect(displayUnit("percent")).toBe("%");
    expect(displayUnit("celsius")).toBe("°C");
    expect(displayUnit("km/h")).toBe("km/h");
    expect(displayUnit(undefined)).toBeUndefined();
  });
});

describe("short times", () => {
  it("drops the year when it is this year's", async () => {
    const { formatShortDateTime } = await import("./format.ts");
    const now = new Date("2026-11-22T12:00:00Z");
    expect(formatShortDateTime("2026-11-22T06:01:30Z", now)).toBe("22 Nov, 06:01");
    expect(formatShortDateTime("2025-01-02T23:59:00Z", now)).toBe("2 Jan 2025, 23:59");
  });
});
