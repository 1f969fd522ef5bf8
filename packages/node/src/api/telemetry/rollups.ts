import type { DuckDBValue } from "@duckdb/node-api";
import type { SerialConnection } from "../sql.ts";

/** Aggregations that minute rollups can answer exactly (they compose from partial aggregates). */
export const ROLLUP_AGGREGATIONS = new Set(["AVG", "MAX", "MIN", "FIRST", "LAST"]);
const MINUTE_MS = 60_000;

/**
 * Per-minute partial aggregates of float signals (count, sum, min, max, first, last), so that long
 * ranges aggregate from ~60× fewer rows than 1 Hz raw data. Append-only: each roll reads the
 * `signals` rows appended since the last one (by DuckDB row id: the telemetry table is
 * append-only, and committed appends take row ids past every earlier one) and adds their
 * partials in the same transaction that moves the watermark, so every row is counted exactly
 * once — late data simply adds another partial for its minute. Queries combine the partials with
 * the raw rows past the watermark, reading both in one snapshot.
 */
export class SignalRollups {
  private constructor(
    private readonly sql: SerialConnection,
    /** `did:erc721:<chain>:<vehicle registry>:`: the subjects rolled up, by vehicle token id. */
    readonly subjectPrefix: string,
    private readonly unrolledWindowMs: number,
  ) {}

  /**
   * `unrolledWindowMs`: how far back queries look among rows not rolled yet (default one day).
   * DuckDB cannot skip row groups by row id, so the unrolled rows are found by time: a row that
   * arrives late with an older timestamp shows in aggregates from the next roll (≤ 1 s) on.
   */
  static async open(
    sql: SerialConnection,
    subjectPrefix: string,
    options: { unrolledWindowMs?: number } = {},
  ): Promise<SignalRollups> {
    await sql.run(`CREATE TABLE IF NOT EXISTS signal_rollups (
      vehicle_id BIGINT NOT NULL, name VARCHAR NOT NULL, minute TIMESTAMP NOT NULL, n BIGINT NOT NULL,
      total DOUBLE NOT NULL, lo DOUBLE NOT NULL, hi DOUBLE NOT NULL,
      first_at TIMESTAMP NOT NULL, first_v DOUBLE NOT NULL, last_at TIMESTAMP NOT NULL, last_v DOUBLE NOT NULL)`);
    await sql.run(
      "CREATE TABLE IF NOT EXISTS signal_rollup_state (id INTEGER PRIMARY KEY, next_rowid BIGINT NOT NULL, sorted_rows BIGINT NOT NULL)",
    );
    await sql.run("INSERT INTO signal_rollup_state VALUES (1, 0, 0) ON CONFLICT DO NOTHING");
    return new SignalRollups(sql, subjectPrefix, options.unrolledWindowMs ?? 86_400_000);
  }

  /** Rolls up to `maxRows` newly appended rows; returns how many rows it consumed. */
  async roll(maxRows = 4_000_000): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const [state] = await tx.all("SELECT next_rowid FROM signal_rollup_state WHERE id = 1");
      const from = Number(state!.next_rowid);
      const [count] = await tx.all("SELECT count(*) AS n FROM signals");
      const to = Math.min(Number(count!.n), from + maxRows);
      if (to <= from) return 0;
      const prefix = this.subjectPrefix;
      await tx.run(
        `INSERT INTO signal_rollups
         SELECT TRY_CAST(substr(subject, ${prefix.length + 1}) AS BIGINT) AS vehicle_id, name,
                date_trunc('minute', timestamp) AS minute, count(*), sum(value_number), min(value_number), max(value_number),
                min(timestamp), arg_min(value_number, timestamp), max(timestamp), arg_max(value_number, timestamp)
         FROM signals
         WHERE rowid >= ? AND rowid < ? AND value_number IS NOT NULL AND starts_with(subject, ?)
           AND TRY_CAST(substr(subject, ${prefix.length + 1}) AS BIGINT) IS NOT NULL
         GROUP BY ALL ORDER BY vehicle_id, name, minute`,
        [from, to, prefix],
      );
      await tx.run("UPDATE signal_rollup_state SET next_rowid = ? WHERE id = 1", [to]);
      return to - from;
    });
  }

  /** Rolls until caught up, then (unless told not to) compacts when the unsorted tail has grown. */
  async catchUp(p: { compact?: boolean } = {}): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.roll();
      total += n;
      if (n === 0) break;
    }
    if (total > 0 && p.compact !== false) await this.compactIfNeeded();
    return total;
  }

  /**
   * Rewrites the partials sorted by (vehicle, signal, minute) once the part appended since the last
   * rewrite exceeds max(500,000 rows, 5 %): DuckDB's per-row-group min/max then skip every other
   * vehicle, so a query reads its vehicle's partials plus the short unsorted tail.
   */
  async compactIfNeeded(p: { minTail?: number } = {}): Promise<boolean> {
    const [state] = await this.sql.all(
      "SELECT (SELECT count(*) FROM signal_rollups) AS total, sorted_rows FROM signal_rollup_state WHERE id = 1",
    );
    const total = Number(state!.total);
    const tail = total - Number(state!.sorted_rows);
    if (tail <= (p.minTail ?? Math.max(500_000, total * 0.05))) return false;
    await this.sql.transaction(async (tx) => {
      await tx.run(
        "CREATE OR REPLACE TABLE signal_rollups_sorted AS SELECT * FROM signal_rollups ORDER BY vehicle_id, name, minute",
      );
      await tx.run("DROP TABLE signal_rollups");
      await tx.run("ALTER TABLE signal_rollups_sorted RENAME TO signal_rollups");
      await tx.run(
        "UPDATE signal_rollup_state SET sorted_rows = (SELECT count(*) FROM signal_rollups) WHERE id = 1",
      );
    });
    return true;
  }

  /** Whether a query over [from, …) with this interval can be answered from minute partials. */
  static aligned(fromMs: number, intervalMs: number): boolean {
    return fromMs % MINUTE_MS === 0 && intervalMs % MINUTE_MS === 0;
  }

  /**
   * Per (bucket, signal): avg, min, max, first and last over [from, to), from the partials of whole
   * minutes rolled so far, the raw rows not rolled yet, and the raw rows of the last partial minute.
   */
  async aggregate(p: {
    vehicleId: bigint;
    subject: string;
    names: string[];
    fromMs: number;
    toMs: number;
    intervalMs: number;
    nowMs?: number;
    /** Signals whose FIRST / LAST are wanted (the costly part); default: all of `names`. */
    first?: readonly string[];
    last?: readonly string[];
  }): Promise<Map<string, { avg: number; min: number; max: number; first: number; last: number }>> {
    const cut = Math.max(p.fromMs, Math.floor(p.toMs / MINUTE_MS) * MINUTE_MS);
    const unrolledFrom = Math.max(p.fromMs, (p.nowMs ?? Date.now()) - this.unrolledWindowMs);
    // Catalogue names only, so inlining them is safe; an aggregate restricted to the names that want it.
    for (const n of p.names)
      if (!/^[A-Za-z0-9]+$/.test(n)) throw new Error(`not a catalogue signal name: ${n}`);
    const pick = (aggregate: string, wanted: readonly string[]) =>
      wanted.length === 0
        ? "NULL"
        : wanted.length === p.names.length
          ? aggregate
          : `${aggregate} FILTER (WHERE name IN (${wanted.map((n) => `'${n}'`).join(", ")}))`;
    const names = p.names.map(() => "?").join(", ");
    const bucket = (column: string) => `(epoch_ms(${column}) - ${p.fromMs}) // ${p.intervalMs}`;
    const raw = (where: string) =>
      `SELECT name, ${bucket("timestamp")} AS bucket, 1 AS n, value_number AS total, value_number AS lo, value_number AS hi,
              timestamp AS first_at, value_number AS first_v, timestamp AS last_at, value_number AS last_v
       FROM signals WHERE subject = ? AND name IN (${names}) AND value_number IS NOT NULL AND ${where}`;
    const params: DuckDBValue[] = [
      p.vehicleId,
      ...p.names,
      p.fromMs,
      cut,
      p.subject,
      ...p.names,
      unrolledFrom,
      cut,
      p.subject,
      ...p.names,
      cut,
      p.toMs,
    ];
    // The watermark and both sources are read in one transaction (one snapshot), and the
    // watermark goes into the SQL as a literal so DuckDB skips row groups below it.
    const rows = await this.sql.transaction(async (tx) => {
      const [state] = await tx.all("SELECT next_rowid FROM signal_rollup_state WHERE id = 1");
      const watermark = Number(state!.next_rowid);
      return tx.all(
        `WITH parts AS (
         SELECT name, ${bucket("minute")} AS bucket, n, total, lo, hi, first_at, first_v, last_at, last_v
         FROM signal_rollups WHERE vehicle_id = ? AND name IN (${names})
           AND minute >= epoch_ms(?::BIGINT) AND minute < epoch_ms(?::BIGINT)
         UNION ALL
         ${raw(`rowid >= ${watermark} AND timestamp >= epoch_ms(?::BIGINT) AND timestamp < epoch_ms(?::BIGINT)`)}
         UNION ALL
         ${raw("timestamp >= epoch_ms(?::BIGINT) AND timestamp < epoch_ms(?::BIGINT)")}
       )
       SELECT bucket, name, sum(total) / sum(n) AS avg, min(lo) AS min, max(hi) AS max,
              ${pick("arg_min(first_v, first_at)", p.first ?? p.names)} AS first, ${pick("arg_max(last_v, last_at)", p.last ?? p.names)} AS last
       FROM parts GROUP BY bucket, name`,
        params,
      );
    });
    const out = new Map<string, { avg: number; min: number; max: number; first: number; last: number }>();
    for (const r of rows) {
      out.set(`${r.bucket}|${r.name}`, {
        avg: Number(r.avg),
        min: Number(r.min),
        max: Number(r.max),
        first: Number(r.first),
        last: Number(r.last),
      });
    }
    return out;
  }
}
