import { zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { computeRewardsWeek, RewardsObservationError } from "./allocation.ts";
import { decodeRewardsInputs, encodeRewardsInputs, RewardsInputsError } from "./inputs.ts";

const params = {
  chainId: 31337,
  rewards: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const,
  week: 0,
  genesis: 1_800_000_000,
  snapshotBlock: 10n,
  connectionPoints: { 1: 6000, 2: 3000 },
  previous: null,
};
const payee = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

describe("rewards inputs file", () => {
  it("round-trips byte for byte", () => {
    const { inputs } = computeRewardsWeek(params, [
      { vehicleId: 2n, vinHash: null, deviceId: 9n, deviceClass: 1, active: true, beneficiary: payee },
      { vehicleId: 1n, vinHash: null, deviceId: 8n, deviceClass: 2, active: false, beneficiary: payee },
    ]);
    const bytes = encodeRewardsInputs(inputs);
    expect(encodeRewardsInputs(decodeRewardsInputs(bytes))).toEqual(bytes);
    expect(inputs.vehicles.map((v) => v.vehicleId)).toEqual([1n, 2n]);
    expect(inputs.total).toBe(1_105_000n * 10n ** 18n);
  });

  it("names the bad field of a malformed file", () => {
    const { inputs } = computeRewardsWeek(params, [
      { vehicleId: 1n, vinHash: null, deviceId: 8n, deviceClass: 2, active: true, beneficiary: payee },
    ]);
    const doc = JSON.parse(new TextDecoder().decode(encodeRewardsInputs(inputs)));
    const bad = (mutate: (d: typeof doc) => void) => {
      const d = structuredClone(doc);
      mutate(d);
      return () => decodeRewardsInputs(new TextEncoder().encode(JSON.stringify(d)));
    };
    expect(bad((d) => (d.vehicles[0].amount = "-1"))).toThrow(
      /vehicles\[0\]\.amount is "-1"; expected a decimal integer string/,
    );
    expect(bad((d) => (d.vehicles[0].level = 5))).toThrow(RewardsInputsError);
    expect(bad((d) => (d.format = "other"))).toThrow(/format/);
    expect(bad((d) => (d.vehicles[0].beneficiary = "0x12"))).toThrow(/beneficiary/);
    expect(() => decodeRewardsInputs(new TextEncoder().encode("{not json"))).toThrow(/UTF-8 JSON/);
  });

  it("rejects impossible observations", () => {
    const o = {
      vehicleId: 1n,
      vinHash: null,
      deviceId: 0n,
      deviceClass: 0,
      active: true,
      beneficiary: zeroAddress,
    };
    expect(() => computeRewardsWeek(params, [o])).toThrow(RewardsObservationError);
    expect(() =>
      computeRewardsWeek(params, [
        { ...o, deviceId: 1n },
        { ...o, deviceId: 1n },
      ]),
    ).toThrow(/observed twice/);
  });
});
