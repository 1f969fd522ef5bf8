import type { SerialConnection } from "../api/sql.ts";

/** What one app (developer licence) paid for reading a vehicle's data. */
export interface VehiclePayment {
  licenseId: bigint;
  /** The client id the app signed in with (from the access log). */
  grantee: string | null;
  requests: number;
  credits: number;
  /** Credits of those requests already settled on chain, and the settlement transactions. */
  settledCredits: number;
  settlementTxs: string[];
  firstAt: number;
  lastAt: number;
}

/**
 * Which apps paid for a vehicle's data: the charged requests of the billing ledger for that
 * vehicle, with the grantee from the access log and the on-chain settlements that paid them.
 * Newest payer first.
 */
export async function vehiclePayments(
  sql: SerialConnection,
  vehicleId: bigint,
  p: { sinceMs?: number; beforeMs?: number } = {},
): Promise<VehiclePayment[]> {
  const rows = await sql.all(
    `SELECT u.license_id,
            (SELECT any_value(a.grantee) FROM access_log a WHERE a.license_id = u.license_id AND a.vehicle_id = u.vehicle_id) AS grantee,
            count(*) AS requests, sum(u.credits) AS credits,
            coalesce(sum(CASE WHEN s.request_id IS NOT NULL THEN u.credits END), 0) AS settled_credits,
            list(DISTINCT s.tx_hash) FILTER (WHERE s.tx_hash IS NOT NULL) AS txs,
            min(u.at_ms) AS first_at, max(u.at_ms) AS last_at
     FROM credit_usage u LEFT JOIN settled_usage s ON s.license_id = u.license_id AND s.request_id = u.request_id
     WHERE u.vehicle_id = ? AND u.credits > 0 AND u.at_ms >= ? AND u.at_ms < ?
     GROUP BY u.license_id, u.vehicle_id ORDER BY last_at DESC`,
    [vehicleId.toString(), p.sinceMs ?? 0, p.beforeMs ?? Number.MAX_SAFE_INTEGER],
  );
  return rows.map((r) => ({
    licenseId: BigInt(String(r.license_id)),
    grantee: r.grantee === null ? null : String(r.grantee),
    requests: Number(r.requests),
    credits: Number(r.credits),
    settledCredits: Number(r.settled_credits),
    settlementTxs: ((r.txs as string[] | null) ?? []).map(String).sort(),
    firstAt: Number(r.first_at),
    lastAt: Number(r.last_at),
  }));
}
