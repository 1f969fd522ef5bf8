import type { Address } from "viem";
import { mintDevices } from "../actions/device.ts";
import { deviceStakeAbi, manufacturerLicenseAbi } from "../artifacts/index.ts";
import { writeContract } from "../client.ts";
import type { HardwareClient, HardwareReader } from "./addresses.ts";
import { ensureDimoAllowance } from "./allowance.ts";
import type { BurnSchedule } from "./governance.ts";
import { getDeviceCategory, getDeviceModel } from "./models.ts";

/** What reading a device's stake needs: a public client and the DeviceStake contract. */
export type DeviceStakeReader = Pick<HardwareReader, "publicClient"> & {
  hardware: Pick<HardwareReader["hardware"], "deviceStake">;
};

const stake = (client: DeviceStakeReader) =>
  ({ address: client.hardware.deviceStake, abi: deviceStakeAbi }) as const;

/** Chooses the model the maker's next minted devices are. */
export function selectProductionModel(
  client: HardwareClient,
  p: { manufacturerId: bigint; modelId: bigint },
) {
  return writeContract(client, {
    ...stake(client),
    functionName: "selectProductionModel",
    args: [p.manufacturerId, p.modelId],
  });
}

/**
 * Mints devices of a certified model under a valid licence: selects the model when it is not the
 * current production model, approves the per-device stake × count, then mints through the registry
 * (whose hook checks the licence and pulls the stake).
 */
export async function mintLicensedDevices(
  client: HardwareClient,
  p: {
    manufacturerId: bigint;
    modelId: bigint;
    devices: readonly { deviceAddress: Address; serial?: string }[];
  },
) {
  const current = await client.publicClient.readContract({
    ...stake(client),
    functionName: "productionModel",
    args: [p.manufacturerId],
  });
  if (current !== p.modelId) await selectProductionModel(client, p);
  const model = await getDeviceModel(client, p.modelId);
  const { perDeviceStake } = await getDeviceCategory(client, model.categoryId);
  const total = perDeviceStake * BigInt(p.devices.length);
  await ensureDimoAllowance(client, client.hardware.deviceStake, total);
  const result = await mintDevices(client, { manufacturerId: p.manufacturerId, devices: p.devices });
  return { ...result, stakePerDevice: perDeviceStake, staked: total };
}

export type DeviceFailure = "malfunction" | "disconnection";
const FAILURES = ["none", "malfunction", "disconnection"] as const;

/** The performance reporter reports a device's malfunction or disconnection, with evidence. */
export function reportDeviceFailure(
  client: HardwareClient,
  p: { deviceId: bigint; failure: DeviceFailure; evidenceURI: string },
) {
  return writeContract(client, {
    ...stake(client),
    functionName: "reportFailure",
    args: [p.deviceId, FAILURES.indexOf(p.failure), p.evidenceURI],
  });
}

/** Releases every vested, unpaid tranche of the devices (at most 100 per call). Anyone. */
export async function releaseDeviceStake(client: HardwareClient, deviceIds: readonly bigint[]) {
  const result = await writeContract(client, {
    ...stake(client),
    functionName: "release",
    args: [deviceIds],
  });
  const released = result.events.flatMap((e) =>
    e.eventName === "DeviceStakeReleased"
      ? [
          {
            deviceId: e.args.deviceId,
            paidTranches: e.args.paidTranches,
            toMaker: e.args.toMaker,
            toIntegrations: e.args.toIntegrations,
            toUser: e.args.toUser,
          },
        ]
      : [],
  );
  return { ...result, released };
}

/** An installed device's locked stake and vesting, and what a release would pay now. */
export async function getDeviceVesting(client: HardwareReader, deviceId: bigint) {
  const [v, r] = await Promise.all([
    client.publicClient.readContract({ ...stake(client), functionName: "getVesting", args: [deviceId] }),
    client.publicClient.readContract({ ...stake(client), functionName: "releasable", args: [deviceId] }),
  ]);
  return {
    deviceId,
    installed: v.startedAt !== 0,
    locked: v.locked,
    user: v.user,
    startedAt: v.startedAt,
    failure: FAILURES[v.failure] ?? "none",
    failedAt: v.failedAt,
    disputed: v.disputed,
    paidTranches: v.paidTranches,
    releasable: { toMaker: r[0], toIntegrations: r[1], toUser: r[2], tranches: r[3] },
  };
}

/** A device's stake as minted (zeros for a device minted before the hook was set). */
export async function getDeviceStake(client: DeviceStakeReader, deviceId: bigint) {
  const [manufacturerId, modelId, amount] = await client.publicClient.readContract({
    ...stake(client),
    functionName: "stakeOf",
    args: [deviceId],
  });
  return { deviceId, manufacturerId, modelId, stake: amount };
}

/**
 * What a maker has at stake: its licence stake plus the stake of its minted, not yet installed
 * devices (the seed's "100,000 + 80 × devices").
 */
export async function getMakerStake(client: HardwareReader, manufacturerId: bigint) {
  const [license, pendingDevices] = await Promise.all([
    client.publicClient.readContract({
      address: client.hardware.manufacturerLicense,
      abi: manufacturerLicenseAbi,
      functionName: "stakeOf",
      args: [manufacturerId],
    }),
    client.publicClient.readContract({
      ...stake(client),
      functionName: "pendingStakeOf",
      args: [manufacturerId],
    }),
  ]);
  return { license, pendingDevices, total: license + pendingDevices };
}

/** The current burn schedule. */
export async function getBurnSchedule(client: HardwareReader): Promise<BurnSchedule> {
  const [lowStake, highStake, lowBps, highBps] = await client.publicClient.readContract({
    ...stake(client),
    functionName: "burnSchedule",
  });
  return { lowStake, highStake, lowBps, highBps };
}

/** Share (basis points) of a device stake of `amount` burned at installation under the current schedule. */
export async function burnRateFor(client: HardwareReader, amount: bigint): Promise<number> {
  return Number(
    await client.publicClient.readContract({ ...stake(client), functionName: "burnRateBps", args: [amount] }),
  );
}
