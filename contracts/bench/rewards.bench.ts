/**
 * Gas of the rewards and payments operations on the devnet: a claim (with a proof into a
 * 100,000-leaf tree), publishing a root, buying credits, and settling batches of 1 and 1,000
 * usage records. Gas is deterministic for the same code and inputs.
 */
import {
  buyCredits,
  claimReward,
  claimRewards,
  publishRewardsRoot,
  RewardsTree,
  releaseSettlements,
  settleUsage,
  signSettlementBatch,
  type UsageRecord,
  usageRequestId,
  WEEK_SECONDS,
  type WriteResult,
  withdrawNodeRevenue,
} from "@dimo-open/protocol";
import { parseEther, zeroHash } from "viem";
import { marketFixture, moneyFixture } from "../test/rewardsFixture.ts";

const gas = (r: WriteResult) => r.receipt.gasUsed;

export default async function bench(): Promise<string> {
  const f = await moneyFixture();
  const rows: [string, bigint | string][] = [];
  const payees = [f.alice.address, f.bob.address, f.app.address];
  const n = 100_000;
  const started = performance.now();
  const tree = new RewardsTree(
    0n,
    Array.from({ length: n }, (_, i) => ({
      vehicleId: BigInt(i + 1),
      beneficiary: payees[i % 3]!,
      amount: parseEther("11"),
    })),
  );
  const treeMs = performance.now() - started;
  await f.increaseTime(WEEK_SECONDS);
  rows.push([
    "publish a week's root",
    gas(
      await publishRewardsRoot(f.gov, {
        week: 0n,
        root: tree.root,
        total: parseEther("1100000"),
        inputsHash: zeroHash,
        inputsURI: `http://127.0.0.1:8080/v1/rewards/inputs/${zeroHash}`,
      }),
    ),
  ]);
  await f.increaseTime(3_601);
  const one = tree.claimOf(1n)!;
  rows.push([
    `claim one reward (proof of ${one.proof.length} hashes, ${n.toLocaleString("en")}-leaf tree)`,
    gas(await claimReward(f.money(f.relayer), one)),
  ]);
  const ten = Array.from({ length: 10 }, (_, i) => tree.claimOf(BigInt(i + 2))!);
  const many = gas(await claimRewards(f.money(f.relayer), ten));
  rows.push(["claim 10 rewards in one call (per claim)", `${many} (${many / 10n})`]);

  const m = await marketFixture(f, 0n);
  rows.push([
    "buy credits (burns DIMO)",
    gas(await buyCredits(m.dev, { licenseId: m.licenseId, credits: 100_000n })),
  ]);
  await f.increaseTime(60);
  const base = ((await f.now()) - 30n) * 1000n;
  const records = (count: number, offset: number): UsageRecord[] =>
    Array.from({ length: count }, (_, i) => ({
      requestId: usageRequestId(`bench-${offset + i}`),
      at: base + BigInt(offset + i),
      vehicleId: BigInt((i % 500) + 1),
      item: i % 2,
      units: 1 + (i % 3),
    }));
  const settle = async (batchRecords: UsageRecord[]) => {
    const batch = {
      nodeId: m.nodeId,
      licenseId: m.licenseId,
      priceVersion: m.priceVersion,
      records: batchRecords,
    };
    return settleUsage(m.operator, batch, await signSettlementBatch(m.operator, m.nodeKey, batch));
  };
  const single = await settle(records(1, 0));
  rows.push(["settle a batch of 1 usage record", gas(single)]);
  const thousand = await settle(records(1000, 1));
  rows.push([
    "settle a batch of 1,000 usage records (per record)",
    `${gas(thousand)} (${gas(thousand) / 1000n})`,
  ]);
  const replay = await settle(records(1000, 1));
  rows.push(["submit the same 1,000-record batch again (idempotent no-op)", gas(replay)]);
  await f.increaseTime(3 * 86_400 + 1);
  rows.push([
    "release 2 settlements",
    gas(await releaseSettlements(m.operator, [single.settlementId, thousand.settlementId])),
  ]);
  rows.push(["node withdraws its revenue", gas(await withdrawNodeRevenue(m.operator, m.nodeId))]);
  await f.close();
  return [
    "## Rewards and payments: gas",
    "",
    "Gas used as reported by transaction receipts on the devnet (cancun, solc 0.8.30, optimizer 200 runs); `npm run bench -- rewards` (contracts/bench/rewards.bench.ts).",
    `Usage records are ABI-encoded structs in calldata (5 words each). Building the ${n.toLocaleString("en")}-leaf tree took ${treeMs.toFixed(0)} ms.`,
    "",
    "| operation | gas |",
    "|---|---:|",
    ...rows.map(([op, g]) => `| ${op} | ${g.toString()} |`),
  ].join("\n");
}
