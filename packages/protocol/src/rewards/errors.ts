import { type Abi, formatEther } from "viem";
import { dimoRewardsAbi } from "../artifacts/index.ts";
import { registerErrorAbi, registerErrorMessages } from "../errors.ts";

const s = (v: unknown): string => (typeof v === "bigint" ? v.toString() : String(v));
const dimo = (v: unknown): string => `${formatEther(v as bigint)} DIMO`;
const time = (v: unknown): string => new Date(Number(v) * 1000).toISOString();
const status = (v: unknown) => ["none", "pending", "challenged", "confirmed", "rejected"][Number(v)] ?? s(v);

registerErrorAbi(dimoRewardsAbi as Abi);

/** Human messages for DimoRewards' custom errors. */
registerErrorMessages({
  WeekNotOver: (a) => `Week ${s(a[0])} ends at ${time(a[1])}; publish its root after that.`,
  WeeklyCapExceeded: (a) =>
    `Week ${s(a[0])} would pay ${dimo(a[1])}, more than its DIP-2 cap of ${dimo(a[2])}; recompute the allocations.`,
  RootAlreadyPublished: (a) =>
    `Week ${s(a[0])} already has a root (${status(a[1])}); only a rejected root can be replaced.`,
  InvalidRoot: () => "A week that pays anything needs a non-zero Merkle root.",
  PoolUnderfunded: (a) =>
    `The rewards pool has ${dimo(a[0])} free but the week needs ${dimo(a[1])}; fund the pool first.`,
  RootNotFinal: (a) =>
    `Week ${s(a[0])}'s root is ${status(a[1])}${Number(a[1]) === 1 ? ` until ${time(a[2])}` : ""}; claim once it is final.`,
  AlreadyClaimed: (a) => `The reward of vehicle ${s(a[1])} for week ${s(a[0])} has already been paid.`,
  InvalidProof: (a) =>
    `The proof does not match week ${s(a[0])}'s root for vehicle ${s(a[1])}: check the beneficiary, amount and proof.`,
  ClaimExceedsRootTotal: (a) =>
    `Week ${s(a[0])} has paid ${dimo(a[1])} of its ${dimo(a[3])}; ${dimo(a[2])} more would exceed it.`,
  ChallengeWindowClosed: (a) =>
    `Week ${s(a[0])}'s root cannot be challenged (window closed at ${time(a[1])} or not pending).`,
  NotChallenged: (a) => `Week ${s(a[0])}'s root is ${status(a[1])}, not challenged.`,
  InvalidChallengeWindow: (a) => `A challenge window of ${s(a[0])} s is not allowed: use 1 to ${s(a[1])} s.`,
  InvalidConnectionClass: (a) => `Connection class ${s(a[0])} is not allowed: use 1 to 15.`,
  InvalidStreakLevel: (a) => `Streak level ${s(a[0])} does not exist: levels are 1 to 4.`,
  TooManyClaims: (a) => `${s(a[0])} claims in one call; send at most ${s(a[1])}.`,
  ZeroClaimAmount: () => "A claim of 0 DIMO is not a leaf of any root.",
});
