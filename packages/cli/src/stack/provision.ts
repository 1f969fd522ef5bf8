/**
 * Puts simulated vehicles on a network, step by step, as their people would: an owner mints a
 * vehicle matching the simulated car; the maker mints a device bound to the simulated device's
 * key; the owner claims it with the device's signature and pairs it; the owner grants an app
 * access. Used by the devnet's setup and by `dimo sim start`.
 */

import {
  signTypedMessageWithElement,
  VEHICLE_MODEL_KEYS,
  VEHICLE_MODELS,
  type VehicleModel,
} from "@dimo-open/device";
import {
  claimDevice,
  claimDeviceMessage,
  grantPrivileges,
  type HardwareClient,
  mintLicensedDevices,
  mintVehicle,
  type ProtocolClient,
  pairDevice,
} from "@dimo-open/protocol";
import type { Address } from "viem";
import { simulatedDevice } from "./fleet.ts";

/** The simulator's model of vehicle `index` (createFleet cycles through the models). */
export function simulatedModel(index: number): VehicleModel {
  return VEHICLE_MODELS[VEHICLE_MODEL_KEYS[index % VEHICLE_MODEL_KEYS.length]!];
}

/** Mints one vehicle per index to the owner, matching the simulated car; returns their ids by index. */
export async function mintSimulatedVehicles(
  owner: ProtocolClient,
  indexes: readonly number[],
  manufacturerOf: (make: string) => bigint,
): Promise<Map<number, bigint>> {
  const ids = new Map<number, bigint>();
  for (const index of indexes) {
    const model = simulatedModel(index);
    const { tokenId } = await mintVehicle(owner, {
      manufacturerId: manufacturerOf(model.make),
      make: model.make,
      model: model.model,
      year: model.year,
      definitionURI: "",
    });
    ids.set(index, tokenId);
  }
  return ids;
}

/** The maker mints the simulated devices `indexes` under its licence; returns their ids by index. */
export async function mintSimulatedDevices(
  maker: HardwareClient,
  p: { manufacturerId: bigint; modelId: bigint; indexes: readonly number[] },
): Promise<Map<number, bigint>> {
  const { tokenIds } = await mintLicensedDevices(maker, {
    manufacturerId: p.manufacturerId,
    modelId: p.modelId,
    devices: p.indexes.map((index) => ({
      deviceAddress: simulatedDevice(index).address,
      serial: `OD1-${String(index).padStart(6, "0")}`,
    })),
  });
  return new Map(p.indexes.map((index, i) => [index, tokenIds[i]!]));
}

/** The owner claims each device with the device's own signature, then pairs it with its vehicle. */
export async function claimAndPair(
  owner: ProtocolClient,
  pairs: readonly { index: number; deviceId: bigint; vehicleId: bigint }[],
): Promise<void> {
  for (const { index, deviceId, vehicleId } of pairs) {
    const device = simulatedDevice(index);
    const message = await claimDeviceMessage(owner, {
      deviceId,
      deviceAddress: device.address,
      owner: owner.walletClient.account.address,
      deadline: BigInt(Math.floor(Date.now() / 1000)) + 3600n,
    });
    await claimDevice(owner, message, await signTypedMessageWithElement(device, message));
    await pairDevice(owner, { deviceId, vehicleId });
  }
}

/** The owner grants `grantee` the privileges over each vehicle until `expiration` (unix seconds). */
export async function grantVehicles(
  owner: ProtocolClient,
  p: {
    vehicleIds: readonly bigint[];
    grantee: Address;
    privileges: readonly number[];
    expiration: bigint;
    source: string;
  },
): Promise<void> {
  for (const tokenId of p.vehicleIds)
    await grantPrivileges(owner, {
      tokenId,
      grantee: p.grantee,
      privileges: p.privileges,
      expiration: p.expiration,
      source: p.source,
    });
}
