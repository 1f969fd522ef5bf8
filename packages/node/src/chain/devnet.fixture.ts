/**
 * Test support: a devnet with the protocol deployed (contracts/test/fixture.ts), device keys
 * derived from the devnet mnemonic, and indexers over fresh databases.
 */
import {
  claimDevice,
  claimDeviceMessage,
  manufacturerIdAbi,
  mintDevices,
  signTypedMessage,
  vehicleIdAbi,
} from "@dimo-open/protocol";
import { deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import type { HDAccount, Hex, TransactionReceipt } from "viem";
import { type Actor, type Fixture, protocolFixture } from "../../../../contracts/test/fixture.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import type { IdentityWriter } from "../identity/writer.ts";
import { defineEventSource, type EventSource } from "./eventSource.ts";
import { ChainIndexer, type ChainIndexerOptions } from "./indexer.ts";
import type { IndexerLogger } from "./logger.ts";

export interface IndexerFixture {
  f: Fixture;
  /** Secure-element keys of test devices (devnet mnemonic, indices 10..19). */
  deviceKeys: HDAccount[];
  /** Fresh in-memory databases, closed by `close`. */
  database(path?: string): Promise<NodeDatabase>;
  indexer(db: NodeDatabase, options?: Partial<ChainIndexerOptions>): Promise<ChainIndexer>;
  mintDevice(key: number, serial: string): Promise<bigint>;
  claim(deviceId: bigint, key: number, who: Actor): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  mine(blocks?: number): Promise<void>;
  head(): Promise<bigint>;
  timeOf(receipt: TransactionReceipt): Promise<bigint>;
  close(): Promise<void>;
}

export async function indexerFixture(): Promise<IndexerFixture> {
  const f = await protocolFixture();
  const deviceKeys = deriveDevnetAccounts(undefined, 20).slice(10);
  const databases: NodeDatabase[] = [];
  const indexers: ChainIndexer[] = [];
  const rpc = (method: string, params: unknown[] = []) => f.devnet.request({ method, params } as never);
  return {
    f,
    deviceKeys,
    async database(path = ":memory:") {
      const db = await openDatabase(path);
      databases.push(db);
      return db;
    },
    async indexer(db, options = {}) {
      const indexer = await ChainIndexer.create({
        client: f.admin.publicClient,
        addresses: f.addresses,
        db,
        ...options,
      });
      indexers.push(indexer);
      return indexer;
    },
    async mintDevice(key, serial) {
      const { tokenIds } = await mintDevices(f.maker.client, {
        manufacturerId: f.manufacturerId,
        devices: [{ deviceAddress: deviceKeys[key]!.address, serial }],
      });
      return tokenIds[0]!;
    },
    async claim(deviceId, key, who) {
      const msg = await claimDeviceMessage(who.client, {
        deviceId,
        deviceAddress: deviceKeys[key]!.address,
        owner: who.address,
        deadline: (await f.now()) + 600n,
      });
      await claimDevice(who.client, msg, await signTypedMessage(deviceKeys[key]!, msg));
    },
    snapshot: async () => (await rpc("evm_snapshot")) as Hex,
    async revert(id) {
      await rpc("evm_revert", [id]);
    },
    async mine(blocks = 1) {
      for (let i = 0; i < blocks; i++) await rpc("evm_mine");
    },
    head: () => f.admin.publicClient.getBlockNumber({ cacheTime: 0 }),
    async timeOf(receipt) {
      return (await f.admin.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    },
    async close() {
      for (const indexer of indexers) await indexer.stop();
      for (const db of databases) await db.close();
      await f.close();
    },
  };
}

/**
 * Extra event sources as a later contract would register them: a ban list driven by manufacturer
 * attributes (`ban` / `unban` = device id), and a probe counting the VehicleMinted events applied.
 */
export function testSources(
  fx: IndexerFixture,
  probe: { vehicleMinted: number },
): EventSource<IdentityWriter>[] {
  return [
    defineEventSource<typeof manufacturerIdAbi, IdentityWriter>({
      name: "testBans",
      address: fx.f.addresses.manufacturerId,
      abi: manufacturerIdAbi,
      handlers: {
        ManufacturerAttributeSet: (e, w) => {
          if (e.args.key === "ban")
            return w.banDevice({ deviceId: BigInt(e.args.value), reason: "test ban" });
          if (e.args.key === "unban") return w.unbanDevice({ deviceId: BigInt(e.args.value) });
        },
      },
    }),
    defineEventSource<typeof vehicleIdAbi, IdentityWriter>({
      name: "testProbe",
      address: fx.f.addresses.vehicleId,
      abi: vehicleIdAbi,
      handlers: {
        VehicleMinted: () => {
          probe.vehicleMinted++;
        },
      },
    }),
  ];
}

/** A logger that keeps what it is told, for assertions. */
export function recordingLogger(): IndexerLogger & {
  records: { level: string; details: Record<string, unknown>; message: string }[];
} {
  const records: { level: string; details: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (details: Record<string, unknown>, message: string) => {
    records.push({ level, details, message });
  };
  return { records, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
