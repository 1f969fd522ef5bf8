/**
 * The raw archive, read side: accepted CloudEvents of one subject, newest first, as the Fetch API
 * serves them. Headers are the envelopes as the devices sent them, except `subject` and `producer`,
 * which are the vehicle and device the chain index vouched for at ingest.
 */
import { type DuckDBConnection, DuckDBTimestampValue, type DuckDBValue } from "@duckdb/node-api";
import type { NodeDatabase } from "../db/database.ts";
import { createTelemetrySchema } from "./schema.ts";

export interface CloudEventFilter {
  id?: string | null;
  type?: string | null;
  dataversion?: string | null;
  source?: string | null;
  producer?: string | null;
  /** Only events strictly before / after this time (ms since the epoch). */
  before?: number | null;
  after?: number | null;
}

export interface CloudEventHeader {
  specversion: string;
  type: string;
  source: string;
  subject: string;
  id: string;
  time: string;
  datacontenttype: string | null;
  dataschema: string | null;
  dataversion: string | null;
  producer: string;
  signature: string | null;
  tags: string[];
}

export interface ArchivedEvent {
  header: CloudEventHeader;
  /** The data text as sent. */
  data: string;
  /** The archive's key of the event (hex of its dedup hash). */
  indexKey: string;
}

export interface CloudEventTypeSummary {
  type: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** Most events one query returns. */
export const MAX_ARCHIVE_LIMIT = 1000;

export class RawArchive {
  readonly #connection: DuckDBConnection;

  private constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  static async open(db: NodeDatabase): Promise<RawArchive> {
    const connection = await db.connect();
    await createTelemetrySchema(connection);
    return new RawArchive(connection);
  }

  /** The subject's events matching `filter`, newest first, at most `limit` (≤ 1000). */
  async list(subject: string, filter: CloudEventFilter = {}, limit = 10): Promise<ArchivedEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ARCHIVE_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_ARCHIVE_LIMIT}, got ${limit}`);
    }
    const { where, values } = conditions(subject, filter);
    const reader = await this.#connection.runAndReadAll(
      `SELECT event_key, subject, producer, header, data FROM cloud_events WHERE ${where}
       ORDER BY time DESC, event_key DESC LIMIT ${limit}`,
      values,
    );
    return reader.getRowObjects().map((row) => ({
      header: headerOf(String(row.header), String(row.subject), String(row.producer)),
      data: String(row.data),
      indexKey: (row.event_key as bigint).toString(16).padStart(32, "0"),
    }));
  }

  async latest(subject: string, filter: CloudEventFilter = {}): Promise<ArchivedEvent | undefined> {
    return (await this.list(subject, filter, 1))[0];
  }

  async types(subject: string, filter: CloudEventFilter = {}): Promise<CloudEventTypeSummary[]> {
    const { where, values } = conditions(subject, filter);
    const reader = await this.#connection.runAndReadAll(
      `SELECT type, count(*) AS n, epoch_ms(min(time)) AS first, epoch_ms(max(time)) AS last
       FROM cloud_events WHERE ${where} GROUP BY type ORDER BY type`,
      values,
    );
    return reader.getRowObjects().map((row) => ({
      type: String(row.type),
      count: Number(row.n),
      firstSeen: new Date(Number(row.first)),
      lastSeen: new Date(Number(row.last)),
    }));
  }
}

function conditions(subject: string, filter: CloudEventFilter): { where: string; values: DuckDBValue[] } {
  const parts = ["subject = ?"];
  const values: DuckDBValue[] = [subject];
  for (const column of ["id", "type", "dataversion", "source", "producer"] as const) {
    const value = filter[column];
    if (value === undefined || value === null) continue;
    parts.push(`${column} = ?`);
    values.push(value);
  }
  if (filter.before !== undefined && filter.before !== null) {
    parts.push("time < ?");
    values.push(new DuckDBTimestampValue(BigInt(filter.before) * 1000n));
  }
  if (filter.after !== undefined && filter.after !== null) {
    parts.push("time > ?");
    values.push(new DuckDBTimestampValue(BigInt(filter.after) * 1000n));
  }
  return { where: parts.join(" AND "), values };
}

function headerOf(text: string, subject: string, producer: string): CloudEventHeader {
  const h = JSON.parse(text) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    specversion: String(h.specversion),
    type: String(h.type),
    source: String(h.source),
    subject,
    id: String(h.id),
    time: String(h.time),
    datacontenttype: str(h.datacontenttype),
    dataschema: str(h.dataschema),
    dataversion: str(h.dataversion),
    producer,
    signature: str(h.signature),
    tags: [],
  };
}
