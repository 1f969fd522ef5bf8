import type { Address, Hex } from "viem";
import { aftermarketDeviceIdAbi } from "../artifacts/index.ts";
import { eventOf, type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";
import { domainNames, protocolDomain, type TypedMessage, typedMessage } from "../eip712.ts";

const registry = (client: ProtocolReader) =>
  ({ address: client.addresses.aftermarketDeviceId, abi: aftermarketDeviceIdAbi }) as const;

/** Mints a batch of devices for a manufacturer, each bound to its secure-element address. */
export async function mintDevices(
  client: ProtocolClient,
  p: { manufacturerId: bigint; devices: readonly { deviceAddress: Address; serial?: string }[] },
) {
  const result = await writeContract(client, {
    ...registry(client),
    functionName: "mintBatch",
    args: [
      p.manufacturerId,
      p.devices.map((d) => ({ deviceAddress: d.deviceAddress, serial: d.serial ?? "" })),
    ],
  });
  const tokenIds = result.events
    .filter((e) => e.eventName === "DeviceMinted")
    .map((e) => (e.args as { tokenId: bigint }).tokenId);
  return { ...result, tokenIds };
}

async function domainAndNonce(client: ProtocolReader, signer: Address) {
  const [chainId, nonce] = await Promise.all([
    client.publicClient.getChainId(),
    client.publicClient.readContract({ ...registry(client), functionName: "nonces", args: [signer] }),
  ]);
  return {
    domain: protocolDomain(domainNames.aftermarketDeviceId, chainId, client.addresses.aftermarketDeviceId),
    nonce,
  };
}

/** The `ClaimDevice` message the device's secure element signs to let `owner` claim it. */
export async function claimDeviceMessage(
  client: ProtocolReader,
  p: { deviceId: bigint; deviceAddress: Address; owner: Address; deadline: bigint },
): Promise<TypedMessage<"ClaimDevice">> {
  const { domain, nonce } = await domainAndNonce(client, p.deviceAddress);
  return typedMessage(domain, "ClaimDevice", {
    deviceId: p.deviceId,
    owner: p.owner,
    nonce,
    deadline: p.deadline,
  });
}

/** Claims a device for the caller with the device's signature over `message` (its owner must be the caller). */
export function claimDevice(
  client: ProtocolClient,
  message: TypedMessage<"ClaimDevice">,
  deviceSignature: Hex,
) {
  const m = message.message;
  return writeContract(client, {
    ...registry(client),
    functionName: "claim",
    args: [m.deviceId, m.nonce, m.deadline, deviceSignature],
  });
}

/** The `PairDevice` message for `signer` (the device's address or the vehicle owner's). */
export async function pairDeviceMessage(
  client: ProtocolReader,
  p: { deviceId: bigint; vehicleId: bigint; signer: Address; deadline: bigint },
): Promise<TypedMessage<"PairDevice">> {
  const { domain, nonce } = await domainAndNonce(client, p.signer);
  return typedMessage(domain, "PairDevice", {
    deviceId: p.deviceId,
    vehicleId: p.vehicleId,
    nonce,
    deadline: p.deadline,
  });
}

/** Pairs when the caller owns both the device and the vehicle. */
export function pairDevice(client: ProtocolClient, p: { deviceId: bigint; vehicleId: bigint }) {
  return writeContract(client, {
    ...registry(client),
    functionName: "pair",
    args: [p.deviceId, p.vehicleId],
  });
}

/** Pairs with the device's and the vehicle owner's signatures (any caller may submit). */
export function pairDeviceWithSignatures(
  client: ProtocolClient,
  p: {
    device: { message: TypedMessage<"PairDevice">; signature: Hex };
    owner: { message: TypedMessage<"PairDevice">; signature: Hex };
  },
) {
  const d = p.device.message.message;
  return writeContract(client, {
    ...registry(client),
    functionName: "pairWithSignatures",
    args: [
      d.deviceId,
      d.vehicleId,
      d.deadline,
      d.nonce,
      p.device.signature,
      p.owner.message.message.nonce,
      p.owner.signature,
    ],
  });
}

/** Unpairs (caller owns the device or its vehicle). */
export function unpairDevice(client: ProtocolClient, deviceId: bigint) {
  return writeContract(client, { ...registry(client), functionName: "unpair", args: [deviceId] });
}

/** The `UnpairDevice` message an owner signs so a relayer can unpair for them. */
export async function unpairDeviceMessage(
  client: ProtocolReader,
  p: { deviceId: bigint; signer: Address; deadline: bigint },
): Promise<TypedMessage<"UnpairDevice">> {
  const { domain, nonce } = await domainAndNonce(client, p.signer);
  return typedMessage(domain, "UnpairDevice", { deviceId: p.deviceId, nonce, deadline: p.deadline });
}

export function unpairDeviceWithSignature(
  client: ProtocolClient,
  p: { signer: Address; message: TypedMessage<"UnpairDevice">; signature: Hex },
) {
  const m = p.message.message;
  return writeContract(client, {
    ...registry(client),
    functionName: "unpairWithSignature",
    args: [m.deviceId, p.signer, m.nonce, m.deadline, p.signature],
  });
}

/** Sends a device back to its manufacturer (unclaimed again). */
export function returnDeviceToManufacturer(client: ProtocolClient, deviceId: bigint) {
  return writeContract(client, {
    ...registry(client),
    functionName: "returnToManufacturer",
    args: [deviceId],
  });
}

/** Manufacturer: binds an unclaimed device to a new secure-element address (factory reset). */
export async function reprovisionDevice(
  client: ProtocolClient,
  p: { deviceId: bigint; newDeviceAddress: Address },
) {
  const result = await writeContract(client, {
    ...registry(client),
    functionName: "reprovision",
    args: [p.deviceId, p.newDeviceAddress],
  });
  eventOf(result, "DeviceReprovisioned");
  return result;
}

export interface AftermarketDevice {
  tokenId: bigint;
  owner: Address;
  manufacturerId: bigint;
  deviceAddress: Address;
  serial: string;
  claimed: boolean;
  installedAt: bigint;
  vehicleId: bigint;
}

export async function getDevice(client: ProtocolReader, deviceId: bigint): Promise<AftermarketDevice> {
  const [d, owner] = await Promise.all([
    client.publicClient.readContract({ ...registry(client), functionName: "getDevice", args: [deviceId] }),
    client.publicClient.readContract({ ...registry(client), functionName: "ownerOf", args: [deviceId] }),
  ]);
  return {
    tokenId: deviceId,
    owner,
    manufacturerId: d.manufacturerId,
    deviceAddress: d.deviceAddress,
    serial: d.serial,
    claimed: d.claimed,
    installedAt: d.installedAt,
    vehicleId: d.vehicleId,
  };
}

/** Token id bound to a secure-element address (0n when none). */
export function deviceIdByAddress(client: ProtocolReader, deviceAddress: Address): Promise<bigint> {
  return client.publicClient.readContract({
    ...registry(client),
    functionName: "deviceByAddress",
    args: [deviceAddress],
  });
}
