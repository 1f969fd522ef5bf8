import {
  claimReward,
  dimoBalanceOf,
  getRewardsWeek,
  ProtocolError,
  publishRewardsRoot,
  RewardsTree,
  WEEK_SECONDS,
  weeklyIssuance,
} from "@dimo-open/protocol";
import fc from "fast-check";
import { type Address, parseEther, zeroHash } from "viem";
import { describe, expect, it } from "vitest";
import { moneyFixture } from "./rewardsFixture.ts";

const errorName = (e: unknown) => (e instanceof ProtocolError ? e.errorName : String(e));

describe("rewards properties", () => {
  it("the weekly cap is never exceeded, whatever total a publisher asks for", async () => {
    const f = await moneyFixture({ poolFunding: parseEther("100000000") });
    await f.increaseTime(701 * WEEK_SECONDS);
    const used = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 700 }),
        fc.oneof(fc.constant(0n), fc.constant(1n), fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n })),
        async (week, delta) => {
          fc.pre(!used.has(week));
          used.add(week);
          const cap = weeklyIssuance(week);
          const total = cap + delta < 0n ? 0n : cap + delta;
          const outcome = await publishRewardsRoot(f.gov, {
            week: BigInt(week),
            root: total === 0n ? zeroHash : `0x${"ab".repeat(32)}`,
            total,
            inputsHash: zeroHash,
            inputsURI: "",
          }).then(
            () => "published",
            (e: unknown) => errorName(e),
          );
          expect(outcome).toBe(total <= cap ? "published" : "WeeklyCapExceeded");
          const stored = await getRewardsWeek(f.gov, BigInt(week));
          expect(stored.total <= cap).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
    await f.close();
  });

  it("a claim never pays twice, and a week never pays more than its root's total", async () => {
    const f = await moneyFixture({ poolFunding: parseEther("100000000") });
    await f.increaseTime(200 * WEEK_SECONDS);
    const payees: Address[] = [f.alice.address, f.bob.address, f.app.address];
    let week = 0n;
    const leaf = fc.record({
      vehicleId: fc.integer({ min: 1, max: 40 }),
      payee: fc.integer({ min: 0, max: 2 }),
      amount: fc.bigInt({ min: 1n, max: parseEther("1000") }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(leaf, { minLength: 1, maxLength: 5, selector: (l) => l.vehicleId }),
        fc.bigInt({ min: 0n, max: parseEther("2000") }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        async (leaves, shortfall, order) => {
          const entries = leaves.map((l) => ({
            vehicleId: BigInt(l.vehicleId),
            beneficiary: payees[l.payee]!,
            amount: l.amount,
          }));
          const sum = entries.reduce((s, e) => s + e.amount, 0n);
          // The declared total may be less than the leaves add up to (a faulty or malicious root).
          const total = sum > shortfall ? sum - shortfall : 1n;
          const tree = new RewardsTree(week, entries);
          await publishRewardsRoot(f.gov, {
            week,
            root: tree.root,
            total,
            inputsHash: zeroHash,
            inputsURI: "",
          });
          await f.increaseTime(3_601);
          const paid = new Set<bigint>();
          let paidTotal = 0n;
          for (const pick of order) {
            const e = entries[pick % entries.length]!;
            const before = await dimoBalanceOf(f.gov, e.beneficiary);
            const outcome = await claimReward(f.money(f.relayer), tree.claimOf(e.vehicleId)!).then(
              () => "paid",
              (x: unknown) => errorName(x),
            );
            const after = await dimoBalanceOf(f.gov, e.beneficiary);
            if (paid.has(e.vehicleId)) {
              expect(outcome).toBe("AlreadyClaimed");
            } else if (paidTotal + e.amount > total) {
              expect(outcome).toBe("ClaimExceedsRootTotal");
            } else {
              expect(outcome).toBe("paid");
              paid.add(e.vehicleId);
              paidTotal += e.amount;
            }
            expect(after - before).toBe(outcome === "paid" ? e.amount : 0n);
          }
          const stored = await getRewardsWeek(f.gov, week);
          expect(stored.claimed).toBe(paidTotal);
          expect(stored.claimed <= stored.total).toBe(true);
          week++;
        },
      ),
      { numRuns: 15 },
    );
    await f.close();
  });
});
