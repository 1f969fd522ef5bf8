/** Shaping telemetry queries and answers for the owner's views. */
import type { Fix } from "./trips.ts";

const STEPS: [number, string][] = [
  [1, "1s"],
  [5, "5s"],
  [15, "15s"],
  [30, "30s"],
  [60, "1m"],
  [120, "2m"],
  [300, "5m"],
  [600, "10m"],
  [900, "15m"],
  [1800, "30m"],
  [3600, "1h"],
  [3 * 3600, "3h"],
  [6 * 3600, "6h"],
  [86400, "24h"],
];

/**
 * The finest bucket (a Go duration the node accepts) that splits `rangeMs` into at most
 * `maxBuckets` buckets; queries cost by buckets × signals, so views ask for what they can draw.
 */
export function intervalFor(rangeMs: number, maxBuckets: number): { interval: string; seconds: number } {
  if (!(rangeMs > 0) || !(maxBuckets >= 1))
    throw new RangeError(`no interval for range ${rangeMs} ms and ${maxBuckets} buckets`);
  const needed = rangeMs / 1000 / maxBuckets;
  const [seconds, interval] = STEPS.find(([s]) => s >= needed) ?? STEPS.at(-1)!;
  return { interval, seconds };
}

/** Location buckets (`{timestamp, <field>: {latitude, longitude}}`) as fixes for trip splitting. */
export function fixesFromRows(rows: readonly Record<string, unknown>[], field: string): Fix[] {
  const out: Fix[] = [];
  for (const row of rows) {
    const v = row[field] as { latitude?: unknown; longitude?: unknown } | null | undefined;
    const at = Date.parse(String(row.timestamp));
    if (v && typeof v.latitude === "number" && typeof v.longitude === "number" && Number.isFinite(at))
      out.push({ at, latitude: v.latitude, longitude: v.longitude });
  }
  return out;
}
