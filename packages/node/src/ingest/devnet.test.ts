/**
 * Ingest against a real pairing on the in-process devnet: the protocol is deployed, a device is
 * minted, claimed by its owner with the device's signature and paired with the owner's vehicle;
 * the DeviceDirectory answers from what the chain says (getDevice), and the event's DIDs use
 * the deployed contracts. Unpairing on chain makes the same device's next event refused.
 */
import {
  claimDevice,
  claimDeviceMessage,
  deployProtocol,
  deviceIdByAddress,
  getDevice,
  mintDevices,
  mintManufacturer,
  mintVehicle,
  type ProtocolAddresses,
  type ProtocolClient,
  pairDevice,
  signTypedMessage,
  unpairDevice,
} from "@dimo-open/protocol";
import { createDevnetProvider, deriveDevnetAccounts, devnetChain } from "@dimo-open/protocol/devnet";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import type { DeviceDirectory, DeviceResolution } from "../identity/types.ts";
import { encode, signV2, statusEvent, testDevice } from "./__fixtures__/devices.ts";
import { createIngest, type Ingest } from "./ingest.ts";

/** The chain's answer for one device, read once (what the indexer would have indexed). */
async function resolveOnChain(client: ProtocolClient, address: Address): Promise<DeviceResolution> {
  const deviceId = await deviceIdByAddress(client, address);
  if (deviceId === 0n) return { status: "unknown" };
  const d = await getDevice(client, deviceId);
  return d.vehicleId === 0n
    ? { status: "unpaired", deviceId, manufacturerId: d.manufacturerId }
    : { status: "paired", deviceId, manufacturerId: d.manufacturerId, vehicleId: d.vehicleId };
}

describe("ingest with a device paired on the devnet", () => {
  const device = testDevice(60);
  let devnet: Awaited<ReturnType<typeof createDevnetProvider>>;
  let owner: ProtocolClient;
  let addresses: ProtocolAddresses;
  let chainId: number;
  let vehicleId: bigint;
  let deviceId: bigint;
  let db: NodeDatabase;
  const resolutions = new Map<string, DeviceResolution>();
  const directory: DeviceDirectory = {
    resolveDevice: (address) => resolutions.get(address.toLowerCase()) ?? { status: "unknown" },
  };
  let ingest: Ingest;

  beforeAll(async () => {
    devnet = await createDevnetProvider({ accounts: 4, hardfork: "cancun" });
    chainId = devnet.chainId;
    const chain = devnetChain({ chainId });
    const transport = custom(devnet, { retryCount: 0 });
    const publicClient = createPublicClient({
      chain,
      transport,
      pollingInterval: 20,
      cacheTime: 0,
    }) as PublicClient;
    const [adminKey, makerKey, ownerKey] = deriveDevnetAccounts(undefined, 3) as unknown as LocalAccount[];
    const clientFor = (account: LocalAccount, a: ProtocolAddresses): ProtocolClient => ({
      publicClient,
      walletClient: createWalletClient({ chain, transport, account, pollingInterval: 20, cacheTime: 0 }),
      addresses: a,
    });
    addresses = await deployProtocol(clientFor(adminKey!, {} as ProtocolAddresses));
    const admin = clientFor(adminKey!, addresses);
    const maker = clientFor(makerKey!, addresses);
    owner = clientFor(ownerKey!, addresses);
    const { tokenId: manufacturerId } = await mintManufacturer(admin, {
      name: "Ingest Test Devices",
      owner: makerKey!.address,
    });
    [deviceId] = (await mintDevices(maker, { manufacturerId, devices: [{ deviceAddress: device.address }] }))
      .tokenIds as [bigint];
    ({ tokenId: vehicleId } = await mintVehicle(owner, {
      manufacturerId,
      make: "Toyota",
      model: "RAV4",
      year: 2021,
      definitionURI: "ipfs://toyota-rav4-2021",
    }));
    const now = (await publicClient.getBlock()).timestamp;
    const claim = await claimDeviceMessage(owner, {
      deviceId,
      deviceAddress: device.address,
      owner: ownerKey!.address,
      deadline: now + 600n,
    });
    await claimDevice(owner, claim, await signTypedMessage(privateKeyToAccount(device.privateKey), claim));
    await pairDevice(owner, { deviceId, vehicleId });
    resolutions.set(device.address.toLowerCase(), await resolveOnChain(owner, device.address));

    db = await openDatabase(":memory:");
    ingest = createIngest({
      db,
      directory,
      chainId,
      vehiclesContract: addresses.vehicleId,
      devicesContract: addresses.aftermarketDeviceId,
    });
    await ingest.start();
  }, 60_000);
  afterAll(async () => {
    await ingest?.stop();
    await db?.close();
    await devnet?.close();
  });

  const dids = () => ({
    producer: `did:erc721:${chainId}:${addresses.aftermarketDeviceId}:${deviceId}`,
    subject: `did:erc721:${chainId}:${addresses.vehicleId}:${vehicleId}`,
  });

  it("accepts the device's event for the vehicle it is paired with on chain", async () => {
    expect(resolutions.get(device.address.toLowerCase())).toMatchObject({
      status: "paired",
      deviceId,
      vehicleId,
    });
    const event = await signV2({ ...statusEvent(device, { sequence: 1n }), ...dids() }, device);
    expect(await ingest.submit(encode(event), { transport: "http" })).toMatchObject({
      status: "accepted",
      subject: dids().subject,
    });
  });

  it("refuses the device's events once it is unpaired on chain", async () => {
    await unpairDevice(owner, deviceId);
    resolutions.set(device.address.toLowerCase(), await resolveOnChain(owner, device.address));
    const event = await signV2({ ...statusEvent(device, { sequence: 2n }), ...dids() }, device);
    expect(await ingest.submit(encode(event), { transport: "http" })).toMatchObject({
      status: "rejected",
      reason: "unpaired_device",
    });
  });
});
