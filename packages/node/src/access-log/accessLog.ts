import type { Address } from "viem";
import type { SerialConnection } from "../api/sql.ts";

export type AccessOperation =
  | "token_exchange"
  | "telemetry_query"
  | "raw_data_query"
  | "webhook_subscribe"
  | "webhook_delivery";

export interface AccessEntry {
  /** Unix ms. */
  at: number;
  vehicleId: bigint;
  grantee: Address;
  licenseId: bigint;
  operation: AccessOperation;
  /** What was read: privilege names for an exchange, signal/field names for a query. */
  fields: readonly string[];
  requestId: string;
  /** `ok`, or the refusal's error name (a refused read is still worth showing the owner). */
  outcome: string;
}

/**
 * What apps did with a vehicle's data, kept per vehicle so its owner can see who read what and
 * when. Writes are buffered and flushed in batches (every `flushMs`, and before any read), so
 * recording costs a request almost nothing.
 */
export class AccessLog {
  private buffer: AccessEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly sql: SerialConnection,
    private readonly flushMs: number,
  ) {}

  static async open(sql: SerialConnection, options: { flushMs?: number } = {}): Promise<AccessLog> {
    await sql.run(`CREATE TABLE IF NOT EXISTS access_log (
      at_ms BIGINT NOT NULL, vehicle_id VARCHAR NOT NULL, grantee VARCHAR NOT NULL, license_id VARCHAR NOT NULL,
      operation VARCHAR NOT NULL, fields VARCHAR NOT NULL, request_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL)`);
    return new AccessLog(sql, options.flushMs ?? 200);
  }

  record(entry: AccessEntry): void {
    this.buffer.push(entry);
    if (this.buffer.length >= 1000) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    const previous = this.flushing;
    this.flushing = (async () => {
      await previous;
      if (batch.length === 0) return;
      const placeholders = batch.map(() => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
      await this.sql.run(
        `INSERT INTO access_log VALUES ${placeholders}`,
        batch.flatMap((e) => [
          e.at,
          e.vehicleId.toString(),
          e.grantee,
          e.licenseId.toString(),
          e.operation,
          JSON.stringify(e.fields),
          e.requestId,
          e.outcome,
        ]),
      );
    })();
    return this.flushing;
  }

  /** Newest first; `beforeMs` pages back. At most 500 entries per call. */
  async list(
    vehicleId: bigint,
    p: { sinceMs?: number; beforeMs?: number; limit?: number } = {},
  ): Promise<AccessEntry[]> {
    await this.flush();
    const limit = Math.min(Math.max(p.limit ?? 100, 1), 500);
    const rows = await this.sql.all(
      `SELECT * FROM access_log WHERE vehicle_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms DESC, rowid DESC LIMIT ${limit}`,
      [vehicleId.toString(), p.sinceMs ?? 0, p.beforeMs ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.map((r) => ({
      at: Number(r.at_ms),
      vehicleId: BigInt(String(r.vehicle_id)),
      grantee: String(r.grantee) as Address,
      licenseId: BigInt(String(r.license_id)),
      operation: String(r.operation) as AccessOperation,
      fields: JSON.parse(String(r.fields)) as string[],
      requestId: String(r.request_id),
      outcome: String(r.outcome),
    }));
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
