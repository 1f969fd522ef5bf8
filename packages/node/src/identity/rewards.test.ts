import {
  challengeRewardsRoot,
  claimReward,
  publishRewardsRoot,
  RewardsTree,
  resolveRewardsChallenge,
  transferDimo,
  WEEK_SECONDS,
} from "@dimo-open/protocol";
import { graphql } from "graphql";
import { keccak256, parseEther, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MoneyFixture, moneyFixture } from "../../../../contracts/test/rewardsFixture.ts";
import { identitySchema } from "../api/identity/handler.ts";
import { ChainIndexer } from "../chain/index.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { rewardsEventSources } from "./rewardsSources.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary GraphQL JSON
type Json = any;

let f: MoneyFixture;
let db: NodeDatabase;
let indexer: ChainIndexer;
let a: { vehicleId: bigint };
let b: { vehicleId: bigint };
const schema = identitySchema();

async function query(
  source: string,
): Promise<{ data?: Json; errors?: readonly { message: string; extensions?: Json }[] }> {
  await indexer.syncToHead();
  return graphql({
    schema,
    source,
    contextValue: { index: indexer.identity, chainId: f.devnet.chainId, addresses: f.addresses },
  }) as never;
}

const publish = (week: bigint, tree: RewardsTree, total: bigint) =>
  publishRewardsRoot(f.gov, {
    week,
    root: tree.root,
    total,
    inputsHash: keccak256(toBytes(`inputs ${week}`)),
    inputsURI: `ipfs://week-${week}`,
  });

beforeAll(async () => {
  f = await moneyFixture({ poolFunding: parseEther("3000000") });
  a = await f.installDevice(f.alice);
  b = await f.installDevice(f.bob);
  db = await openDatabase(":memory:");
  indexer = await ChainIndexer.create({
    client: f.admin.publicClient,
    addresses: f.addresses,
    db,
    sources: rewardsEventSources(f.rewardsAddresses),
  });
});
afterAll(async () => {
  await indexer?.stop();
  await db?.close();
  await f?.close();
});

describe("rewards in the identity index (DimoRewards events)", () => {
  it("serves weeks, and rewards per user and per vehicle, from published roots and claims", async () => {
    // Week 0: alice's vehicle earns 700,000 DIMO, bob's 405,000; both claimed after the window.
    const week0 = new RewardsTree(0n, [
      { vehicleId: a.vehicleId, beneficiary: f.alice.address, amount: parseEther("700000") },
      { vehicleId: b.vehicleId, beneficiary: f.bob.address, amount: parseEther("405000") },
    ]);
    await f.increaseTime(WEEK_SECONDS);
    await publish(0n, week0, parseEther("1105000"));
    const pending = await query(
      "{ rewardsWeek(week: 0) { week status totalTokens claimedTokens claims inputsURI root publisher } }",
    );
    expect(pending.errors).toBeUndefined();
    expect(pending.data.rewardsWeek).toEqual({
      week: 0,
      status: "pending",
      totalTokens: "1105000",
      claimedTokens: "0",
      claims: 0,
      inputsURI: "ipfs://week-0",
      root: week0.root,
      publisher: f.gov.walletClient.account!.address,
    });
    await f.increaseTime(3_600);
    await claimReward(f.money(f.bob), week0.claimOf(a.vehicleId)!);
    await claimReward(f.money(f.bob), week0.claimOf(b.vehicleId)!);

    // Week 1: alice's vehicle earns 12.5 DIMO, claimed.
    await f.increaseTime(WEEK_SECONDS);
    const week1 = new RewardsTree(1n, [
      { vehicleId: a.vehicleId, beneficiary: f.alice.address, amount: parseEther("12.5") },
    ]);
    await publish(1n, week1, parseEther("12.5"));
    await f.increaseTime(3_600);
    await claimReward(f.money(f.alice), week1.claimOf(a.vehicleId)!);

    const user = await query(
      `{ rewards(user: "${f.alice.address.toLowerCase()}") { totalTokens history(first: 10) { totalCount nodes { week tokens beneficiary sentAt vehicle { tokenId } } } } }`,
    );
    expect(user.errors).toBeUndefined();
    expect(user.data.rewards.totalTokens).toBe("700012.5");
    expect(user.data.rewards.history.totalCount).toBe(2);
    expect(user.data.rewards.history.nodes.map((n: Json) => [n.week, n.tokens, n.vehicle.tokenId])).toEqual([
      [1, "12.5", Number(a.vehicleId)],
      [0, "700000", Number(a.vehicleId)],
    ]);
    expect(user.data.rewards.history.nodes[0].beneficiary).toBe(f.alice.address);
    expect(Date.parse(user.data.rewards.history.nodes[0].sentAt)).toBeGreaterThan(
      Date.parse(user.data.rewards.history.nodes[1].sentAt),
    );

    const vehicle = await query(
      `{ vehicle(tokenId: ${b.vehicleId}) { earnings { totalTokens history(first: 1) { totalCount nodes { week beneficiary } pageInfo { hasNextPage } } } } }`,
    );
    expect(vehicle.data.vehicle.earnings).toEqual({
      totalTokens: "405000",
      history: {
        totalCount: 1,
        nodes: [{ week: 0, beneficiary: f.bob.address }],
        pageInfo: { hasNextPage: false },
      },
    });
    const paid = await query("{ rewardsWeek(week: 0) { claimedTokens claims } }");
    expect(paid.data.rewardsWeek).toEqual({ claimedTokens: "1105000", claims: 2 });

    const nobody = await query(
      `{ rewards(user: "${f.app.address}") { totalTokens history(first: 5) { totalCount } } }`,
    );
    expect(nobody.data.rewards).toEqual({ totalTokens: "0", history: { totalCount: 0 } });
    const missing = await query("{ rewardsWeek(week: 9) { status } }");
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("follows a challenge and its ruling; a rejected week published again replaces the rejected root", async () => {
    await f.increaseTime(WEEK_SECONDS);
    const wrong = new RewardsTree(2n, [
      { vehicleId: b.vehicleId, beneficiary: f.bob.address, amount: parseEther("1000") },
    ]);
    await publish(2n, wrong, parseEther("1000"));
    await transferDimo(f.admin, { to: f.bob.address, amount: parseEther("1000") });
    await challengeRewardsRoot(f.money(f.bob), { week: 2n, evidenceURI: "ipfs://evidence" });
    expect((await query("{ rewardsWeek(week: 2) { status } }")).data.rewardsWeek.status).toBe("challenged");
    await resolveRewardsChallenge(f.gov, { week: 2n, upheld: true, rulingURI: "ipfs://ruling" });
    expect((await query("{ rewardsWeek(week: 2) { status } }")).data.rewardsWeek.status).toBe("rejected");
    const fixed = new RewardsTree(2n, [
      { vehicleId: b.vehicleId, beneficiary: f.bob.address, amount: parseEther("10") },
    ]);
    await publish(2n, fixed, parseEther("10"));
    expect((await query("{ rewardsWeek(week: 2) { status totalTokens root } }")).data.rewardsWeek).toEqual({
      status: "pending",
      totalTokens: "10",
      root: fixed.root,
    });
  });
});
