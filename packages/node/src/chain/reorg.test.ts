import { grantPrivileges, issueDevLicense, mintVehicle, pairDevice, unpairDevice } from "@dimo-open/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type IndexerFixture, indexerFixture, recordingLogger } from "./devnet.fixture.ts";

describe("reorgs", () => {
  let fx: IndexerFixture;
  beforeEach(async () => {
    fx = await indexerFixture();
  });
  afterEach(() => fx.close());

  /** A vehicle with a paired device: the state both branches start from. */
  async function commonHistory() {
    const { f } = fx;
    const { tokenId: v1 } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      make: "Ford",
      model: "Focus",
      year: 2018,
      definitionURI: "",
    });
    const d1 = await fx.mintDevice(0, "SN-1");
    await fx.claim(d1, 0, f.alice);
    await pairDevice(f.alice.client, { deviceId: d1, vehicleId: v1 });
    return { v1, d1 };
  }

  /** Changes that the reorg will drop. */
  async function abandonedBranch(v1: bigint, d1: bigint) {
    const { f } = fx;
    await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      make: "Abandoned",
      model: "A",
      year: 2020,
      definitionURI: "",
    });
    await unpairDevice(f.alice.client, d1);
    await grantPrivileges(f.alice.client, {
      tokenId: v1,
      grantee: f.app.address,
      privileges: [1],
      expiration: (await f.now()) + 3600n,
      source: "ipfs://abandoned",
    });
    await issueDevLicense(f.app.client, { alias: "abandoned" });
  }

  const nowMs = async () => Number(await fx.f.now()) * 1000 + 60_000;

  it("undoes the abandoned blocks back to the common ancestor and follows the new chain", async () => {
    const { f } = fx;
    const { v1, d1 } = await commonHistory();
    const logger = recordingLogger();
    const indexer = await fx.indexer(await fx.database(), { logger });
    await indexer.syncToHead();
    const common = await indexer.identity.dump();
    const ancestor = indexer.checkpoint!;

    const snapshot = await fx.snapshot();
    await abandonedBranch(v1, d1);
    await indexer.syncToHead();
    expect((await indexer.identity.getVehicle(2n))?.make).toBe("Abandoned");
    expect(indexer.identity.resolveDevice(fx.deviceKeys[0]!.address, await nowMs())).toMatchObject({
      status: "unpaired",
    });

    // The chain goes back: the checkpoint's block no longer exists.
    await fx.revert(snapshot);
    expect(await indexer.syncOnce()).toEqual({
      kind: "reorg",
      from: expect.any(BigInt),
      to: ancestor.blockNumber,
    });
    expect(indexer.checkpoint).toEqual(ancestor);
    expect(await indexer.identity.dump()).toEqual(common);
    expect(indexer.identity.resolveDevice(fx.deviceKeys[0]!.address, await nowMs())).toMatchObject({
      status: "paired",
      vehicleId: v1,
    });

    // ...and grows another branch over the same heights.
    await mintVehicle(f.bob.client, {
      manufacturerId: f.manufacturerId,
      make: "Canonical",
      model: "C",
      year: 2021,
      definitionURI: "",
    });
    await fx.mine(6);
    await indexer.syncToHead();
    expect(await indexer.identity.getVehicle(2n)).toMatchObject({ make: "Canonical", owner: f.bob.address });
    expect(await indexer.identity.listGrants({ tokenId: v1 })).toEqual([]);
    expect(await indexer.identity.getDevLicense({ alias: "abandoned" })).toBeUndefined();

    // The same heights again, other hashes: detected by the checkpoint's hash alone.
    const snapshot2 = await fx.snapshot();
    await fx.mine(2);
    await indexer.syncToHead();
    await fx.revert(snapshot2);
    await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      make: "Sibling",
      model: "S",
      year: 2022,
      definitionURI: "",
    });
    await fx.mine(1);
    expect((await indexer.syncOnce()).kind).toBe("reorg");
    await indexer.syncToHead();

    const fresh = await fx.indexer(await fx.database());
    await fresh.syncToHead();
    expect(await indexer.identity.dump()).toEqual(await fresh.identity.dump());
    expect(indexer.stats.reorgs).toBe(2);
    expect(logger.records.filter((r) => r.message.includes("common ancestor"))).toHaveLength(2);
  });

  it("rebuilds from the start block when the reorg is deeper than the undo journal", async () => {
    const { v1, d1 } = await commonHistory();
    const logger = recordingLogger();
    const indexer = await fx.indexer(await fx.database(), { logger, reorgHorizon: 1 });
    await indexer.syncToHead();
    const snapshot = await fx.snapshot();
    await abandonedBranch(v1, d1);
    await indexer.syncToHead();
    await fx.revert(snapshot);
    await fx.mine(3);

    expect(await indexer.syncOnce()).toMatchObject({ kind: "reorg", to: undefined });
    expect(indexer.checkpoint).toBeUndefined();
    expect(logger.records.some((r) => r.level === "warn" && r.details.rebuilt === true)).toBe(true);
    await indexer.syncToHead();
    const fresh = await fx.indexer(await fx.database());
    await fresh.syncToHead();
    expect(await indexer.identity.dump()).toEqual(await fresh.identity.dump());
    expect(indexer.identity.resolveDevice(fx.deviceKeys[0]!.address, await nowMs())).toMatchObject({
      status: "paired",
      vehicleId: v1,
    });
  });
});
