import type { RewardsInputEntry, RewardsInputs } from "@dimo-open/protocol";
import { describe, expect, it } from "vitest";
import { rewardRowsFor } from "./rewards.ts";

const ALICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const BOB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

function entry(vehicleId: bigint, beneficiary: `0x${string}`, amount: bigint): RewardsInputEntry {
  return {
    vehicleId,
    vinHash: null,
    deviceId: 1n,
    deviceClass: 1,
    active: amount > 0n,
    duplicateOf: null,
    connectionStreak: 4,
    disconnectionStreak: 0,
    level: 2,
    points: 7000,
    beneficiary,
    amount,
  };
}

const inputs = {
  week: 3,
  weekStart: 1_700_000_000,
  vehicles: [entry(1n, ALICE, 10n), entry(2n, BOB, 20n), entry(3n, ALICE, 0n), entry(4n, BOB, 5n)],
} as unknown as RewardsInputs;

describe("rewardRowsFor", () => {
  it("keeps the account's vehicles and what is paid to it", () => {
    const rows = rewardRowsFor(inputs, new Set([4n]), ALICE.toLowerCase() as `0x${string}`);
    expect(rows.map((r) => r.vehicleId)).toEqual([1n, 3n, 4n]);
    expect(rows[0]).toMatchObject({ week: 3, weekStart: 1_700_000_000, amount: 10n, level: 2, points: 7000 });
  });
  it("is empty for a stranger", () => {
    expect(rewardRowsFor(inputs, new Set(), "0x0000000000000000000000000000000000000001")).toEqual([]);
  });
});
