import {
  claimRewards,
  computeRewardsWeek,
  connectionClassOf,
  connectionPointsTable,
  dimoBalanceOf,
  encodeRewardsInputs,
  mintManufacturer,
  publishRewardsRoot,
  type RewardClaim,
  type RewardsInputs,
  rewardsInputsHash,
  setDeviceBeneficiary,
  setManufacturerConnectionClass,
  type VehicleObservation,
  verifyRewardsWeek,
  WEEK_SECONDS,
} from "@dimo-open/protocol";
import { type Address, type Hex, keccak256, parseEther, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import { moneyFixture } from "./rewardsFixture.ts";

const ISSUANCE = parseEther("1105000");
const vin = (v: string): Hex => keccak256(toBytes(v));

/**
 * Three vehicles over eight weeks, with the points worked out by hand from DIP-2's tables:
 * - A: LTE device (6,000), active every week; reaches level 2 (+1,000) in its 4th week.
 * - B: lower-tier device (3,000), active weeks 0–3 (level 2 in week 3), inactive 4–6 (the third
 *   inactive week drops it a level: streak back to 0), active again in week 7 at level 1.
 *   Its device's beneficiary (the app account) is paid instead of its owner.
 * - C: LTE device, reports A's VIN in weeks 2 and 5: A (the lower id) earns, C counts as inactive.
 */
const ACTIVE = {
  A: [1, 1, 1, 1, 1, 1, 1, 1],
  B: [1, 1, 1, 1, 0, 0, 0, 1],
  C: [1, 1, 1, 1, 1, 1, 1, 1],
};
const C_SHARES_A_VIN = [2, 5];
const POINTS: Record<"A" | "B" | "C", number[]> = {
  //   w0    w1    w2    w3    w4    w5    w6    w7
  A: [6000, 6000, 6000, 7000, 7000, 7000, 7000, 7000],
  B: [3000, 3000, 3000, 4000, 0, 0, 0, 3000],
  C: [6000, 6000, 0, 6000, 7000, 0, 7000, 7000],
};

describe("rewards scenario", () => {
  it("3 vehicles over 8 weeks: streak up, drop, VIN duplicate; claimed amounts equal the hand-computed ones", async () => {
    const f = await moneyFixture();
    const { tokenId: budgetMaker } = await mintManufacturer(f.admin, {
      name: "Budget Dongles",
      owner: f.maker.address,
    });
    await setManufacturerConnectionClass(f.gov, { manufacturerId: f.manufacturerId, connectionClass: 1 });
    expect(await connectionClassOf(f.gov, budgetMaker)).toBe(2);
    const A = await f.installDevice(f.alice);
    const B = await f.installDevice(f.bob, budgetMaker);
    const C = await f.installDevice(f.alice);
    await setDeviceBeneficiary(f.money(f.bob), { deviceId: B.deviceId, beneficiary: f.app.address });
    const vehicles = {
      A: { ...A, cls: 1, payee: f.alice.address },
      B: { ...B, cls: 2, payee: f.app.address },
      C: { ...C, cls: 1, payee: f.alice.address },
    };

    const start = {
      alice: await dimoBalanceOf(f.gov, f.alice.address),
      app: await dimoBalanceOf(f.gov, f.app.address),
    };
    const chainId = await f.admin.publicClient.getChainId();
    let previous: { inputs: RewardsInputs; hash: Hex; bytes: Uint8Array } | null = null;
    const expected = new Map<Address, bigint>();
    for (let week = 0; week < 8; week++) {
      await f.mineAt(f.genesis + BigInt((week + 1) * WEEK_SECONDS) + 1n);
      const snapshotBlock = await f.admin.publicClient.getBlockNumber();
      const observations: VehicleObservation[] = (["A", "B", "C"] as const).map((k) => ({
        vehicleId: vehicles[k].vehicleId,
        vinHash: k === "C" && C_SHARES_A_VIN.includes(week) ? vin("VIN-A") : vin(`VIN-${k}`),
        deviceId: ACTIVE[k][week] ? vehicles[k].deviceId : 0n,
        deviceClass: ACTIVE[k][week] ? vehicles[k].cls : 0,
        active: ACTIVE[k][week] === 1,
        beneficiary: vehicles[k].payee,
      }));
      const { inputs, tree } = computeRewardsWeek(
        {
          chainId,
          rewards: f.rewardsAddresses.dimoRewards,
          week,
          genesis: Number(f.genesis),
          snapshotBlock,
          connectionPoints: await connectionPointsTable(f.gov, snapshotBlock),
          previous: previous && { inputs: previous.inputs, hash: previous.hash },
        },
        observations,
      );
      // The hand-computed points and each vehicle's share of the week's 1,105,000 DIMO.
      const totalPoints = BigInt(POINTS.A[week]! + POINTS.B[week]! + POINTS.C[week]!);
      for (const k of ["A", "B", "C"] as const) {
        const line = inputs.vehicles.find((v) => v.vehicleId === vehicles[k].vehicleId)!;
        expect({ vehicle: k, week, points: line.points }).toEqual({
          vehicle: k,
          week,
          points: POINTS[k][week],
        });
        const amount = (BigInt(POINTS[k][week]!) * ISSUANCE) / totalPoints;
        expect(line.amount).toBe(amount);
        expected.set(vehicles[k].payee, (expected.get(vehicles[k].payee) ?? 0n) + amount);
      }
      const bytes = encodeRewardsInputs(inputs);
      await publishRewardsRoot(f.gov, {
        week: BigInt(week),
        root: tree.root,
        total: inputs.total,
        inputsHash: rewardsInputsHash(bytes),
        inputsURI: `http://127.0.0.1/v1/rewards/inputs/${rewardsInputsHash(bytes)}`,
      });
      const report = await verifyRewardsWeek(f.gov, { inputs: bytes, previousInputs: previous?.bytes });
      expect(report).toMatchObject({ ok: true, streaksRecomputed: true });
      await f.increaseTime(3_601);
      const claims = (["A", "B", "C"] as const)
        .map((k) => tree.claimOf(vehicles[k].vehicleId))
        .filter((c): c is RewardClaim => c !== undefined);
      await claimRewards(f.money(f.relayer), claims);
      previous = { inputs, hash: rewardsInputsHash(bytes), bytes };
    }

    const last = previous!.inputs.vehicles;
    const streak = (k: "A" | "B" | "C") => last.find((v) => v.vehicleId === vehicles[k].vehicleId)!;
    expect([streak("A").connectionStreak, streak("A").level]).toEqual([8, 2]);
    expect([streak("B").connectionStreak, streak("B").level]).toEqual([1, 1]);
    expect([streak("C").connectionStreak, streak("C").level, streak("C").duplicateOf]).toEqual([6, 2, null]);
    const alicePaid = (await dimoBalanceOf(f.gov, f.alice.address)) - start.alice;
    const appPaid = (await dimoBalanceOf(f.gov, f.app.address)) - start.app;
    expect(alicePaid).toBe(expected.get(f.alice.address));
    expect(appPaid).toBe(expected.get(f.app.address));
    // Week 0 by hand: 6,000 / 15,000 of 1,105,000 = 442,000 DIMO each for A and C; B 221,000.
    expect(appPaid).toBeGreaterThan(parseEther("221000"));
    await f.close();
  });
});
