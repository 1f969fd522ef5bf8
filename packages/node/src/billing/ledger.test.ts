import { describe, expect, it } from "vitest";
import { SerialConnection } from "../api/sql.ts";
import { openDatabase } from "../db/database.ts";
import { CreditLedger, InsufficientCreditsError } from "./ledger.ts";
import { queryPrice } from "./prices.ts";

describe("CreditLedger", () => {
  it("charges once per request id, refuses with 402 when short, and reports usage per vehicle", async () => {
    const database = await openDatabase(":memory:");
    const ledger = await CreditLedger.open(await SerialConnection.open(database), { initialCredits: 5 });
    const charge = (requestId: string, vehicleId: bigint, credits: number) =>
      ledger.charge({ requestId, licenseId: 7n, vehicleId, operation: "telemetry_query", credits });
    expect(await charge("r1", 1n, 3)).toMatchObject({ charged: true, balance: 2 });
    expect(await charge("r1", 1n, 3)).toMatchObject({ charged: false, balance: 2 });
    const refused = await charge("r2", 2n, 3).catch((e) => e);
    expect(refused).toBeInstanceOf(InsufficientCreditsError);
    expect(refused.status).toBe(402);
    expect(await ledger.balance(7n)).toBe(2);
    await ledger.topUp(7n, 10, "test");
    await charge("r2", 2n, 3);
    expect(await ledger.usage(7n, 0, Date.now() + 1)).toEqual([
      { vehicleId: 1n, operation: "telemetry_query", requests: 1, credits: 3 },
      { vehicleId: 2n, operation: "telemetry_query", requests: 1, credits: 3 },
    ]);
    await expect(ledger.topUp(7n, -1)).rejects.toThrow(/positive integer/);
    await database.close();
  });

  it("prices a query by vehicle and by weight", () => {
    expect(queryPrice(0)).toBe(1);
    expect(queryPrice(999)).toBe(1);
    expect(queryPrice(1000)).toBe(2);
    expect(queryPrice(2500)).toBe(3);
  });
});

describe("CreditLedger persistence", () => {
  it("keeps balances and usage across a reopen", async () => {
    const database = await openDatabase(":memory:");
    const sql = await SerialConnection.open(database);
    const first = await CreditLedger.open(sql, { initialCredits: 10 });
    await first.charge({
      requestId: "a",
      licenseId: 1n,
      vehicleId: 3n,
      operation: "telemetry_query",
      credits: 4,
    });
    await first.close();
    const second = await CreditLedger.open(sql, { initialCredits: 10 });
    expect(await second.balance(1n)).toBe(6);
    expect(await second.usage(1n, 0, Date.now() + 1)).toEqual([
      { vehicleId: 3n, operation: "telemetry_query", requests: 1, credits: 4 },
    ]);
    await database.close();
  });
});
