import { type Address, type Hex, zeroAddress } from "viem";
import { REWARDS_INPUTS_FORMAT, type RewardsInputEntry, type RewardsInputs } from "./inputs.ts";
import { WEEK_SECONDS, weeklyIssuance } from "./schedule.ts";
import { INITIAL_STREAK, nextStreak, type StreakState, streakLevelOf, streakPoints } from "./streak.ts";
import { RewardsTree } from "./tree.ts";

/** What the node observed of one vehicle in a week, with its chain facts at the snapshot. */
export interface VehicleObservation {
  vehicleId: bigint;
  /** keccak256 of the VIN it reported (upper-case), or null when it reported none. */
  vinHash: Hex | null;
  /** The paired, unbanned device whose non-constant signals made it active (0n: none). */
  deviceId: bigint;
  deviceClass: number;
  active: boolean;
  /** Device beneficiary or vehicle owner at the snapshot. */
  beneficiary: Address;
}

export interface RewardsWeekParameters {
  chainId: number;
  rewards: Address;
  week: number;
  /** DimoRewards' genesis (unix seconds). */
  genesis: number;
  snapshotBlock: bigint;
  /** Connection points per class at the snapshot. */
  connectionPoints: Record<number, number>;
  /** The previous week's inputs and their hash, or null for the first week. */
  previous: { inputs: RewardsInputs; hash: Hex } | null;
}

/** An observation that cannot be right: which vehicle, what is wrong. */
export class RewardsObservationError extends Error {
  override name = "RewardsObservationError";
  constructor(
    readonly vehicleId: bigint,
    reason: string,
  ) {
    super(`Vehicle ${vehicleId}: ${reason}`);
  }
}

/**
 * Computes a week's allocations: streaks carried from the previous week, one earning vehicle per
 * VIN (the lowest vehicle id), points = streak points + connection points for each eligible
 * vehicle, and each vehicle's share of the week's issuance = its points / all points, rounded
 * down (the dust stays in the pool). Vehicles of the previous week that were not observed carry
 * their streak forward as inactive. Pure: the verifier runs exactly this.
 */
export function computeRewardsWeek(
  parameters: RewardsWeekParameters,
  observations: readonly VehicleObservation[],
): { inputs: RewardsInputs; tree: RewardsTree } {
  const { week, previous } = parameters;
  if (previous && previous.inputs.week !== week - 1) {
    throw new RangeError(`previous inputs are of week ${previous.inputs.week}, not ${week - 1}`);
  }
  const prior = new Map<bigint, StreakState>();
  for (const e of previous?.inputs.vehicles ?? []) {
    prior.set(e.vehicleId, {
      connectionStreak: e.connectionStreak,
      disconnectionStreak: e.disconnectionStreak,
    });
  }

  const observed = new Map<bigint, VehicleObservation>();
  const seen = new Set<bigint>();
  for (const o of observations) {
    seen.add(o.vehicleId);
    if (observed.has(o.vehicleId)) throw new RewardsObservationError(o.vehicleId, "observed twice");
    if (o.active && o.deviceId === 0n)
      throw new RewardsObservationError(o.vehicleId, "active without a device");
    observed.set(o.vehicleId, o);
  }
  // Vehicles with a streak last week that sent nothing this week are inactive.
  for (const [vehicleId, state] of prior) {
    if (observed.has(vehicleId) || state.connectionStreak === 0) continue;
    observed.set(vehicleId, {
      vehicleId,
      vinHash: null,
      deviceId: 0n,
      deviceClass: 0,
      active: false,
      beneficiary: zeroAddress,
    });
  }

  const ids = [...observed.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const winnerOfVin = new Map<Hex, bigint>();
  for (const id of ids) {
    const o = observed.get(id)!;
    if (o.active && o.vinHash !== null && !winnerOfVin.has(o.vinHash)) winnerOfVin.set(o.vinHash, id);
  }

  const entries: RewardsInputEntry[] = [];
  let totalPoints = 0n;
  for (const id of ids) {
    const o = observed.get(id)!;
    const winner = o.active && o.vinHash !== null ? winnerOfVin.get(o.vinHash)! : id;
    const duplicateOf = winner === id ? null : winner;
    const eligible = o.active && duplicateOf === null;
    const state = nextStreak(prior.get(id) ?? INITIAL_STREAK, eligible);
    const level = streakLevelOf(state.connectionStreak);
    const points = eligible ? streakPoints(level) + (parameters.connectionPoints[o.deviceClass] ?? 0) : 0;
    totalPoints += BigInt(points);
    entries.push({
      vehicleId: id,
      vinHash: o.vinHash,
      deviceId: o.deviceId,
      deviceClass: o.deviceClass,
      active: o.active,
      duplicateOf,
      connectionStreak: state.connectionStreak,
      disconnectionStreak: state.disconnectionStreak,
      level,
      points,
      beneficiary: o.beneficiary,
      amount: 0n,
    });
  }

  const issuance = weeklyIssuance(week);
  let total = 0n;
  if (totalPoints > 0n) {
    for (const e of entries) {
      e.amount = (BigInt(e.points) * issuance) / totalPoints;
      total += e.amount;
    }
  }
  const tree = new RewardsTree(BigInt(week), entries);
  const weekStart = parameters.genesis + week * WEEK_SECONDS;
  return {
    tree,
    inputs: {
      format: REWARDS_INPUTS_FORMAT,
      chainId: parameters.chainId,
      rewards: parameters.rewards,
      week,
      weekStart,
      weekEnd: weekStart + WEEK_SECONDS,
      snapshotBlock: parameters.snapshotBlock,
      issuance,
      connectionPoints: parameters.connectionPoints,
      previousInputsHash: previous?.hash ?? null,
      totalPoints,
      total,
      root: tree.root,
      // Every vehicle observed, and carried streaks; an unobserved vehicle back at streak 0 is
      // the same as one never seen, so it drops out.
      vehicles: entries.filter((e) => e.connectionStreak > 0 || seen.has(e.vehicleId)),
    },
  };
}
