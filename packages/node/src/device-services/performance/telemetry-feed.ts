/**
 * Feeds the performance service from the telemetry store: the events committed since the last
 * poll (by DuckDB row id — `cloud_events` and `signals` are append-only, and an event's signal
 * rows commit with it), each with how many samples it carried and how many were kept. Works the
 * same whichever transport or ingest process stored them. At start it replays the last window,
 * so a restarted node judges devices on what it already holds.
 */
import { getAddress } from "viem";
import type { SerialConnection } from "../../api/sql.ts";
import { TELEMETRY_SCHEMA } from "../../telemetry/schema.ts";
import type { DeviceObservation } from "./model.ts";

export interface TelemetryFeedOptions {
  sql: SerialConnection;
  record: (observation: DeviceObservation) => void;
  /** How far back to replay at start (default 7 days: the performance window). */
  replayMs?: number;
  /** Poll period (default 5 s). */
  intervalMs?: number;
  /** Most events per poll (default 50,000). */
  batch?: number;
  now?: () => number;
  logError?: (error: unknown) => void;
}

export class TelemetryFeed {
  #nextEvent = 0n;
  #nextSignal = 0n;
  #replayEnd = -1n;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<number> | undefined;
  #started = false;

  constructor(private readonly o: TelemetryFeedOptions) {}

  /** Finds where the replay starts, then polls every `intervalMs` (unless `{poll: false}`). */
  async start(options: { poll?: boolean } = {}): Promise<void> {
    for (const statement of TELEMETRY_SCHEMA) await this.o.sql.run(statement);
    const since = (this.o.now?.() ?? Date.now()) - (this.o.replayMs ?? 7 * 86_400_000);
    // Where the store ends now (both tables in one snapshot), and where the replay starts.
    const [row] = await this.o.sql.all(
      `SELECT (SELECT coalesce(max(rowid), -1) FROM cloud_events) AS e, (SELECT coalesce(max(rowid), -1) FROM signals) AS s,
              (SELECT min(rowid) FROM cloud_events WHERE received_at >= make_timestamp(?::BIGINT * 1000)) AS first`,
      [since],
    );
    this.#replayEnd = BigInt(row!.e as bigint);
    this.#nextEvent = row!.first === null ? this.#replayEnd + 1n : BigInt(row!.first as bigint);
    // Replayed events count for rates, freshness, outages and sequences, not for samples: their
    // signal rows are not looked for (finding them would mean scanning the whole signals table).
    this.#nextSignal = BigInt(row!.s as bigint) + 1n;
    this.#started = true;
    if (options.poll !== false) {
      this.#timer = setInterval(() => {
        this.poll().catch((error: unknown) => this.o.logError?.(error));
      }, this.o.intervalMs ?? 5000);
      this.#timer.unref?.();
    }
  }

  /** Reads what was committed since the last poll; returns how many events it fed. */
  poll(): Promise<number> {
    if (!this.#started) return Promise.reject(new Error("TelemetryFeed.poll() before start()"));
    this.#polling ??= this.#read().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #read(): Promise<number> {
    let total = 0;
    for (;;) {
      // Both ends in one snapshot: an event and its signal rows are either both below them or not.
      const [ends] = await this.o.sql.all(
        "SELECT (SELECT max(rowid) FROM cloud_events) AS e, (SELECT max(rowid) FROM signals) AS s",
      );
      const lastEvent = ends!.e === null ? -1n : BigInt(ends!.e as bigint);
      const lastSignal = ends!.s === null ? -1n : BigInt(ends!.s as bigint);
      if (lastEvent < this.#nextEvent) return total;
      const batchEnd = this.#nextEvent + BigInt(this.o.batch ?? 50_000) - 1n;
      const eventEnd = lastEvent < batchEnd ? lastEvent : batchEnd;
      const rows = await this.o.sql.all(
        `WITH e AS (
           SELECT rowid AS r, subject, id, signer, producer, epoch_ms(time) AS t, epoch_ms(received_at) AS received,
                  sequence, CASE WHEN json_type(data, '$.signals') = 'ARRAY'
                                 THEN json_array_length(data, '$.signals') END AS sent
           FROM cloud_events WHERE rowid BETWEEN ? AND ?),
         k AS (
           SELECT subject, event_id, count(*) AS kept FROM signals
           WHERE rowid BETWEEN ? AND ? GROUP BY subject, event_id)
         SELECT e.*, coalesce(k.kept, 0) AS kept FROM e
         LEFT JOIN k ON k.subject = e.subject AND k.event_id = e.id ORDER BY e.r`,
        [this.#nextEvent, eventEnd, this.#nextSignal, lastSignal],
      );
      for (const row of rows) this.o.record(toObservation(row, BigInt(row.r as bigint) > this.#replayEnd));
      total += rows.length;
      this.#nextEvent = eventEnd + 1n;
      // Signal rows past what was read belong to events not read yet only when the batch was cut.
      if (eventEnd === lastEvent) this.#nextSignal = lastSignal + 1n;
      if (eventEnd === lastEvent) return total;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function toObservation(row: Record<string, unknown>, countSamples: boolean): DeviceObservation {
  const producer = String(row.producer);
  const idText = producer.slice(producer.lastIndexOf(":") + 1);
  const sent = !countSamples || row.sent === null || row.sent === undefined ? undefined : Number(row.sent);
  return {
    kind: "event",
    device: getAddress(String(row.signer)),
    ...(/^[0-9]{1,78}$/.test(idText) && { deviceId: BigInt(idText) }),
    receivedAt: Number(row.received),
    eventTime: Number(row.t),
    ...(row.sequence !== null && row.sequence !== undefined && { sequence: BigInt(row.sequence as bigint) }),
    ...(sent !== undefined && { samplesSent: sent, samplesKept: Number(row.kept) }),
  };
}
