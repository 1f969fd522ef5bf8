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
 *
 * Charging sits on every query's path, so balances live in memory (this process is their only
 * writer) and usage rows are written in batches (every `flushMs`, in one transaction that also
 * stores the balances). A crash loses at most one batch of usage — under-charging, never double
 * charging. Idempotency covers the last `rememberRequests` request ids and everything flushed.
 */
export class CreditLedger {
  private readonly balances = new Map<string, number>();
  private readonly seen = new Map<string, number>();
  private pending: { row: [string, string, string, string, number, number] }[] = [];
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly sql: SerialConnection,
    private readonly initialCredits: number,
    private readonly now: () => number,
    private readonly flushMs: number,
    private readonly rememberRequests: number,
  ) {}

  static async open(
    sql: SerialConnection,
    options: {
      initialCredits?: number;
      now?: () => number;
      flushMs?: number;
      rememberRequests?: number;
    } = {},
  ): Promise<CreditLedger> {
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_accounts (
      license_id VARCHAR PRIMARY KEY, balance BIGINT NOT NULL, created_at BIGINT NOT NULL)`);
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_topups (
      license_id VARCHAR NOT NULL, credits BIGINT NOT NULL, note VARCHAR, at_ms BIGINT NOT NULL)`);
    await sql.run(`CREATE TABLE IF NOT EXISTS credit_usage (
      request_id VARCHAR NOT NULL, license_id VARCHAR NOT NULL, vehicle_id VARCHAR NOT NULL,
      operation VARCHAR NOT NULL, credits BIGINT NOT NULL, at_ms BIGINT NOT NULL,
      PRIMARY KEY (license_id, request_id))`);
    return new CreditLedger(
      sql,
      options.initialCredits ?? 0,
      options.now ?? Date.now,
      options.flushMs ?? 200,
      options.rememberRequests ?? 100_000,
    );
  }

  /** The balance, loaded from the database once per licence; memory is authoritative after. */
  private async account(id: string): Promise<number> {
    const known = this.balances.get(id);
    if (known !== undefined) return known;
    const rows = await this.sql.all("SELECT balance FROM credit_accounts WHERE license_id = ?", [id]);
    // Another caller may have loaded it while we waited.
    const again = this.balances.get(id);
    if (again !== undefined) return again;
    const balance = rows[0] ? Number(rows[0].balance) : this.initialCredits;
    this.balances.set(id, balance);
    if (!rows[0]) this.dirty.add(id);
    return balance;
  }

  async balance(licenseId: bigint): Promise<number> {
    return this.account(licenseId.toString());
  }

  async topUp(licenseId: bigint, credits: number, note = ""): Promise<number> {
    if (!Number.isSafeInteger(credits) || credits <= 0 || credits > 1e12) {
      throw badRequest(
        "invalid_credits",
        `Top-up of ${credits} credits: send a positive integer up to 1e12.`,
      );
    }
    const id = licenseId.toString();
    const balance = (await this.account(id)) + credits;
    this.balances.set(id, balance);
    this.dirty.add(id);
    await this.sql.run("INSERT INTO credit_topups VALUES (?, ?, ?, ?)", [
      id,
      credits,
      note.slice(0, 200),
      this.now(),
    ]);
    await this.flush();
    return balance;
  }

  /** Charges once per request id; throws InsufficientCreditsError without charging when short. */
  async charge(c: Charge): Promise<ChargeResult> {
    if (c.requestId.length === 0 || c.requestId.length > 128) {
      throw badRequest("invalid_request_id", "Request ids are 1–128 characters.");
    }
    const id = c.licenseId.toString();
    const balance = await this.account(id);
    const key = `${id}|${c.requestId}`;
    const already = this.seen.get(key);
    if (already !== undefined) return { charged: false, credits: already, balance };
    if (balance < c.credits) throw new InsufficientCreditsError(c.licenseId, balance, c.credits);
    this.balances.set(id, balance - c.credits);
    this.dirty.add(id);
    this.seen.set(key, c.credits);
    if (this.seen.size > this.rememberRequests) this.seen.delete(this.seen.keys().next().value!);
    this.pending.push({ row: [c.requestId, id, c.vehicleId.toString(), c.operation, c.credits, this.now()] });
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    return { charged: true, credits: c.credits, balance: balance - c.credits };
  }

  /** Writes buffered usage and the balances it changed, in one transaction. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const accounts = [...this.dirty].map((id) => [id, this.balances.get(id)!] as const);
    this.pending = [];
    this.dirty.clear();
    const previous = this.flushing;
    this.flushing = (async () => {
      await previous.catch(() => undefined);
      if (batch.length === 0 && accounts.length === 0) return;
      await this.sql.transaction(async (tx) => {
        for (const [id, balance] of accounts) {
          await tx.run(
            `INSERT INTO credit_accounts VALUES (?, ?, ?)
             ON CONFLICT (license_id) DO UPDATE SET balance = excluded.balance`,
            [id, balance, this.now()],
          );
        }
        for (let i = 0; i < batch.length; i += 500) {
          const chunk = batch.slice(i, i + 500);
          await tx.run(
            `INSERT INTO credit_usage VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`,
            chunk.flatMap((p) => p.row),
          );
        }
      });
    })();
    return this.flushing;
  }

  /** Usage per vehicle and operation over [fromMs, toMs). */
  async usage(licenseId: bigint, fromMs: number, toMs: number): Promise<UsageLine[]> {
    await this.flush();
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

  async close(): Promise<void> {
    await this.flush();
  }
}
