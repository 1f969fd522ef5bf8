import type { Hex } from "viem";
import type { SerialConnection } from "../api/sql.ts";

/** One metered request the node charged, as the billing ledger recorded it. */
export interface MeteredRequest {
  requestId: string;
  licenseId: bigint;
  vehicleId: bigint;
  operation: string;
  credits: number;
  /** Unix ms. */
  at: number;
}

/** Where the settlement job reads charged usage and records what it settled. */
export interface UsageSource {
  /** Charged, unsettled requests older than `beforeMs`, by licence then time. */
  pending(beforeMs: number, limit: number): Promise<MeteredRequest[]>;
  markSettled(
    requests: readonly MeteredRequest[],
    settlement: { settlementId: bigint; txHash: Hex | null },
  ): Promise<void>;
}

/**
 * The billing ledger's `credit_usage` table (packages/node/src/billing) as a UsageSource, with
 * this module's own `settled_usage` table recording which settlement paid each request.
 */
export class LedgerUsageSource implements UsageSource {
  private constructor(private readonly sql: SerialConnection) {}

  static async open(sql: SerialConnection): Promise<LedgerUsageSource> {
    await sql.run(`CREATE TABLE IF NOT EXISTS settled_usage (
      license_id VARCHAR NOT NULL, request_id VARCHAR NOT NULL, settlement_id VARCHAR NOT NULL,
      tx_hash VARCHAR, settled_at_ms BIGINT NOT NULL, PRIMARY KEY (license_id, request_id))`);
    return new LedgerUsageSource(sql);
  }

  async pending(beforeMs: number, limit: number): Promise<MeteredRequest[]> {
    const rows = await this.sql.all(
      `SELECT u.request_id, u.license_id, u.vehicle_id, u.operation, u.credits, u.at_ms FROM credit_usage u
       WHERE u.credits > 0 AND u.at_ms < ? AND NOT EXISTS (
         SELECT 1 FROM settled_usage s WHERE s.license_id = u.license_id AND s.request_id = u.request_id)
       ORDER BY CAST(u.license_id AS HUGEINT), u.at_ms, u.request_id LIMIT ${Math.max(1, Math.min(limit, 100_000))}`,
      [beforeMs],
    );
    return rows.map((r) => ({
      requestId: String(r.request_id),
      licenseId: BigInt(String(r.license_id)),
      vehicleId: BigInt(String(r.vehicle_id)),
      operation: String(r.operation),
      credits: Number(r.credits),
      at: Number(r.at_ms),
    }));
  }

  async markSettled(
    requests: readonly MeteredRequest[],
    s: { settlementId: bigint; txHash: Hex | null },
  ): Promise<void> {
    if (requests.length === 0) return;
    const now = Date.now();
    await this.sql.transaction(async (tx) => {
      for (let i = 0; i < requests.length; i += 500) {
        const chunk = requests.slice(i, i + 500);
        await tx.run(
          `INSERT INTO settled_usage VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`,
          chunk.flatMap((r) => [
            r.licenseId.toString(),
            r.requestId,
            s.settlementId.toString(),
            s.txHash,
            now,
          ]),
        );
      }
    });
  }
}
