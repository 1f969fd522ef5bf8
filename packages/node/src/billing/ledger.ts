import { ApiError, badRequest } from "../api/errors.ts";
import type { SerialConnection } from "../api/sql.ts";

export interface Charge {
  /** Idempotency key: the same request id is charged once, however often it is retried. */
  requestId: string;
  licenseId: bigint;
  /** Vehicle token id the request read; 0 for requests about no vehicle. */
  vehicleId: bigint;
  operation: string;
  credits: number;
}

export interface ChargeResult {
  charged: boolean;
  credits: number;
  balance: number;
}

export interface UsageLine {
  vehicleId: bigint;
  operation: string;
  requests: number;
  credits: number;
}

/** A licence has too few credits for a request: the 402 DIMO lacks. */
export class InsufficientCreditsError extends ApiError {
  constructor(licenseId: bigint, balance: number, needed: number) {
    super(
      402,
      "insufficient_credits",
      `Developer licence ${licenseId} has ${balance} credits; this request costs ${needed}. Buy credits (or ask the node operator to top up) and retry.`,
      { balance, needed },
    );
  }
}

/**
 * Node-local credit accounts per developer licence: balances, top-ups by the operator, and usage
 * recorded per (licence, vehicle) once per request id. Until on-chain credits (DCX burns) land,
 * this is the node's own bookkeeping; `initialCredits` is the operator's free allowance.
 */
export class CreditLedger {
  private constructor(
    private readonly sql: SerialConnection,
    private readonly initialCredits: number,
    private readonly now: () => number,
  ) {}

  static async open(
    sql: SerialConnection,
    options: { initialCredits?: number; now?: () => number } = {},
  ): Promise<CreditLedger> {
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_accounts (
      license_id VARCHAR PRIMARY KEY, balance BIGINT NOT NULL, created_at BIGINT NOT NULL)`);
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_topups (
      license_id VARCHAR NOT NULL, credits BIGINT NOT NULL, note VARCHAR, at_ms BIGINT NOT NULL)`);
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_usage (
      request_id VARCHAR NOT NULL, license_id VARCHAR NOT NULL, vehicle_id VARCHAR NOT NULL,
      operation VARCHAR NOT NULL, credits BIGINT NOT NULL, at_ms BIGINT NOT NULL,
      PRIMARY KEY (license_id, request_id))`);
    return new CreditLedger(sql, options.initialCredits ?? 0, options.now ?? Date.now);
  }

  async balance(licenseId: bigint): Promise<number> {
    const rows = await this.sql.all("SELECT balance FROM credit_accounts WHERE license_id = ?", [
      licenseId.toString(),
    ]);
    return rows[0] ? Number(rows[0].balance) : this.initialCredits;
  }

  async topUp(licenseId: bigint, credits: number, note = ""): Promise<number> {
    if (!Number.isSafeInteger(credits) || credits <= 0 || credits > 1e12) {
      throw badRequest(
        "invalid_credits",
        `Top-up of ${credits} credits: send a positive integer up to 1e12.`,
      );
    }
    const id = licenseId.toString();
    return this.sql.transaction(async (tx) => {
      await this.ensureAccount(tx, id);
      await tx.run("UPDATE credit_accounts SET balance = balance + ? WHERE license_id = ?", [credits, id]);
      await tx.run("INSERT INTO credit_topups VALUES (?, ?, ?, ?)", [
        id,
        credits,
        note.slice(0, 200),
        this.now(),
      ]);
      const rows = await tx.all("SELECT balance FROM credit_accounts WHERE license_id = ?", [id]);
      return Number(rows[0]!.balance);
    });
  }

  /** Charges once per request id; throws InsufficientCreditsError without charging when short. */
  async charge(c: Charge): Promise<ChargeResult> {
    if (c.requestId.length === 0 || c.requestId.length > 128)
      throw badRequest("invalid_request_id", "Request ids are 1–128 characters.");
    const id = c.licenseId.toString();
    return this.sql.transaction(async (tx) => {
      const seen = await tx.all("SELECT credits FROM credit_usage WHERE request_id = ? AND license_id = ?", [
        c.requestId,
        id,
      ]);
      await this.ensureAccount(tx, id);
      const [account] = await tx.all("SELECT balance FROM credit_accounts WHERE license_id = ?", [id]);
      const balance = Number(account!.balance);
      if (seen[0]) return { charged: false, credits: Number(seen[0].credits), balance };
      if (balance < c.credits) throw new InsufficientCreditsError(c.licenseId, balance, c.credits);
      if (c.credits > 0) {
        await tx.run("UPDATE credit_accounts SET balance = balance - ? WHERE license_id = ?", [
          c.credits,
          id,
        ]);
      }
      await tx.run("INSERT INTO credit_usage VALUES (?, ?, ?, ?, ?, ?)", [
        c.requestId,
        id,
        c.vehicleId.toString(),
        c.operation,
        c.credits,
        this.now(),
      ]);
      return { charged: true, credits: c.credits, balance: balance - c.credits };
    });
  }

  /** Usage per vehicle and operation over [fromMs, toMs). */
  async usage(licenseId: bigint, fromMs: number, toMs: number): Promise<UsageLine[]> {
    const rows = await this.sql.all(
      `SELECT vehicle_id, operation, count(*) AS requests, sum(credits) AS credits FROM credit_usage
       WHERE license_id = ? AND at_ms >= ? AND at_ms < ? GROUP BY vehicle_id, operation ORDER BY vehicle_id, operation`,
      [licenseId.toString(), fromMs, toMs],
    );
    return rows.map((r) => ({
      vehicleId: BigInt(String(r.vehicle_id)),
      operation: String(r.operation),
      requests: Number(r.requests),
      credits: Number(r.credits),
    }));
  }

  private async ensureAccount(tx: { run: SerialConnection["run"] }, id: string) {
    await tx.run("INSERT INTO credit_accounts VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [
      id,
      this.initialCredits,
      this.now(),
    ]);
  }
}
