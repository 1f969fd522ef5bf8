import { deployProtocol, mintManufacturer, mintVehicle, type ProtocolClient } from "@dimo-open/protocol";
import { devnetClients, type RunningDevnet, startDevnet } from "@dimo-open/protocol/devnet";
import { pino } from "pino";
import { createPublicClient, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { ChainIndexer } from "./indexer.ts";

describe("indexing over HTTP JSON-RPC", () => {
  let devnet: RunningDevnet;
  let db: NodeDatabase;
  let owner: ProtocolClient;
  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, accounts: 2, initialTimestamp: 1_800_000_000 });
    const { publicClient, walletClients } = devnetClients(devnet);
    const bootstrap = { publicClient, walletClient: walletClients[0]! } as unknown as ProtocolClient;
    const addresses = await deployProtocol(bootstrap);
    owner = { ...bootstrap, addresses };
    db = await openDatabase(":memory:");
  });
  afterAll(async () => {
    await db.close();
    await devnet.close();
  });

  it("follows a chain served at a URL, reorgs included", async () => {
    const { tokenId: manufacturerId } = await mintManufacturer(owner, {
      name: "Over HTTP",
      owner: owner.walletClient.account.address,
    });
    const car = { manufacturerId, make: "Volvo", model: "EX30", year: 2025, definitionURI: "" };
    await mintVehicle(owner, car);
    const client = createPublicClient({ transport: http(devnet.rpcUrl, { batch: true, retryCount: 0 }) });
    // A pino logger is what a node passes (its signature is the indexer's logger type).
    const logger = pino({ level: "silent" });
    const indexer = await ChainIndexer.create({
      client: client as PublicClient,
      addresses: owner.addresses,
      db,
      logger,
    });
    await indexer.syncToHead();
    expect(await indexer.identity.getManufacturer({ name: "Over HTTP" })).toMatchObject({
      tokenId: manufacturerId,
    });
    expect((await indexer.identity.getVehicle(1n))?.model).toBe("EX30");

    const snapshot = (await devnet.provider.request({ method: "evm_snapshot", params: [] })) as string;
    await mintVehicle(owner, { ...car, model: "Dropped" });
    await indexer.syncToHead();
    expect((await indexer.identity.getVehicle(2n))?.model).toBe("Dropped");
    await devnet.provider.request({ method: "evm_revert", params: [snapshot] });
    await mintVehicle(owner, { ...car, model: "Kept" });
    await indexer.syncToHead();
    expect(indexer.stats.reorgs).toBe(1);
    expect((await indexer.identity.getVehicle(2n))?.model).toBe("Kept");
  });
});
