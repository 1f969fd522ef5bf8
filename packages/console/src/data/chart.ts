/**
 * The arithmetic behind the console's SVG charts: series from API rows, "nice" axis ticks and
 * the polyline of a series in a plot area. Kept apart from the components so it can be tested.
 */

export interface Point {
  /** x: milliseconds since the epoch (time series) or any number. */
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

/** Numeric points of one field of telemetry rows (`{timestamp, <field>}`); nulls and non-numbers are gaps. */
export function seriesFromRows(rows: readonly Record<string, unknown>[], field: string): Point[] {
  const out: Point[] = [];
  for (const row of rows) {
    const v = row[field];
    const t = Date.parse(String(row.timestamp));
    if (typeof v === "number" && Number.isFinite(v) && Number.isFinite(t)) out.push({ x: t, y: v });
  }
  return out.sort((a, b) => a.x - b.x);
}

/** Round tick values covering [min, max] with steps of 1, 2 or 5 × 10^k (about `count` ticks). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9 || ticks.length < 2; v += step) {
    ticks.push(Number(v.toPrecision(12)));
    if (ticks.length > 50) break;
  }
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Scale {
  x(v: number): number;
  y(v: number): number;
  yTicks: number[];
  xDomain: [number, number];
}

/** Linear scales fitting every point of `series` into `area`, y on nice ticks (0 included when `zero`). */
export function scalesFor(series: readonly Series[], area: PlotArea, zero = false): Scale {
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (zero) {
    y0 = Math.min(0, y0);
    y1 = Math.max(0, y1);
    // Nothing but zeros (an empty week): a 0–1 axis rather than one centred on zero.
    if (y0 === 0 && y1 === 0) y1 = 1;
  }
  const yTicks = niceTicks(y0, y1);
  const lo = yTicks[0]!;
  const hi = yTicks.at(-1)!;
  const xSpan = x1 - x0 || 1;
  return {
    x: (v) => area.left + ((v - x0) / xSpan) * area.width,
    y: (v) => area.top + area.height - ((v - lo) / (hi - lo || 1)) * area.height,
    yTicks,
    xDomain: [x0, x1],
  };
}

/**
 * SVG path `d` of a series; a jump in x larger than `maxGap` (no data for a while) lifts the pen
 * rather than drawing a misleading straight line across it.
 */
export function linePath(
  points: readonly Point[],
  scale: Pick<Scale, "x" | "y">,
  maxGap = Number.POSITIVE_INFINITY,
) {
  let d = "";
  let prev: Point | undefined;
  for (const p of points) {
    const cmd = !prev || p.x - prev.x > maxGap ? "M" : "L";
    d += `${d ? " " : ""}${cmd}${scale.x(p.x).toFixed(1)} ${scale.y(p.y).toFixed(1)}`;
    prev = p;
  }
  return d;
}

/** Counts of timestamped items per bucket of `size` starting at `start` (ms or s, as given). */
export function bucketCounts(
  times: readonly number[],
  start: number,
  size: number,
  buckets: number,
): number[] {
  const out = new Array<number>(buckets).fill(0);
  for (const t of times) {
    const i = Math.floor((t - start) / size);
    if (i >= 0 && i < buckets) out[i]! += 1;
  }
  return out;
}
