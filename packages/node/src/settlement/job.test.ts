import { creditBalance, dimoBalanceOf, getSettlement, publishPriceList } from "@dimo-open/protocol";
import { parseEther } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { marketFixture, moneyFixture } from "../../../../contracts/test/rewardsFixture.ts";
import { AccessLog } from "../access-log/accessLog.ts";
import { SerialConnection } from "../api/sql.ts";
import { CreditLedger } from "../billing/ledger.ts";
import { openDatabase } from "../db/database.ts";
import { SettlementJob } from "./job.ts";
import { LedgerUsageSource } from "./usage.ts";
import { vehiclePayments } from "./vehiclePayments.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(credits: bigint) {
  const f = await moneyFixture({ poolFunding: 0n });
  const m = await marketFixture(f, credits);
  // The node's own price list for its ledger's operations: one credit per charged credit.
  await publishPriceList(m.operator, {
    nodeId: m.nodeId,
    items: [
      { operation: "telemetry_query", creditsPerUnit: 1n },
      { operation: "webhook_delivery", creditsPerUnit: 1n },
    ],
    uri: "https://node.example/v1/credits/prices",
  });
  await f.increaseTime(10);
  const db = await openDatabase(":memory:");
  const sql = await SerialConnection.open(db);
  let clock = Number(await f.now()) * 1000;
  const ledger = await CreditLedger.open(sql, { initialCredits: 1_000, now: () => clock });
  const accessLog = await AccessLog.open(sql);
  // Stop the ledger's and the log's flush timers before the database goes away.
  cleanup.push(async () => {
    await accessLog.close();
    await ledger.close();
    await db.close();
    await f.close();
  });
  const usage = await LedgerUsageSource.open(sql);
  const job = new SettlementJob({
    client: m.operator,
    nodeId: m.nodeId,
    signer: m.nodeKey,
    usage,
    lagMs: 1_000,
  });
  const charge = async (requestId: string, vehicleId: bigint, operation: string, credits: number) => {
    clock += 10;
    await ledger.charge({ requestId, licenseId: m.licenseId, vehicleId, operation, credits });
    accessLog.record({
      at: clock,
      vehicleId,
      grantee: f.app.address,
      licenseId: m.licenseId,
      operation: operation as "telemetry_query",
      fields: ["speed"],
      requestId,
      outcome: "ok",
    });
  };
  // The ledger may buffer usage rows before writing them (it flushes on a timer): write them now.
  const flushLedger = async () => {
    await (ledger as unknown as { flush?: () => Promise<void> }).flush?.();
  };
  return { f, m, sql, job, usage, charge, accessLog, flushLedger };
}

describe("settlement job", () => {
  it("settles metered usage on chain, never twice, and the node withdraws 40% of its value", async () => {
    const { f, m, sql, job, charge, accessLog, flushLedger } = await setup(100n);
    await charge("q-1", 7n, "telemetry_query", 1);
    await charge("q-2", 7n, "telemetry_query", 2);
    await charge("q-3", 8n, "telemetry_query", 1);
    await charge("w-1", 7n, "webhook_delivery", 1);
    await charge("x-1", 7n, "token_exchange", 0);
    await flushLedger();
    await f.increaseTime(5);

    const run = await job.runOnce();
    expect(run.settled).toEqual([
      { licenseId: m.licenseId, settlementId: 1n, credits: 5n, records: 4, applied: true },
    ]);
    expect(await creditBalance(m.dev, m.licenseId)).toBe(95n);
    expect((await job.runOnce()).settled).toEqual([]);
    expect(await creditBalance(m.dev, m.licenseId)).toBe(95n);

    // A crash after the transaction but before recording: the chain's cursor recovers it.
    await sql.run("DELETE FROM settled_usage");
    const again = await job.runOnce();
    expect(again).toMatchObject({ settled: [], recovered: 4 });
    expect(await creditBalance(m.dev, m.licenseId)).toBe(95n);

    // The owner of vehicle 7 sees which app paid for its data, and in which transaction.
    await accessLog.flush();
    const paid = await vehiclePayments(sql, 7n);
    expect(paid).toMatchObject([
      { licenseId: m.licenseId, grantee: f.app.address, requests: 3, credits: 4, settledCredits: 4 },
    ]);

    // After the dispute window the node collects: 5 credits × 0.01 DIMO × 40% = 0.02 DIMO.
    expect(await job.collect([1n])).toBe(0n);
    await f.increaseTime(3 * 86_400);
    const before = await dimoBalanceOf(m.operator, f.bob.address);
    expect(await job.collect([1n])).toBe(parseEther("0.02"));
    expect(await dimoBalanceOf(m.operator, f.bob.address)).toBe(before + parseEther("0.02"));
    expect((await getSettlement(m.operator, 1n)).status).toBe("released");
  }, 30_000);

  it("settles only what the licence can pay and leaves unpriced operations pending", async () => {
    const { f, m, job, charge, flushLedger } = await setup(3n);
    await charge("q-1", 1n, "telemetry_query", 2);
    await charge("q-2", 1n, "telemetry_query", 2);
    await charge("odd-1", 1n, "raw_data_query", 1);
    await flushLedger();
    await f.increaseTime(5);
    const run = await job.runOnce();
    expect(run).toMatchObject({ unpriced: 1, shortOfCredits: [m.licenseId] });
    expect(run.settled).toMatchObject([{ credits: 2n, records: 1 }]);
    expect(await creditBalance(m.dev, m.licenseId)).toBe(1n);
  }, 30_000);
});
