import { type Address, type Hex, parseEventLogs } from "viem";
import { dimoRewardsAbi, dimoTokenAbi } from "../artifacts/index.ts";
import { writeContract } from "../client.ts";
import type { RewardsClient, RewardsReader } from "./addresses.ts";
import type { RewardClaim } from "./tree.ts";

const rewards = (client: RewardsReader) =>
  ({ address: client.rewards.dimoRewards, abi: dimoRewardsAbi }) as const;

/** Decoded DimoRewards events of a mined write. */
export function rewardsEvents(logs: Parameters<typeof parseEventLogs>[0]["logs"]) {
  return parseEventLogs({ abi: dimoRewardsAbi, logs });
}

export type RootStatus = "none" | "pending" | "challenged" | "confirmed" | "rejected";
const ROOT_STATUS: readonly RootStatus[] = ["none", "pending", "challenged", "confirmed", "rejected"];

export interface RewardsWeek {
  week: bigint;
  root: Hex;
  inputsHash: Hex;
  total: bigint;
  claimed: bigint;
  publishedAt: bigint;
  finalAt: bigint;
  status: RootStatus;
  /** Claims are open. */
  final: boolean;
  challenger: Address;
  bond: bigint;
}

/** A week's published root, its state and how much of it has been claimed. */
export async function getRewardsWeek(client: RewardsReader, week: bigint): Promise<RewardsWeek> {
  const [w, final] = await Promise.all([
    client.publicClient.readContract({ ...rewards(client), functionName: "getWeek", args: [week] }),
    client.publicClient.readContract({ ...rewards(client), functionName: "isFinal", args: [week] }),
  ]);
  return {
    week,
    root: w.root,
    inputsHash: w.inputsHash,
    total: w.total,
    claimed: w.claimed,
    publishedAt: w.publishedAt,
    finalAt: w.finalAt,
    status: ROOT_STATUS[w.status] ?? "none",
    final,
    challenger: w.challenger,
    bond: w.bond,
  };
}

/** The rewards calendar: genesis and the current week (by the latest block's time). */
export async function getRewardsCalendar(
  client: RewardsReader,
): Promise<{ genesis: bigint; currentWeek: bigint; now: bigint }> {
  const [genesis, block] = await Promise.all([
    client.publicClient.readContract({ ...rewards(client), functionName: "genesis" }),
    client.publicClient.getBlock(),
  ]);
  const currentWeek = block.timestamp < genesis ? -1n : (block.timestamp - genesis) / 604_800n;
  return { genesis, currentWeek, now: block.timestamp };
}

/** Publishes a finished week's root, total and inputs file (hash + URI). Publisher only. */
export function publishRewardsRoot(
  client: RewardsClient,
  p: { week: bigint; root: Hex; total: bigint; inputsHash: Hex; inputsURI: string },
) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "publishRoot",
    args: [p.week, p.root, p.total, p.inputsHash, p.inputsURI],
  });
}

/** Pays one reward to its beneficiary (anyone may send it). */
export function claimReward(client: RewardsClient, claim: RewardClaim) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "claim",
    args: [claim.week, claim.vehicleId, claim.beneficiary, claim.amount, claim.proof],
  });
}

/** Pays up to 100 rewards in one transaction. */
export function claimRewards(client: RewardsClient, claims: readonly RewardClaim[]) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "claimMany",
    args: [claims.map((c) => ({ ...c, proof: [...c.proof] }))],
  });
}

export function isRewardClaimed(
  client: RewardsReader,
  p: { week: bigint; vehicleId: bigint },
): Promise<boolean> {
  return client.publicClient.readContract({
    ...rewards(client),
    functionName: "isClaimed",
    args: [p.week, p.vehicleId],
  });
}

/**
 * Challenges a pending root, approving the bond first when the allowance is short.
 */
export async function challengeRewardsRoot(client: RewardsClient, p: { week: bigint; evidenceURI: string }) {
  const bond = await client.publicClient.readContract({ ...rewards(client), functionName: "challengeBond" });
  await approveIfNeeded(client, client.rewards.dimoRewards, bond);
  return writeContract(client, {
    ...rewards(client),
    functionName: "challenge",
    args: [p.week, p.evidenceURI],
  });
}

/** Rules on a challenge (arbiter only): upheld rejects the root. */
export function resolveRewardsChallenge(
  client: RewardsClient,
  p: { week: bigint; upheld: boolean; rulingURI: string },
) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "resolveChallenge",
    args: [p.week, p.upheld, p.rulingURI],
  });
}

/** Adds DIMO to the rewards pool (approves it first when needed). */
export async function fundRewardsPool(client: RewardsClient, amount: bigint) {
  await approveIfNeeded(client, client.rewards.dimoRewards, amount);
  return writeContract(client, { ...rewards(client), functionName: "fund", args: [amount] });
}

/** DIMO in the pool not yet promised to a published week. */
export function rewardsPoolAvailable(client: RewardsReader): Promise<bigint> {
  return client.publicClient.readContract({ ...rewards(client), functionName: "available" });
}

/** Sends the rewards of the device's vehicle to `beneficiary` (zero clears it). Device owner only. */
export function setDeviceBeneficiary(client: RewardsClient, p: { deviceId: bigint; beneficiary: Address }) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "setBeneficiary",
    args: [p.deviceId, p.beneficiary],
  });
}

export function deviceBeneficiary(
  client: RewardsReader,
  deviceId: bigint,
  blockNumber?: bigint,
): Promise<Address> {
  return client.publicClient.readContract({
    ...rewards(client),
    functionName: "beneficiaryOf",
    args: [deviceId],
    blockNumber,
  });
}

/** Assigns a manufacturer's devices to a connection class (0 = the default). Governance. */
export function setManufacturerConnectionClass(
  client: RewardsClient,
  p: { manufacturerId: bigint; connectionClass: number },
) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "setManufacturerClass",
    args: [p.manufacturerId, p.connectionClass],
  });
}

/** Sets a connection class's points. Governance. */
export function setConnectionPoints(client: RewardsClient, p: { connectionClass: number; points: number }) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "setConnectionPoints",
    args: [p.connectionClass, p.points],
  });
}

/** Sets the challenge window (seconds, ≤ 14 days) and bond. Governance. */
export function setRewardsChallengeParameters(client: RewardsClient, p: { window: bigint; bond: bigint }) {
  return writeContract(client, {
    ...rewards(client),
    functionName: "setChallengeParameters",
    args: [p.window, p.bond],
  });
}

export function connectionClassOf(
  client: RewardsReader,
  manufacturerId: bigint,
  blockNumber?: bigint,
): Promise<number> {
  return client.publicClient.readContract({
    ...rewards(client),
    functionName: "connectionClassOf",
    args: [manufacturerId],
    blockNumber,
  });
}

/** Connection points of every class that has any, at `blockNumber`. */
export async function connectionPointsTable(
  client: RewardsReader,
  blockNumber?: bigint,
): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  const classes = Array.from({ length: 15 }, (_, i) => i + 1);
  const points = await Promise.all(
    classes.map((c) =>
      client.publicClient.readContract({
        ...rewards(client),
        functionName: "connectionPoints",
        args: [c],
        blockNumber,
      }),
    ),
  );
  classes.forEach((c, i) => {
    if (points[i]! > 0) out[c] = points[i]!;
  });
  return out;
}

async function approveIfNeeded(client: RewardsClient, spender: Address, amount: bigint): Promise<void> {
  if (amount === 0n) return;
  const token = { address: client.addresses.dimoToken, abi: dimoTokenAbi } as const;
  const owner = client.walletClient.account.address;
  const allowance = await client.publicClient.readContract({
    ...token,
    functionName: "allowance",
    args: [owner, spender],
  });
  if (allowance < amount)
    await writeContract(client, { ...token, functionName: "approve", args: [spender, amount] });
}
