import { type Address, type Hex, zeroAddress } from "viem";
import { aftermarketDeviceIdAbi, dimoRewardsAbi, vehicleIdAbi } from "../artifacts/index.ts";
import type { RewardsReader } from "./addresses.ts";
import { computeRewardsWeek, type VehicleObservation } from "./allocation.ts";
import {
  decodeRewardsInputs,
  encodeRewardsInputs,
  type RewardsInputEntry,
  type RewardsInputs,
  rewardsInputsHash,
} from "./inputs.ts";
import { weeklyIssuance } from "./schedule.ts";
import { streakLevelOf, streakPoints } from "./streak.ts";
import { RewardsTree } from "./tree.ts";

export interface RewardsVerification {
  week: number;
  /** True when every check passed. */
  ok: boolean;
  /** What did not match, one line each (empty when ok). */
  problems: string[];
  /** Streaks were recomputed from the previous week's inputs (not just checked for consistency). */
  streaksRecomputed: boolean;
  /** Earning vehicles whose beneficiary and device class were checked against the chain. */
  identitiesChecked: number;
  root: Hex;
  total: bigint;
}

export interface VerifyRewardsWeekOptions {
  /** The week's inputs file, exactly as published. */
  inputs: Uint8Array;
  /** The previous week's inputs file: with it, streaks are recomputed, not just checked. */
  previousInputs?: Uint8Array;
  /** Also check each earning vehicle's beneficiary and device class at the snapshot block. */
  checkIdentities?: boolean;
}

/**
 * Recomputes a published week from its inputs file and compares with the chain: the file's hash,
 * the issuance, connection points, streak levels, VIN de-duplication, points, each amount, the
 * total and the Merkle root; with the previous week's file, the streaks themselves; optionally
 * the beneficiaries and device classes at the snapshot. `dimo rewards verify` is a face on this.
 */
export async function verifyRewardsWeek(
  reader: RewardsReader,
  options: VerifyRewardsWeekOptions,
): Promise<RewardsVerification> {
  const problems: string[] = [];
  const inputs = decodeRewardsInputs(options.inputs);
  const contract = { address: reader.rewards.dimoRewards, abi: dimoRewardsAbi } as const;
  const [onChain, genesis, chainId] = await Promise.all([
    reader.publicClient.readContract({ ...contract, functionName: "getWeek", args: [BigInt(inputs.week)] }),
    reader.publicClient.readContract({ ...contract, functionName: "genesis" }),
    reader.publicClient.getChainId(),
  ]);
  const check = (ok: boolean, problem: () => string) => {
    if (!ok) problems.push(problem());
  };

  const hash = rewardsInputsHash(options.inputs);
  check(onChain.status !== 0, () => `week ${inputs.week} has no published root`);
  check(hash === onChain.inputsHash, () => `file hash ${hash} ≠ published inputs hash ${onChain.inputsHash}`);
  check(inputs.chainId === chainId, () => `file is for chain ${inputs.chainId}, not ${chainId}`);
  check(
    inputs.rewards.toLowerCase() === reader.rewards.dimoRewards.toLowerCase(),
    () => `file is for rewards contract ${inputs.rewards}, not ${reader.rewards.dimoRewards}`,
  );
  check(
    inputs.weekStart === Number(genesis) + inputs.week * 604_800,
    () => `week start ${inputs.weekStart} does not follow from genesis ${genesis}`,
  );
  check(
    inputs.issuance === weeklyIssuance(inputs.week),
    () => `issuance ${inputs.issuance} ≠ DIP-2's ${weeklyIssuance(inputs.week)}`,
  );

  // Connection points as the chain had them at the snapshot.
  for (const [cls, points] of Object.entries(inputs.connectionPoints)) {
    const chainPoints = await reader.publicClient.readContract({
      ...contract,
      functionName: "connectionPoints",
      args: [Number(cls)],
      blockNumber: inputs.snapshotBlock,
    });
    check(chainPoints === points, () => `class ${cls} earns ${chainPoints} points on chain, not ${points}`);
  }

  // Streaks: recomputed from the previous week when given, else checked for consistency.
  let streaksRecomputed = false;
  if (options.previousInputs) {
    const previousHash = rewardsInputsHash(options.previousInputs);
    check(
      previousHash === inputs.previousInputsHash,
      () => `previous file hash ${previousHash} ≠ the ${inputs.previousInputsHash} this week names`,
    );
    const previous = decodeRewardsInputs(options.previousInputs);
    const { inputs: recomputed } = computeRewardsWeek(
      {
        chainId: inputs.chainId,
        rewards: inputs.rewards,
        week: inputs.week,
        genesis: Number(genesis),
        snapshotBlock: inputs.snapshotBlock,
        connectionPoints: inputs.connectionPoints,
        previous: { inputs: previous, hash: previousHash },
      },
      observationsOf(inputs),
    );
    compareEntries(recomputed, inputs, hash, problems);
    streaksRecomputed = true;
  } else {
    if (inputs.previousInputsHash === null) {
      const { inputs: recomputed } = computeRewardsWeek(
        {
          chainId: inputs.chainId,
          rewards: inputs.rewards,
          week: inputs.week,
          genesis: Number(genesis),
          snapshotBlock: inputs.snapshotBlock,
          connectionPoints: inputs.connectionPoints,
          previous: null,
        },
        observationsOf(inputs),
      );
      compareEntries(recomputed, inputs, hash, problems);
      streaksRecomputed = true;
    } else {
      checkConsistency(inputs, problems);
    }
  }

  const tree = new RewardsTree(BigInt(inputs.week), inputs.vehicles);
  const total = inputs.vehicles.reduce((sum, e) => sum + e.amount, 0n);
  check(total === inputs.total, () => `amounts sum to ${total}, the file says ${inputs.total}`);
  check(total === onChain.total, () => `amounts sum to ${total}, the chain says ${onChain.total}`);
  check(tree.root === onChain.root, () => `recomputed root ${tree.root} ≠ published root ${onChain.root}`);
  check(total <= weeklyIssuance(inputs.week), () => `total ${total} exceeds the weekly cap`);

  let identitiesChecked = 0;
  if (options.checkIdentities) identitiesChecked = await checkIdentities(reader, inputs, problems);
  return {
    week: inputs.week,
    ok: problems.length === 0,
    problems,
    streaksRecomputed,
    identitiesChecked,
    root: tree.root,
    total,
  };
}

function observationsOf(inputs: RewardsInputs): VehicleObservation[] {
  return inputs.vehicles.map((e) => ({
    vehicleId: e.vehicleId,
    vinHash: e.vinHash,
    deviceId: e.deviceId,
    deviceClass: e.deviceClass,
    active: e.active,
    beneficiary: e.beneficiary,
  }));
}

const MAX_LISTED = 20;

function compareEntries(
  expected: RewardsInputs,
  actual: RewardsInputs,
  actualHash: Hex,
  problems: string[],
): void {
  const a = new Map(actual.vehicles.map((e) => [e.vehicleId, e]));
  const e = new Map(expected.vehicles.map((x) => [x.vehicleId, x]));
  let listed = 0;
  const note = (line: string) => {
    if (listed++ < MAX_LISTED) problems.push(line);
  };
  for (const [id, want] of e) {
    const got = a.get(id);
    if (!got) {
      note(`vehicle ${id} is missing (its streak carries over: ${want.connectionStreak} weeks)`);
      continue;
    }
    const diff = differingFields(want, got);
    if (diff.length > 0) note(`vehicle ${id}: ${diff.join(", ")}`);
  }
  for (const id of a.keys()) if (!e.has(id)) note(`vehicle ${id} should not be listed`);
  if (expected.totalPoints !== actual.totalPoints) {
    problems.push(`total points ${actual.totalPoints} ≠ recomputed ${expected.totalPoints}`);
  }
  if (listed > MAX_LISTED) problems.push(`… and ${listed - MAX_LISTED} more vehicles differ`);
  // Same content must mean the same bytes: the canonical encoding is part of the format.
  if (problems.length === 0 && rewardsInputsHash(encodeRewardsInputs(expected)) !== actualHash) {
    problems.push("the file is not in canonical form (order of lines or fields, or a header field differs)");
  }
}

function differingFields(want: RewardsInputEntry, got: RewardsInputEntry): string[] {
  const out: string[] = [];
  for (const k of [
    "duplicateOf",
    "connectionStreak",
    "disconnectionStreak",
    "level",
    "points",
    "amount",
  ] as const) {
    if (want[k] !== got[k]) out.push(`${k} is ${String(got[k])}, recomputed ${String(want[k])}`);
  }
  return out;
}

/** Without the previous week: each line must agree with itself and the week's totals. */
function checkConsistency(inputs: RewardsInputs, problems: string[]): void {
  const winner = new Map<Hex, bigint>();
  const sorted = [...inputs.vehicles].sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : 1));
  let totalPoints = 0n;
  for (const e of sorted) {
    if (e.active && e.vinHash !== null && !winner.has(e.vinHash)) winner.set(e.vinHash, e.vehicleId);
  }
  for (const e of sorted) {
    const w = e.active && e.vinHash !== null ? winner.get(e.vinHash)! : e.vehicleId;
    const duplicateOf = w === e.vehicleId ? null : w;
    const eligible = e.active && duplicateOf === null;
    const level = streakLevelOf(e.connectionStreak);
    const points = eligible ? streakPoints(level) + (inputs.connectionPoints[e.deviceClass] ?? 0) : 0;
    totalPoints += BigInt(points);
    const issues: string[] = [];
    if (duplicateOf !== e.duplicateOf)
      issues.push(`duplicateOf is ${e.duplicateOf}, expected ${duplicateOf}`);
    if (level !== e.level)
      issues.push(`level is ${e.level}, a ${e.connectionStreak}-week streak is ${level}`);
    if (points !== e.points) issues.push(`points are ${e.points}, expected ${points}`);
    if (eligible && e.disconnectionStreak !== 0) issues.push("active but with inactive weeks counted");
    if (issues.length > 0 && problems.length < MAX_LISTED)
      problems.push(`vehicle ${e.vehicleId}: ${issues.join(", ")}`);
  }
  if (totalPoints !== inputs.totalPoints)
    problems.push(`total points ${inputs.totalPoints} ≠ recomputed ${totalPoints}`);
  for (const e of sorted) {
    const amount = totalPoints === 0n ? 0n : (BigInt(e.points) * inputs.issuance) / totalPoints;
    if (amount !== e.amount && problems.length < MAX_LISTED) {
      problems.push(`vehicle ${e.vehicleId}: amount is ${e.amount}, expected ${amount}`);
    }
  }
}

async function checkIdentities(
  reader: RewardsReader,
  inputs: RewardsInputs,
  problems: string[],
): Promise<number> {
  const blockNumber = inputs.snapshotBlock;
  const read = reader.publicClient.readContract;
  const earning = inputs.vehicles.filter((e) => e.amount > 0n);
  const batch = 20;
  for (let i = 0; i < earning.length; i += batch) {
    await Promise.all(
      earning.slice(i, i + batch).map(async (e) => {
        const [device, owner, beneficiary] = await Promise.all([
          read({
            address: reader.addresses.aftermarketDeviceId,
            abi: aftermarketDeviceIdAbi,
            functionName: "getDevice",
            args: [e.deviceId],
            blockNumber,
          }),
          read({
            address: reader.addresses.vehicleId,
            abi: vehicleIdAbi,
            functionName: "ownerOf",
            args: [e.vehicleId],
            blockNumber,
          }),
          read({
            address: reader.rewards.dimoRewards,
            abi: dimoRewardsAbi,
            functionName: "beneficiaryOf",
            args: [e.deviceId],
            blockNumber,
          }),
        ]);
        const cls = await read({
          address: reader.rewards.dimoRewards,
          abi: dimoRewardsAbi,
          functionName: "connectionClassOf",
          args: [device.manufacturerId],
          blockNumber,
        });
        const expected: Address = beneficiary !== zeroAddress ? beneficiary : owner;
        if (expected.toLowerCase() !== e.beneficiary.toLowerCase()) {
          problems.push(`vehicle ${e.vehicleId}: pays ${e.beneficiary}, but the chain says ${expected}`);
        }
        if (cls !== e.deviceClass)
          problems.push(`vehicle ${e.vehicleId}: device ${e.deviceId} is class ${cls}, not ${e.deviceClass}`);
      }),
    );
  }
  return earning.length;
}

/** Where a week's published inputs file lives, from its (latest) RootPublished event. */
export async function rewardsInputsLocation(
  reader: RewardsReader,
  week: bigint,
): Promise<{ inputsURI: string; inputsHash: Hex } | undefined> {
  const logs = await reader.publicClient.getContractEvents({
    address: reader.rewards.dimoRewards,
    abi: dimoRewardsAbi,
    eventName: "RootPublished",
    args: { week },
    fromBlock: 0n,
  });
  const last = logs.at(-1);
  return last ? { inputsURI: last.args.inputsURI!, inputsHash: last.args.inputsHash! } : undefined;
}

/** Downloading a published inputs file failed or returned other bytes than the chain names. */
export class RewardsInputsFetchError extends Error {
  override name = "RewardsInputsFetchError";
  constructor(
    readonly week: bigint,
    readonly uri: string,
    reason: string,
  ) {
    super(`Inputs of rewards week ${week} from ${uri}: ${reason}`);
  }
}

/**
 * Fetches a week's inputs file from the URI published on chain (http/https) and checks its
 * keccak256 against the published hash, so a node cannot serve other bytes than it committed to.
 */
export async function fetchRewardsInputs(reader: RewardsReader, week: bigint): Promise<Uint8Array> {
  const location = await rewardsInputsLocation(reader, week);
  if (!location) throw new RewardsInputsFetchError(week, "", "no root was published for this week");
  const { inputsURI, inputsHash } = location;
  if (!/^https?:\/\//.test(inputsURI)) {
    throw new RewardsInputsFetchError(
      week,
      inputsURI,
      "only http(s) URIs can be fetched; get the file another way",
    );
  }
  const response = await fetch(inputsURI);
  if (!response.ok) throw new RewardsInputsFetchError(week, inputsURI, `HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const hash = rewardsInputsHash(bytes);
  if (hash !== inputsHash)
    throw new RewardsInputsFetchError(
      week,
      inputsURI,
      `got bytes hashing to ${hash}, published ${inputsHash}`,
    );
  return bytes;
}
