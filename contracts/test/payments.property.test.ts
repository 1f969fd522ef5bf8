import {
  buyCredits,
  creditBalance,
  dimoCreditsAbi,
  issueDevLicense,
  ProtocolError,
  type SettlementBatch,
  settleUsage,
  signSettlementBatch,
  type UsageRecord,
  usageRequestId,
} from "@dimo-open/protocol";
import fc from "fast-check";
import { type Hex, parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { marketFixture, moneyFixture } from "./rewardsFixture.ts";

const errorName = (e: unknown) => (e instanceof ProtocolError ? e.errorName : String(e));

type Op = { kind: "buy"; credits: number } | { kind: "settle"; batch: number };

describe("credit and settlement properties", () => {
  it("credits are neither transferred nor double-spent, and settling any batch again changes nothing", async () => {
    const f = await moneyFixture({ poolFunding: 0n });
    const m = await marketFixture(f, 0n);
    await f.increaseTime(1_000);
    const prices = [1n, 2n]; // the market's price list: item 0 = 1 credit/unit, item 1 = 2
    const supply = () =>
      f.admin.publicClient.readContract({
        address: f.paymentsAddresses.dimoCredits,
        abi: dimoCreditsAbi,
        functionName: "totalSupply",
      });
    let run = 0;
    const batchShape = fc.array(
      fc.record({ item: fc.integer({ min: 0, max: 1 }), units: fc.integer({ min: 1, max: 5 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    );
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("buy" as const), credits: fc.integer({ min: 1, max: 15 }) }),
      fc.record({ kind: fc.constant("settle" as const), batch: fc.nat({ max: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(batchShape, { minLength: 6, maxLength: 6 }),
        fc.array(op, { minLength: 3, maxLength: 12 }),
        async (shapes, ops) => {
          run++;
          // A fresh licence per run (a fresh settlement cursor); batches in time order.
          const { tokenId: licenseId } = await issueDevLicense(f.app.client);
          const t0 = ((await f.now()) - 900n) * 1000n;
          const batches: { batch: SettlementBatch; signature: Hex; credits: bigint }[] = [];
          let n = 0;
          for (const shape of shapes) {
            const records: UsageRecord[] = shape.map((r) => ({
              requestId: usageRequestId(`run-${run}-req-${n}`),
              at: t0 + BigInt(n++) * 1000n,
              vehicleId: 3n,
              item: r.item,
              units: r.units,
            }));
            const batch = { nodeId: m.nodeId, licenseId, priceVersion: m.priceVersion, records };
            const credits = records.reduce((s, r) => s + BigInt(r.units) * prices[r.item]!, 0n);
            batches.push({
              batch,
              signature: await signSettlementBatch(m.operator, m.nodeKey, batch),
              credits,
            });
          }

          let balance = 0n;
          let cursor = -1;
          const applied = new Set<number>();
          for (const o of ops) {
            const supplyBefore = await supply();
            if (o.kind === "buy") {
              await buyCredits(m.dev, { licenseId, credits: BigInt(o.credits), maxDimo: parseEther("1") });
              balance += BigInt(o.credits);
              expect(await supply()).toBe(supplyBefore + BigInt(o.credits));
            } else {
              const b = batches[o.batch]!;
              const outcome = await settleUsage(f.money(f.relayer), b.batch, b.signature).then(
                (r) => (r.applied ? "applied" : "replayed"),
                (e: unknown) => errorName(e),
              );
              if (applied.has(o.batch)) expect(outcome).toBe("replayed");
              else if (o.batch <= cursor) expect(outcome).toBe("UsageOutOfOrder");
              else if (b.credits > balance) expect(outcome).toBe("InsufficientCredits");
              else {
                expect(outcome).toBe("applied");
                applied.add(o.batch);
                cursor = o.batch;
                balance -= b.credits;
              }
              expect(await supply()).toBe(supplyBefore - (outcome === "applied" ? b.credits : 0n));
            }
            expect(await creditBalance(m.dev, licenseId)).toBe(balance);
          }
        },
      ),
      { numRuns: 12 },
    );
    await f.close();
  });
});
