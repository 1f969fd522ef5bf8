import type { Coordinates } from "@dimo-open/signals";
import type { DuckDBValue } from "@duckdb/node-api";
import { GraphQLError } from "graphql";
import type { SerialConnection } from "../sql.ts";
import { ROLLUP_AGGREGATIONS, type SignalRollups } from "./rollups.ts";

/**
 * Read queries over the telemetry store's tables (`signals`, `vehicle_events`, `cloud_events`;
 * schema in telemetry/schema.ts). Every aggregation runs in DuckDB: one statement answers all
 * the fields and buckets of a `signals` query.
 */

export type FloatAggregation = "AVG" | "MED" | "MAX" | "MIN" | "RAND" | "FIRST" | "LAST";
export type StringAggregation = "RAND" | "TOP" | "UNIQUE" | "FIRST" | "LAST";
export type LocationAggregation = "AVG" | "RAND" | "FIRST" | "LAST";

export interface FloatFilter {
  eq?: number | null;
  neq?: number | null;
  gt?: number | null;
  lt?: number | null;
  gte?: number | null;
  lte?: number | null;
  in?: number[] | null;
  notIn?: number[] | null;
  or?: FloatFilter[] | null;
}

export interface LocationFilter {
  inPolygon?: Coordinates[] | null;
  inCircle?: { center: Coordinates; radius: number } | null;
}

export type AggregationRequest =
  | { key: string; signal: string; type: "float"; agg: FloatAggregation; filter?: FloatFilter | null }
  | { key: string; signal: string; type: "string"; agg: StringAggregation }
  | {
      key: string;
      signal: string;
      type: "location";
      agg: LocationAggregation;
      filter?: LocationFilter | null;
    };

export interface Bucket {
  /** Bucket start, ms. */
  start: number;
  values: Record<string, number | string | Coordinates | null>;
}

export interface LatestValue {
  timestamp: number;
  value: number | string | Coordinates;
}

const MAX_FILTER_TERMS = 64;
const MAX_POLYGON_VERTICES = 64;

function badFilter(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } });
}

/** A finite number, safe to inline into SQL. */
function num(value: unknown, what: string): string {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw badFilter(`${what} must be a finite number.`);
  return String(value);
}

/** SQL predicate over `value_number` for DIMO's float value filter (numbers inlined after checks). */
export function floatFilterSql(filter: FloatFilter, depth = 0, budget = { terms: 0 }): string {
  if (depth > 4) throw badFilter("Float filters nest at most 4 levels of `or`.");
  const v = "value_number";
  const terms: string[] = [];
  const add = (sql: string) => {
    if (++budget.terms > MAX_FILTER_TERMS)
      throw badFilter(`A value filter has at most ${MAX_FILTER_TERMS} terms.`);
    terms.push(sql);
  };
  if (filter.eq != null) add(`${v} = ${num(filter.eq, "eq")}`);
  if (filter.neq != null) add(`${v} <> ${num(filter.neq, "neq")}`);
  if (filter.gt != null) add(`${v} > ${num(filter.gt, "gt")}`);
  if (filter.lt != null) add(`${v} < ${num(filter.lt, "lt")}`);
  if (filter.gte != null) add(`${v} >= ${num(filter.gte, "gte")}`);
  if (filter.lte != null) add(`${v} <= ${num(filter.lte, "lte")}`);
  if (filter.in != null)
    add(filter.in.length ? `${v} IN (${filter.in.map((x) => num(x, "in")).join(", ")})` : "FALSE");
  if (filter.notIn?.length) add(`${v} NOT IN (${filter.notIn.map((x) => num(x, "notIn")).join(", ")})`);
  let sql = terms.length ? terms.join(" AND ") : "TRUE";
  if (filter.or?.length) {
    const alternatives = filter.or.map((f) => `(${floatFilterSql(f, depth + 1, budget)})`);
    sql = `(${sql}) OR ${alternatives.join(" OR ")}`;
  }
  return `(${sql})`;
}

const LAT = "value_location.latitude";
const LON = "value_location.longitude";

/** SQL predicate over `value_location` (haversine circle in km; even-odd polygon test). */
export function locationFilterSql(filter: LocationFilter): string {
  const terms: string[] = [];
  if (filter.inCircle) {
    const { center, radius } = filter.inCircle;
    const lat = num(center.latitude, "inCircle.center.latitude");
    const lon = num(center.longitude, "inCircle.center.longitude");
    terms.push(
      `2 * 6371.0088 * asin(sqrt(pow(sin(radians(${LAT} - ${lat}) / 2), 2) + cos(radians(${lat})) * cos(radians(${LAT})) * pow(sin(radians(${LON} - ${lon}) / 2), 2))) <= ${num(radius, "inCircle.radius")}`,
    );
  }
  if (filter.inPolygon) {
    const ring = filter.inPolygon;
    if (ring.length < 3 || ring.length > MAX_POLYGON_VERTICES) {
      throw badFilter(`inPolygon needs 3 to ${MAX_POLYGON_VERTICES} vertices; got ${ring.length}.`);
    }
    const crossings = ring.map((p, i) => {
      const q = ring[(i + ring.length - 1) % ring.length]!;
      const [xi, yi, xj, yj] = [
        num(p.longitude, "longitude"),
        num(p.latitude, "latitude"),
        num(q.longitude, "longitude"),
        num(q.latitude, "latitude"),
      ];
      if (yi === yj) return "0"; // a horizontal edge never crosses the ray
      return `CASE WHEN ((${yi} > ${LAT}) <> (${yj} > ${LAT})) AND (${LON} < (${xj} - ${xi}) * (${LAT} - ${yi}) / (${yj} - ${yi}) + ${xi}) THEN 1 ELSE 0 END`;
    });
    terms.push(`((${crossings.join(" + ")}) % 2 = 1)`);
  }
  return terms.length ? `(${terms.join(" AND ")})` : "TRUE";
}

// RAND picks the row whose timestamp hashes lowest: a uniform, reproducible sample.
const FLOAT_AGG: Record<FloatAggregation, (c: string) => string> = {
  AVG: (c) => `avg(${c})`,
  MED: (c) => `median(${c})`,
  MAX: (c) => `max(${c})`,
  MIN: (c) => `min(${c})`,
  RAND: (c) => `arg_min(${c}, hash(timestamp))`,
  FIRST: (c) => `arg_min(${c}, timestamp)`,
  LAST: (c) => `arg_max(${c}, timestamp)`,
};
const STRING_AGG: Record<StringAggregation, (c: string) => string> = {
  RAND: (c) => `arg_min(${c}, hash(timestamp))`,
  TOP: (c) => `mode(${c})`,
  UNIQUE: (c) => `string_agg(DISTINCT ${c}, ',' ORDER BY ${c})`,
  FIRST: (c) => `arg_min(${c}, timestamp)`,
  LAST: (c) => `arg_max(${c}, timestamp)`,
};
const LOCATION_AGG: Record<LocationAggregation, (c: string) => string> = {
  AVG: () => "", // a struct of three filtered averages: built in aggregate()
  RAND: (c) => `arg_min(${c}, hash(timestamp))`,
  FIRST: (c) => `arg_min(${c}, timestamp)`,
  LAST: (c) => `arg_max(${c}, timestamp)`,
};

export interface AggregateQuery {
  vehicleId: bigint;
  subject: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  source?: string | undefined;
  fields: AggregationRequest[];
}

export class SignalStore {
  constructor(
    private readonly sql: SerialConnection,
    private readonly rollups?: SignalRollups,
    /** Rolls what was appended since the last roll, so a query sees data written just before it. */
    private readonly rollPending?: () => Promise<unknown>,
  ) {}

  /**
   * All requested aggregations over buckets [from + k·interval, …) up to `to`. Float AVG, MIN, MAX,
   * FIRST and LAST without value filters come from the rollups (hour and minute partials plus raw
   * rows where a bucket boundary cuts a minute); everything else from the raw rows, in one statement.
   */
  async aggregate(p: AggregateQuery): Promise<Bucket[]> {
    const rollups = this.rollups;
    const rolled =
      rollups && !p.source
        ? p.fields.filter((f) => f.type === "float" && ROLLUP_AGGREGATIONS.has(f.agg) && !f.filter)
        : [];
    const rest = p.fields.filter((f) => !rolled.includes(f));
    if (!rollups || rolled.length === 0) return this.aggregateRaw(p);
    const buckets = new Map<number, Bucket>();
    for (const b of rest.length ? await this.aggregateRaw({ ...p, fields: rest }) : [])
      buckets.set(b.start, b);
    await this.rollPending?.();
    const parts = await rollups.aggregate({
      vehicleId: p.vehicleId,
      subject: p.subject,
      names: [...new Set(rolled.map((f) => f.signal))],
      fromMs: p.fromMs,
      toMs: p.toMs,
      intervalMs: p.intervalMs,
      first: [...new Set(rolled.filter((f) => f.agg === "FIRST").map((f) => f.signal))],
      last: [...new Set(rolled.filter((f) => f.agg === "LAST").map((f) => f.signal))],
    });
    for (const [key, values] of parts) {
      const [bucket, name] = key.split("|") as [string, string];
      const start = p.fromMs + Number(bucket) * p.intervalMs;
      let b = buckets.get(start);
      if (!b) {
        b = { start, values: {} };
        buckets.set(start, b);
      }
      for (const f of rolled) {
        if (f.signal !== name) continue;
        const column = f.agg.toLowerCase() as keyof typeof values;
        b.values[f.key] = values[column];
      }
    }
    const all = [...buckets.values()].sort((a, b) => a.start - b.start);
    for (const b of all) for (const f of p.fields) if (!(f.key in b.values)) b.values[f.key] = null;
    return all;
  }

  /** The raw path: every requested aggregation in one statement over the `signals` rows. */
  private async aggregateRaw(p: AggregateQuery): Promise<Bucket[]> {
    if (p.fields.length === 0) return [];
    const params: DuckDBValue[] = [];
    const columns = p.fields.map((f, i) => {
      // Catalogue names only ([A-Za-z0-9]), so inlining them is safe and keeps parameters simple.
      if (!/^[A-Za-z0-9]+$/.test(f.signal)) throw badFilter(`Unknown signal ${JSON.stringify(f.signal)}.`);
      let expression: string;
      let predicate = `name = '${f.signal}'`;
      if (f.type === "float") {
        expression = FLOAT_AGG[f.agg]("value_number");
        if (f.filter) predicate += ` AND ${floatFilterSql(f.filter)}`;
      } else if (f.type === "string") {
        expression = STRING_AGG[f.agg]("value_string");
      } else {
        if (f.filter) predicate += ` AND ${locationFilterSql(f.filter)}`;
        if (f.agg === "AVG") {
          const filtered = `FILTER (WHERE ${predicate})`;
          return `CASE WHEN count(*) ${filtered} > 0 THEN {'latitude': avg(${LAT}) ${filtered}, 'longitude': avg(${LON}) ${filtered}, 'hdop': avg(value_location.hdop) ${filtered}} END AS f${i}`;
        }
        expression = LOCATION_AGG[f.agg]("value_location");
      }
      return `${expression} FILTER (WHERE ${predicate}) AS f${i}`;
    });
    const names = [...new Set(p.fields.map((f) => f.signal))];
    params.push(p.fromMs, p.intervalMs, p.subject, p.fromMs, p.toMs, ...names);
    if (p.source) params.push(p.source);
    const rows = await this.sql.all(
      `SELECT ${columns.join(", ")}, (epoch_ms(timestamp) - ?) // ? AS bucket
       FROM signals
       WHERE subject = ? AND timestamp >= epoch_ms(?::BIGINT) AND timestamp < epoch_ms(?::BIGINT)
         AND name IN (${names.map(() => "?").join(", ")}) ${p.source ? "AND source = ?" : ""}
       GROUP BY bucket ORDER BY bucket`,
      params,
    );
    return rows.map((row) => {
      const values: Bucket["values"] = {};
      p.fields.forEach((f, i) => {
        values[f.key] = (row[`f${i}`] ?? null) as Bucket["values"][string];
      });
      return { start: p.fromMs + Number(row.bucket) * p.intervalMs, values };
    });
  }

  /**
   * The latest value of each named signal and when the vehicle last sent anything: from the
   * latest values the rolls keep (plus rows not rolled yet) when there are rollups and no source
   * filter. Otherwise, as live vehicles' latest values are recent, it looks in a widening window (5 min, 1 h, 1 day, 30 days, all time)
   * and stops at the first one that holds every requested signal: time zone maps skip the rest.
   */
  async latest(p: {
    subject: string;
    names: string[];
    source?: string | undefined;
    nowMs?: number;
    /** Whether `lastSeen` (over every signal) is wanted; without it only `names` are read. */
    lastSeen?: boolean;
  }): Promise<{ lastSeen: number | undefined; values: Map<string, LatestValue> }> {
    if (this.rollups && !p.source) {
      await this.rollPending?.();
      const latest = await this.rollups.latest({
        subject: p.subject,
        names: p.names,
        lastSeen: p.lastSeen !== false,
        ...(p.nowMs === undefined ? {} : { nowMs: p.nowMs }),
      });
      return { lastSeen: latest.lastSeen, values: new Map(latest.values.map((v) => [v.name, v])) };
    }
    const now = p.nowMs ?? Date.now();
    const windows = [300_000, 3_600_000, 86_400_000, 30 * 86_400_000, undefined];
    let result: { lastSeen: number | undefined; values: Map<string, LatestValue> } = {
      lastSeen: undefined,
      values: new Map(),
    };
    for (const window of windows) {
      const params: DuckDBValue[] = [p.subject];
      let where = "subject = ?";
      if (window !== undefined) {
        where += " AND timestamp >= epoch_ms(?::BIGINT)";
        params.push(now - window);
      }
      if (p.source) {
        where += " AND source = ?";
        params.push(p.source);
      }
      if (p.lastSeen === false) {
        if (p.names.length === 0) return result;
        where += ` AND name IN (${p.names.map(() => "?").join(", ")})`;
        params.push(...p.names);
      }
      const rows = await this.sql.all(
        `SELECT name, epoch_ms(max(timestamp)) AS ts, arg_max(value_number, timestamp) AS n,
                arg_max(value_string, timestamp) AS s, arg_max(value_location, timestamp) AS l
         FROM signals WHERE ${where} GROUP BY name`,
        params,
      );
      const values = new Map<string, LatestValue>();
      let lastSeen: number | undefined;
      for (const row of rows) {
        const ts = Number(row.ts);
        lastSeen = Math.max(lastSeen ?? ts, ts);
        const value = (row.n ?? row.s ?? row.l) as LatestValue["value"] | null;
        if (value !== null && value !== undefined) values.set(String(row.name), { timestamp: ts, value });
      }
      result = { lastSeen, values };
      if (rows.length > 0 && p.names.every((n) => values.has(n))) break;
    }
    return result;
  }

  async summary(subject: string, source?: string) {
    const params: DuckDBValue[] = [subject];
    if (source) params.push(source);
    const rows = await this.sql.all(
      `SELECT name, count(*) AS n, epoch_ms(min(timestamp)) AS first, epoch_ms(max(timestamp)) AS last
       FROM signals WHERE subject = ? ${source ? "AND source = ?" : ""} GROUP BY name ORDER BY name`,
      params,
    );
    return rows.map((r) => ({
      name: String(r.name),
      count: Number(r.n),
      first: Number(r.first),
      last: Number(r.last),
    }));
  }

  async events(p: {
    subject: string;
    fromMs: number;
    toMs: number;
    name?: StringFilter | null;
    source?: StringFilter | null;
    limit: number;
  }) {
    const params: DuckDBValue[] = [p.subject, p.fromMs, p.toMs];
    const where = ["subject = ?", "timestamp >= epoch_ms(?::BIGINT)", "timestamp < epoch_ms(?::BIGINT)"];
    if (p.name) where.push(stringFilterSql("name", p.name, params));
    if (p.source) where.push(stringFilterSql("source", p.source, params));
    const rows = await this.sql.all(
      `SELECT epoch_ms(timestamp) AS ts, name, source, duration_ns, metadata FROM vehicle_events
       WHERE ${where.join(" AND ")} ORDER BY timestamp LIMIT ${Math.floor(p.limit)}`,
      params,
    );
    return rows.map((r) => ({
      timestamp: Number(r.ts),
      name: String(r.name),
      source: String(r.source),
      durationNs: Number(r.duration_ns ?? 0),
      metadata: r.metadata === null || r.metadata === undefined ? null : String(r.metadata),
    }));
  }

  /** The newest fingerprint event carrying a VIN: device-signed, so the raw event is its proof. */
  async latestVin(subject: string) {
    const rows = await this.sql.all(
      `SELECT epoch_ms(time) AS ts, source, producer, header, data, json_extract_string(data, '$.vin') AS vin
       FROM cloud_events WHERE subject = ? AND type = 'dimo.fingerprint'
         AND json_extract_string(data, '$.vin') IS NOT NULL
       ORDER BY time DESC LIMIT 1`,
      [subject],
    );
    const r = rows[0];
    if (!r) return undefined;
    const header = JSON.parse(String(r.header)) as Record<string, unknown>;
    return {
      vin: String(r.vin),
      recordedAt: Number(r.ts),
      recordedBy: String(r.producer),
      source: String(r.source),
      rawVC: JSON.stringify({ ...header, data: JSON.parse(String(r.data)) }),
    };
  }
}

export interface StringFilter {
  eq?: string | null;
  neq?: string | null;
  in?: string[] | null;
  notIn?: string[] | null;
  startsWith?: string | null;
}

function stringFilterSql(column: string, f: StringFilter, params: DuckDBValue[]): string {
  const terms: string[] = [];
  const bounded = (list: string[]) => {
    if (list.length > MAX_FILTER_TERMS)
      throw badFilter(`A string filter lists at most ${MAX_FILTER_TERMS} values.`);
    return list;
  };
  const add = (sql: string, value: string) => {
    terms.push(sql);
    params.push(value);
  };
  if (f.eq != null) add(`${column} = ?`, f.eq);
  if (f.neq != null) add(`${column} <> ?`, f.neq);
  if (f.startsWith != null) add(`starts_with(${column}, ?)`, f.startsWith);
  if (f.in != null) {
    const list = bounded(f.in);
    terms.push(list.length ? `${column} IN (${list.map(() => "?").join(", ")})` : "FALSE");
    params.push(...list);
  }
  if (f.notIn?.length) {
    const list = bounded(f.notIn);
    terms.push(`${column} NOT IN (${list.map(() => "?").join(", ")})`);
    params.push(...list);
  }
  return terms.length ? `(${terms.join(" AND ")})` : "TRUE";
}
