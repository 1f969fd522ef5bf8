/**
 * The telemetry writer: one DuckDB transaction per batch of accepted events (group commit).
 *
 * Rows are staged in temporary tables (not logged) and moved into the real tables by SQL, inside
 * the transaction. Numeric signal rows travel as DuckDB data chunks filled from JavaScript typed
 * arrays (one native copy per column), strings through the row appender; the per-event columns
 * (subject, producer, …) are joined in by SQL rather than appended once per signal, because each
 * appended string costs a native call. `INSERT OR IGNORE … RETURNING` on the raw archive's primary
 * key tells which events are new; only their rows are written, so a replay changes nothing.
 */

import { SIGNALS } from "@dimo-open/signals";
import {
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBType,
  INTEGER,
  USMALLINT,
  UTINYINT,
} from "@duckdb/node-api";
import type { NodeDatabase } from "../db/database.ts";
import { createTelemetrySchema } from "./schema.ts";
import type { StoredEvent, WriteOutcome } from "./types.ts";

const NAME_CODES = new Map(SIGNALS.map((s, i) => [s.name, i]));

const KIND_NUMBER = 0;
const KIND_LOCATION = 2;

/** Column types of stage_signals, in order. */
const SIGNAL_CHUNK_TYPES: DuckDBType[] = [INTEGER, DOUBLE, USMALLINT, UTINYINT, DOUBLE, DOUBLE, DOUBLE];
/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/** The staging tables (temporary: in memory, not logged), by name. */
const STAGE_TABLES: Record<string, string> = {
  stage_events: `idx INTEGER, event_key UHUGEINT, subject VARCHAR, time_ms DOUBLE, type VARCHAR, source VARCHAR,
    id VARCHAR, producer VARCHAR, specversion VARCHAR, dataversion VARCHAR, signer VARCHAR,
    signature_scheme VARCHAR, sequence BIGINT, received_ms DOUBLE, transport VARCHAR,
    header VARCHAR, data VARCHAR`,
  stage_signals:
    "event_idx INTEGER, ts DOUBLE, name_code USMALLINT, kind UTINYINT, a DOUBLE, b DOUBLE, c DOUBLE",
  stage_strings: "event_idx INTEGER, ts DOUBLE, name_code USMALLINT, value VARCHAR",
  stage_vehicle_events: "event_idx INTEGER, ts DOUBLE, name VARCHAR, duration_ns BIGINT, metadata VARCHAR",
};

const STAGING = [
  ...Object.entries(STAGE_TABLES).map(
    ([name, columns]) => `CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns})`,
  ),
  "CREATE TEMP TABLE IF NOT EXISTS signal_names (code USMALLINT PRIMARY KEY, name VARCHAR)",
];

/**
 * DuckDB keeps the storage of deleted rows of an in-memory table; the stage tables are dropped and
 * created afresh after this many staged events, so that they do not grow without bound.
 */
const STAGE_RESET_EVENTS = 10_000;

/** Drops and recreates the stage tables (frees the memory that deleted rows keep). */
const RESET_STAGE = Object.entries(STAGE_TABLES).flatMap(([name, columns]) => [
  `DROP TABLE ${name}`,
  `CREATE TEMP TABLE ${name} (${columns})`,
]);

const MOVE_EVENTS = `INSERT OR IGNORE INTO cloud_events
  SELECT event_key, subject, epoch_ms(time_ms::BIGINT), type, source, id, producer, specversion,
    dataversion, signer, signature_scheme, sequence, epoch_ms(received_ms::BIGINT), transport, header, data
  FROM stage_events
  RETURNING event_key`;

const MOVE_SIGNALS = `INSERT INTO signals
  SELECT e.subject, epoch_ms(s.ts::BIGINT), n.name, e.source, e.producer, e.id,
    CASE WHEN s.kind = ${KIND_NUMBER} THEN s.a END,
    NULL,
    CASE WHEN s.kind = ${KIND_LOCATION}
      THEN {'latitude': s.a, 'longitude': s.b, 'hdop': CASE WHEN isnan(s.c) THEN NULL ELSE s.c END} END
  FROM stage_signals s JOIN stage_events e ON e.idx = s.event_idx JOIN signal_names n ON n.code = s.name_code`;

const MOVE_STRINGS = `INSERT INTO signals
  SELECT e.subject, epoch_ms(s.ts::BIGINT), n.name, e.source, e.producer, e.id, NULL, s.value, NULL
  FROM stage_strings s JOIN stage_events e ON e.idx = s.event_idx JOIN signal_names n ON n.code = s.name_code`;

const MOVE_VEHICLE_EVENTS = `INSERT INTO vehicle_events
  SELECT e.subject, epoch_ms(s.ts::BIGINT), s.name, e.source, e.producer, e.id, s.duration_ns, s.metadata
  FROM stage_vehicle_events s JOIN stage_events e ON e.idx = s.event_idx`;

const CLEAR = ["stage_events", "stage_signals", "stage_strings", "stage_vehicle_events"].map(
  (t) => `DELETE FROM ${t}`,
);

interface StageCounts {
  events: number;
  signals: number;
  strings: number;
  vehicleEvents: number;
}

/** DELETEs for the stage tables that hold rows. */
function clearStatements(c: StageCounts): string[] {
  const out = ["DELETE FROM stage_events"];
  if (c.signals > 0) out.push("DELETE FROM stage_signals");
  if (c.strings > 0) out.push("DELETE FROM stage_strings");
  if (c.vehicleEvents > 0) out.push("DELETE FROM stage_vehicle_events");
  return out;
}

export class TelemetryWriter {
  readonly #connection: DuckDBConnection;
  #busy = false;
  #stagedSinceReset = 0;

  private constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  /** Creates the schema if needed and prepares the writer's own connection. */
  static async open(db: NodeDatabase): Promise<TelemetryWriter> {
    const connection = await db.connect();
    await createTelemetrySchema(connection);
    for (const statement of STAGING) await connection.run(statement);
    await connection.run("DELETE FROM signal_names");
    const names = await connection.createAppender("signal_names", "main", "temp");
    for (const [name, code] of NAME_CODES) {
      names.appendUSmallInt(code);
      names.appendVarchar(name);
      names.endRow();
    }
    names.closeSync();
    return new TelemetryWriter(connection);
  }

  /**
   * Writes a batch in one transaction and says, per event, whether it was new. Resolves only
   * once DuckDB has committed (its WAL is written), so the caller may acknowledge then.
   *
   * Two round trips to DuckDB, whatever the batch size: staging (appenders on temporary tables,
   * outside the transaction: they are not logged), then `BEGIN; INSERT OR IGNORE … RETURNING`,
   * then one multi-statement query that moves the rows of the new events, clears the stage and
   * commits. On a busy machine every round trip costs a scheduling delay, so their number, not
   * the batch size, bounds how many commits a second the writer makes.
   */
  async write(events: readonly StoredEvent[]): Promise<WriteOutcome[]> {
    if (this.#busy) throw new Error("TelemetryWriter.write is not re-entrant: await the previous batch");
    this.#busy = true;
    let open = false;
    try {
      const outcomes: WriteOutcome[] = new Array(events.length).fill("duplicate");
      // The same event twice in one batch: stage it once.
      const firstByKey = new Map<bigint, number>();
      const staged: number[] = [];
      for (let i = 0; i < events.length; i++) {
        const key = events[i]!.key;
        if (firstByKey.has(key)) continue;
        firstByKey.set(key, i);
        staged.push(i);
      }
      const counts = await this.#stage(events, staged);
      open = true;
      const inserted = await this.#connection.runAndReadAll(`BEGIN TRANSACTION; ${MOVE_EVENTS}`);
      const insertedKeys = new Set<bigint>();
      for (const [key] of inserted.getRows()) insertedKeys.add(key as bigint);
      for (const key of insertedKeys) outcomes[firstByKey.get(key)!] = "inserted";
      const statements: string[] = [];
      if (insertedKeys.size < staged.length) {
        const old = staged.filter((i) => !insertedKeys.has(events[i]!.key));
        statements.push(`DELETE FROM stage_events WHERE idx IN (${old.join(",")})`);
      }
      if (insertedKeys.size > 0) {
        if (counts.signals > 0) statements.push(MOVE_SIGNALS);
        if (counts.strings > 0) statements.push(MOVE_STRINGS);
        if (counts.vehicleEvents > 0) statements.push(MOVE_VEHICLE_EVENTS);
      }
      this.#stagedSinceReset += staged.length;
      if (this.#stagedSinceReset >= STAGE_RESET_EVENTS) {
        statements.push(...RESET_STAGE);
        this.#stagedSinceReset = 0;
      } else statements.push(...clearStatements(counts));
      statements.push("COMMIT");
      await this.#connection.run(statements.join(";\n"));
      open = false;
      return outcomes;
    } catch (error) {
      if (open) await this.#connection.run("ROLLBACK").catch(() => undefined);
      // Whatever was staged (before or inside the rolled-back transaction) must not leak into the next batch.
      await this.#connection.run(CLEAR.join(";\n"));
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  async #stage(events: readonly StoredEvent[], staged: readonly number[]): Promise<StageCounts> {
    const counts: StageCounts = { events: staged.length, signals: 0, strings: 0, vehicleEvents: 0 };
    const c = this.#connection;
    const header = await c.createAppender("stage_events", "main", "temp");
    const strings = await c.createAppender("stage_strings", "main", "temp");
    const vehicleEvents = await c.createAppender("stage_vehicle_events", "main", "temp");
    const signals = await c.createAppender("stage_signals", "main", "temp");
    try {
      const rows = new SignalChunks(signals);
      for (const idx of staged) {
        const e = events[idx]!;
        appendEvent(header, idx, e);
        for (const s of e.signals) {
          const code = NAME_CODES.get(s.name);
          if (code === undefined) throw new Error(`signal ${s.name} is not in the catalogue`);
          if (typeof s.value === "string") {
            counts.strings++;
            strings.appendInteger(idx);
            strings.appendDouble(s.timestamp);
            strings.appendUSmallInt(code);
            strings.appendVarchar(s.value);
            strings.endRow();
          } else {
            counts.signals++;
            rows.add(idx, s.timestamp, code, s.value);
          }
        }
        for (const v of e.vehicleEvents) {
          counts.vehicleEvents++;
          vehicleEvents.appendInteger(idx);
          vehicleEvents.appendDouble(v.timestamp);
          vehicleEvents.appendVarchar(v.name);
          if (v.durationNs === undefined) vehicleEvents.appendNull();
          else vehicleEvents.appendBigInt(BigInt(v.durationNs));
          if (v.metadata === undefined) vehicleEvents.appendNull();
          else vehicleEvents.appendVarchar(v.metadata);
          vehicleEvents.endRow();
        }
      }
      rows.flush();
    } finally {
      header.closeSync();
      strings.closeSync();
      vehicleEvents.closeSync();
      signals.closeSync();
    }
    return counts;
  }
}

function appendEvent(a: DuckDBAppender, idx: number, e: StoredEvent): void {
  a.appendInteger(idx);
  a.appendUHugeInt(e.key);
  a.appendVarchar(e.subject);
  a.appendDouble(e.time);
  a.appendVarchar(e.type);
  a.appendVarchar(e.source);
  a.appendVarchar(e.id);
  a.appendVarchar(e.producer);
  a.appendVarchar(e.specversion);
  if (e.dataversion === undefined) a.appendNull();
  else a.appendVarchar(e.dataversion);
  a.appendVarchar(e.signer);
  a.appendVarchar(e.scheme);
  if (e.sequence === undefined) a.appendNull();
  else a.appendBigInt(e.sequence);
  a.appendDouble(e.receivedAt);
  a.appendVarchar(e.transport);
  a.appendVarchar(e.header);
  a.appendVarchar(e.data);
  a.endRow();
}

/** Numeric and location signal rows, gathered in typed arrays and appended a chunk at a time. */
class SignalChunks {
  readonly #appender: DuckDBAppender;
  readonly #idx = new Int32Array(CHUNK_ROWS);
  readonly #ts = new Float64Array(CHUNK_ROWS);
  readonly #code = new Uint16Array(CHUNK_ROWS);
  readonly #kind = new Uint8Array(CHUNK_ROWS);
  readonly #a = new Float64Array(CHUNK_ROWS);
  readonly #b = new Float64Array(CHUNK_ROWS);
  readonly #c = new Float64Array(CHUNK_ROWS);
  #rows = 0;

  constructor(appender: DuckDBAppender) {
    this.#appender = appender;
  }

  add(
    idx: number,
    ts: number,
    code: number,
    value: number | { latitude: number; longitude: number; hdop?: number },
  ) {
    const r = this.#rows;
    this.#idx[r] = idx;
    this.#ts[r] = ts;
    this.#code[r] = code;
    if (typeof value === "number") {
      this.#kind[r] = KIND_NUMBER;
      this.#a[r] = value;
      this.#b[r] = Number.NaN;
      this.#c[r] = Number.NaN;
    } else {
      this.#kind[r] = KIND_LOCATION;
      this.#a[r] = value.latitude;
      this.#b[r] = value.longitude;
      this.#c[r] = value.hdop ?? Number.NaN;
    }
    if (++this.#rows === CHUNK_ROWS) this.flush();
  }

  flush(): void {
    const n = this.#rows;
    if (n === 0) return;
    const chunk = DuckDBDataChunk.create(SIGNAL_CHUNK_TYPES, n);
    const columns = [this.#idx, this.#ts, this.#code, this.#kind, this.#a, this.#b, this.#c];
    for (let col = 0; col < columns.length; col++) {
      const vector = chunk.getColumnVector(col);
      const values = columns[col]!;
      for (let i = 0; i < n; i++) vector.setItem(i, values[i]!);
      vector.flush();
    }
    this.#appender.appendDataChunk(chunk);
    this.#rows = 0;
  }
}
