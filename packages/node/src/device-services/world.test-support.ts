/**
 * Test support: a devnet with the protocol, devices minted by the fixture's maker (keys derived at
 * run time from the development mnemonic), vehicles minted and paired by alice, the node's
 * database with the chain index synced — the real components the device services run on.
 */
import {
  claimDevice,
  claimDeviceMessage,
  mintDevices,
  mintVehicle,
  pairDevice,
  signTypedMessage,
} from "@dimo-open/protocol";
import { privateKeySigner } from "@dimo-open/stream";
import type { Address, PrivateKeyAccount } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { type Fixture, protocolFixture } from "../../../../contracts/test/fixture.ts";
import { ChainIndexer } from "../chain/index.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { IdentityIndex } from "../identity/index.ts";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** A development private key: m/44'/60'/0'/0/<index> (derived at run time, never stored). */
export function devKey(index: number): `0x${string}` {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!;
  return `0x${Buffer.from(key).toString("hex")}`;
}

export function devAccount(index: number): PrivateKeyAccount {
  return privateKeyToAccount(devKey(index));
}

export interface VehicleSpec {
  make: string;
  model: string;
  year: number;
  definitionURI?: string;
}

export interface WorldDevice {
  key: PrivateKeyAccount;
  signer: ReturnType<typeof privateKeySigner>;
  address: Address;
  deviceId: bigint;
  vehicleId: bigint | undefined;
}

export interface DeviceWorld {
  f: Fixture;
  chainId: number;
  db: NodeDatabase;
  identity: IdentityIndex;
  indexer: ChainIndexer;
  devices: WorldDevice[];
  /** Chain time (ms) of the latest block. */
  chainNowMs(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Mints one device per entry of `vehicles` (keys at mnemonic index `keyBase + i`) and, for every
 * entry that is not null, mints that vehicle for alice and pairs the device with it.
 */
export async function startDeviceWorld(
  vehicles: (VehicleSpec | null)[],
  o: { keyBase?: number; db?: NodeDatabase } = {},
): Promise<DeviceWorld> {
  const f = await protocolFixture();
  const chainId = f.devnet.chainId;
  const keys = vehicles.map((_, i) => devAccount((o.keyBase ?? 500) + i));
  const { tokenIds } = await mintDevices(f.maker.client, {
    manufacturerId: f.manufacturerId,
    devices: keys.map((k, i) => ({ deviceAddress: k.address, serial: `SN-${i}` })),
  });
  const devices: WorldDevice[] = [];
  for (const [i, spec] of vehicles.entries()) {
    const key = keys[i]!;
    const deviceId = tokenIds[i]!;
    let vehicleId: bigint | undefined;
    if (spec) {
      const message = await claimDeviceMessage(f.alice.client, {
        deviceId,
        deviceAddress: key.address,
        owner: f.alice.address,
        deadline: (await f.now()) + 100_000n,
      });
      await claimDevice(f.alice.client, message, await signTypedMessage(key, message));
      ({ tokenId: vehicleId } = await mintVehicle(f.alice.client, {
        manufacturerId: f.manufacturerId,
        make: spec.make,
        model: spec.model,
        year: spec.year,
        definitionURI: spec.definitionURI ?? "",
      }));
      await pairDevice(f.alice.client, { deviceId, vehicleId });
    }
    devices.push({
      key,
      signer: privateKeySigner(devKey((o.keyBase ?? 500) + i)),
      address: key.address,
      deviceId,
      vehicleId,
    });
  }
  const db = o.db ?? (await openDatabase(":memory:"));
  const identity = await IdentityIndex.open(db, f.addresses);
  const indexer = await ChainIndexer.create({
    client: f.admin.publicClient,
    addresses: f.addresses,
    db,
    identity,
  });
  await indexer.syncToHead();
  return {
    f,
    chainId,
    db,
    identity,
    indexer,
    devices,
    chainNowMs: async () => Number(await f.now()) * 1000,
    async close() {
      await indexer.stop();
      await db.close();
      await f.close();
    },
  };
}
