/**
 * How the console writes numbers, amounts, times and addresses: always with units, grouped
 * digits and dates a person reads at a glance. Pure functions; the locale is fixed to en-GB
 * (24-hour clock, day before month) so screenshots and tests are stable.
 */
import { formatUnits, parseUnits } from "viem";

const LOCALE = "en-GB";

/** 1234567.891 → "1,234,567.89" (at most `digits` decimals, none forced). */
export function formatNumber(value: number | bigint, digits = 2): string {
  if (typeof value === "bigint") return value.toLocaleString(LOCALE);
  if (!Number.isFinite(value)) return "—";
  return value.toLocaleString(LOCALE, { maximumFractionDigits: digits });
}

/**
 * DIMO (18 decimals, in wei) with its unit: 1234.5 DIMO; small amounts keep significant digits
 * (0.0125 DIMO) so a tranche of a device stake never shows as 0.
 */
export function formatDimo(wei: bigint, unit = "DIMO"): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const text = formatUnits(abs, 18);
  const [whole, fraction = ""] = text.split(".");
  const wholeText = BigInt(whole!).toLocaleString(LOCALE);
  let frac = fraction.replace(/0+$/, "");
  if (abs >= 10n ** 18n) frac = frac.slice(0, 2).replace(/0+$/, "");
  else if (frac.length > 0) {
    // Below 1 DIMO: four significant digits after the leading zeros.
    const lead = frac.match(/^0*/)![0].length;
    frac = frac.slice(0, lead + 4).replace(/0+$/, "");
  }
  return `${negative ? "−" : ""}${wholeText}${frac ? `.${frac}` : ""} ${unit}`;
}

/** Parses "1,000.5" (DIMO) into wei; throws a RangeError a form can show. */
export function parseDimo(text: string): bigint {
  const clean = text.replace(/[,\s_]/g, "");
  if (!/^\d{1,12}(\.\d{1,18})?$/.test(clean))
    throw new RangeError(`"${text}" is not an amount of DIMO (digits, at most 18 decimals).`);
  return parseUnits(clean, 18);
}

/** Credits are whole units: "12,500 credits" ($12.50 at $0.001 each). */
export function formatCredits(credits: number | bigint): string {
  const n = typeof credits === "bigint" ? credits : BigInt(Math.round(credits));
  return `${n.toLocaleString(LOCALE)} ${n === 1n ? "credit" : "credits"}`;
}

/** US dollars for a credit amount at DIMO's peg of $0.001 per credit. */
export function creditsInUsd(credits: number | bigint): string {
  const cents = Number(credits) / 10;
  return (cents / 100).toLocaleString(LOCALE, { style: "currency", currency: "USD" });
}

/** Basis points as a percentage: 2990 → "29.9 %". */
export function formatBps(bps: number | bigint): string {
  return `${formatNumber(Number(bps) / 100, 2)} %`;
}

type TimeInput = Date | string | number | bigint;

/** Chain times are Unix seconds (number or bigint); API times ISO strings or Dates. */
export function toDate(t: TimeInput): Date {
  if (t instanceof Date) return t;
  if (typeof t === "bigint") return new Date(Number(t) * 1000);
  if (typeof t === "number") return new Date(t * 1000);
  return new Date(t);
}

/** "3 Mar 2026, 14:05" in UTC (chain time is UTC; the devnet's too). */
export function formatDateTime(t: TimeInput): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toLocaleString(LOCALE, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`;
}

/** "3 Mar 2026" (UTC). */
export function formatDate(t: TimeInput): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleDateString(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

const UNITS: [number, string][] = [
  [365.25 * 86400, "year"],
  [30.4375 * 86400, "month"],
  [7 * 86400, "week"],
  [86400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** A span of seconds in its largest whole unit: 2629800 → "1 month", 90 → "1 minute". */
export function formatDuration(seconds: number | bigint): string {
  const s = Math.abs(Number(seconds));
  for (const [size, name] of UNITS) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "0 seconds";
}

/** `t` relative to `now`: "in 3 days", "5 minutes ago", "now". */
export function formatRelative(t: TimeInput, now: Date = new Date()): string {
  const diff = (toDate(t).getTime() - now.getTime()) / 1000;
  if (Math.abs(diff) < 30) return "now";
  const span = formatDuration(diff);
  return diff > 0 ? `in ${span}` : `${span} ago`;
}

/** 0x1234…abcd: enough to tell accounts apart, with the whole address in a tooltip. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A signal value with its unit: 87.4 km/h, 12.6 V. */
export function formatSignal(value: number, unit: string | undefined): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return unit ? `${formatNumber(value, digits)} ${unit}` : formatNumber(value, digits);
}

/** "camelCaseWords" → "Camel case words" (signal and enum names in headings). */
export function humanize(name: string): string {
  const spaced = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const UNIT_SYMBOLS: Record<string, string> = {
  percent: "%",
  celsius: "°C",
  degrees: "°",
  kilowatt: "kW",
  "kilowatt-hours": "kWh",
  kWh: "kWh",
};

/** VSS unit names as a person writes them: percent → %, celsius → °C; others unchanged. */
export function displayUnit(unit: string | undefined): string | undefined {
  if (!unit) return undefined;
  return UNIT_SYMBOLS[unit] ?? unit;
}

/** "22 Nov, 06:01" (UTC): for dense tables; the year is left out when it is this year's. */
export function formatShortDateTime(t: Date | string | number | bigint, now: Date = new Date()): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return "—";
  const sameYear = d.getUTCFullYear() === now.getUTCFullYear();
  const day = d.toLocaleDateString(LOCALE, {
    day: "numeric",
    month: "short",
    timeZone: "UTC",
    ...(sameYear ? {} : { year: "numeric" }),
  });
  const time = d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return `${day}, ${time}`;
}
