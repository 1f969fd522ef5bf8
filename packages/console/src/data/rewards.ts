/** An owner's rewards, read from the weekly inputs files the publishing node committed to on chain. */
import type { RewardsInputs } from "@dimo-open/protocol";
import type { Address } from "viem";

export interface RewardRow {
  week: number;
  weekStart: number;
  vehicleId: bigint;
  active: boolean;
  duplicateOf: bigint | null;
  level: number;
  connectionStreak: number;
  points: number;
  beneficiary: Address;
  amount: bigint;
}

/**
 * The lines of a week that concern the account: its vehicles, and anything paid to it (a device
 * beneficiary is paid for vehicles it does not own).
 */
export function rewardRowsFor(
  inputs: RewardsInputs,
  vehicleIds: ReadonlySet<bigint>,
  account: Address,
): RewardRow[] {
  const me = account.toLowerCase();
  return inputs.vehicles
    .filter((v) => vehicleIds.has(v.vehicleId) || v.beneficiary.toLowerCase() === me)
    .map((v) => ({
      week: inputs.week,
      weekStart: inputs.weekStart,
      vehicleId: v.vehicleId,
      active: v.active,
      duplicateOf: v.duplicateOf,
      level: v.level,
      connectionStreak: v.connectionStreak,
      points: v.points,
      beneficiary: v.beneficiary,
      amount: v.amount,
    }));
}
