import { deviceModelsAbi, deviceStakeAbi } from "../artifacts/index.ts";
import { eventOf, writeContract } from "../client.ts";
import {
  ALL_INTEGRATION_REQUIREMENTS,
  type HardwareClient,
  type HardwareReader,
  type IntegrationRequirement,
  requirementsMask,
  requirementsOf,
} from "./addresses.ts";
import { decodedRead } from "./read.ts";

const models = (client: HardwareReader) =>
  ({ address: client.hardware.deviceModels, abi: deviceModelsAbi }) as const;

/** A licensed maker's simplified application for a new device model; returns its id. */
export async function submitDeviceModel(
  client: HardwareClient,
  p: { manufacturerId: bigint; categoryId: bigint; name: string; specURI: string },
) {
  const result = await writeContract(client, {
    ...models(client),
    functionName: "submitModel",
    args: [p.manufacturerId, p.categoryId, p.name, p.specURI],
  });
  return { ...result, modelId: eventOf(result, "ModelSubmitted").args.modelId };
}

/** [d]Integrations certifies a model: the requirements it meets (secure element mandatory), the testers' results. */
export function certifyDeviceModel(
  client: HardwareClient,
  p: { modelId: bigint; requirements: readonly IntegrationRequirement[]; resultsURI: string },
) {
  return writeContract(client, {
    ...models(client),
    functionName: "certifyModel",
    args: [p.modelId, requirementsMask(p.requirements), p.resultsURI],
  });
}

/** [d]Integrations rejects a pending model. */
export function rejectDeviceModel(client: HardwareClient, p: { modelId: bigint; resultsURI: string }) {
  return writeContract(client, {
    ...models(client),
    functionName: "rejectModel",
    args: [p.modelId, p.resultsURI],
  });
}

/** [d]Integrations bans a device from the network: ingest drops its data. */
export function banDevice(client: HardwareClient, p: { deviceId: bigint; reasonURI: string }) {
  return writeContract(client, {
    ...models(client),
    functionName: "banDevice",
    args: [p.deviceId, p.reasonURI],
  });
}

export function unbanDevice(client: HardwareClient, deviceId: bigint) {
  return writeContract(client, { ...models(client), functionName: "unbanDevice", args: [deviceId] });
}

/** [d]Integrations bans every device of a model (and stops new ones being minted). */
export function banDeviceModel(client: HardwareClient, p: { modelId: bigint; reasonURI: string }) {
  return writeContract(client, {
    ...models(client),
    functionName: "banModel",
    args: [p.modelId, p.reasonURI],
  });
}

export function unbanDeviceModel(client: HardwareClient, modelId: bigint) {
  return writeContract(client, { ...models(client), functionName: "unbanModel", args: [modelId] });
}

/** True when ingest must drop the device's data (the device or its model is banned). */
export function isDeviceBanned(client: HardwareReader, deviceId: bigint): Promise<boolean> {
  return client.publicClient.readContract({
    address: client.hardware.deviceStake,
    abi: deviceStakeAbi,
    functionName: "isBanned",
    args: [deviceId],
  });
}

export const MODEL_STATUSES = ["none", "pending", "certified", "rejected"] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** A device model with its certification record. */
export async function getDeviceModel(client: HardwareReader, modelId: bigint) {
  const [m, banned] = await decodedRead(() =>
    Promise.all([
      client.publicClient.readContract({ ...models(client), functionName: "getModel", args: [modelId] }),
      client.publicClient.readContract({ ...models(client), functionName: "isModelBanned", args: [modelId] }),
    ]),
  );
  const requirements = requirementsOf(m.requirements);
  return {
    modelId,
    manufacturerId: m.manufacturerId,
    categoryId: m.categoryId,
    status: MODEL_STATUSES[m.status] as ModelStatus,
    name: m.name,
    specURI: m.specURI,
    resultsURI: m.resultsURI,
    requirements,
    /** Meets all seven integration requirements. */
    fullyCertified: m.status === 2 && requirements.length === ALL_INTEGRATION_REQUIREMENTS.length,
    banned,
  };
}

/** A device category and its per-device stake. */
export async function getDeviceCategory(client: HardwareReader, categoryId: bigint) {
  const c = await decodedRead(() =>
    client.publicClient.readContract({ ...models(client), functionName: "getCategory", args: [categoryId] }),
  );
  return { id: categoryId, name: c.name, perDeviceStake: c.perDeviceStake, underserved: c.underserved };
}
