import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getDevice,
  getDevLicense,
  getGrant,
  getManufacturer,
  isDevLicenseSigner,
  manufacturerIdAbi,
  mintVehicle,
  vehicleIdAbi,
} from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityWriter } from "../identity/writer.ts";
import { type IndexerFixture, indexerFixture, testSources } from "./devnet.fixture.ts";
import { EventHandlerError } from "./errors.ts";
import { defineEventSource } from "./eventSource.ts";
import { type Lifecycle, runLifecycle } from "./lifecycle.fixture.ts";

describe("chain indexer over a protocol lifecycle", () => {
  let fx: IndexerFixture;
  let life: Lifecycle;
  let dir: string;
  const probe = { vehicleMinted: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "indexer-"));
    fx = await indexerFixture();
    life = await runLifecycle(fx);
  });
  afterAll(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("indexes what the chain says about manufacturers, vehicles, devices, grants and licences", async () => {
    const { f } = fx;
    const indexer = await fx.indexer(await fx.database(), { sources: testSources(fx, { vehicleMinted: 0 }) });
    const checkpoint = await indexer.syncToHead();
    expect(checkpoint?.blockNumber).toBe(await fx.head());
    const index = indexer.identity;

    const maker = await getManufacturer(f.admin, f.manufacturerId);
    expect(await index.getManufacturer({ tokenId: f.manufacturerId })).toMatchObject({
      name: maker.name,
      owner: maker.owner,
      attributes: { website: "https://fixture.example" },
    });

    for (const id of Object.values(life.vehicles)) {
      const exists = await f.admin.publicClient.readContract({
        address: f.addresses.vehicleId,
        abi: vehicleIdAbi,
        functionName: "exists",
        args: [id],
      });
      const indexed = await index.getVehicle(id);
      if (!exists) {
        expect(indexed, `burned vehicle ${id}`).toBeUndefined();
        continue;
      }
      const read = (functionName: "ownerOf" | "attributesOf" | "manufacturerOf") =>
        f.admin.publicClient.readContract({
          address: f.addresses.vehicleId,
          abi: vehicleIdAbi,
          functionName,
          args: [id],
        } as never);
      const [owner, attrs, manufacturerId] = (await Promise.all([
        read("ownerOf"),
        read("attributesOf"),
        read("manufacturerOf"),
      ])) as [string, { make: string; model: string; year: number; definitionURI: string }, bigint];
      expect(indexed).toMatchObject({
        owner,
        manufacturerId,
        make: attrs.make,
        model: attrs.model,
        year: attrs.year,
        definitionUri: attrs.definitionURI,
      });
    }
    expect((await index.getVehicle(life.vehicles.v3))?.definitionUri).toBe("ipfs://Mustang-v2");

    for (const id of Object.values(life.devices)) {
      const chain = await getDevice(f.admin, id);
      const indexed = await index.getDevice({ tokenId: id });
      expect(indexed).toMatchObject({
        owner: chain.owner,
        manufacturerId: chain.manufacturerId,
        address: chain.deviceAddress,
        serial: chain.serial,
        claimed: chain.claimed,
        vehicleId: chain.vehicleId === 0n ? undefined : chain.vehicleId,
        installedAt: chain.installedAt === 0n ? undefined : new Date(Number(chain.installedAt) * 1000),
      });
    }
    expect((await index.getVehicle(life.vehicles.v2))?.aftermarketDeviceId).toBe(life.devices.d1);
    expect((await index.getVehicle(life.vehicles.v1))?.aftermarketDeviceId).toBeUndefined();

    // Every grant the index holds agrees with the chain's view of it, status included.
    const at = new Date(Number(await f.now()) * 1000);
    const vehicleIds = [life.vehicles.v1, life.vehicles.v2, life.vehicles.v3];
    const indexed = (
      await Promise.all(vehicleIds.map((tokenId) => index.listGrants({ tokenId, at })))
    ).flat();
    expect(indexed.map((g) => [g.tokenId, g.grantee, g.status])).toEqual(
      expect.arrayContaining([
        [life.vehicles.v1, f.app.address, "asset_transferred"],
        [life.vehicles.v2, f.app.address, "template_revoked"],
        [life.vehicles.v2, life.expiredGrantee, "expired"],
        [life.vehicles.v3, f.app.address, "active"],
      ]),
    );
    expect(indexed).toHaveLength(4); // the renounced and the revoked grant are gone
    for (const g of indexed) {
      const chain = await getGrant(f.admin, { tokenId: g.tokenId, grantee: g.grantee });
      expect(g.status === "active", `${g.tokenId}/${g.grantee}`).toBe(chain.inForce);
      expect(g).toMatchObject({
        permissions: chain.permissions,
        expiresAt: chain.expiration,
        source: chain.source,
        grantor: chain.grantor,
        tokenVersion: chain.tokenVersion,
        templateId: chain.templateId === 0n ? undefined : chain.templateId,
      });
    }

    for (const { tokenId } of Object.values(life.licences)) {
      const chain = await getDevLicense(f.admin, tokenId);
      const licence = await index.getDevLicense({ tokenId });
      expect(licence).toMatchObject({
        owner: chain.owner,
        clientId: chain.clientId,
        alias: chain.alias === "" ? undefined : chain.alias,
      });
      expect([...licence!.redirectUris].sort()).toEqual([...chain.redirectUris].sort());
      for (const signer of licence!.signers) {
        expect(await isDevLicenseSigner(f.admin, { tokenId, signer: signer.address })).toBe(true);
      }
    }
    expect((await index.getDevLicense({ tokenId: life.licences.app.tokenId }))?.signers).toHaveLength(1);
  });

  it("answers resolveDevice by the message's time: pairing changes apply from their block's time", async () => {
    const indexer = await fx.indexer(await fx.database(), { sources: testSources(fx, { vehicleMinted: 0 }) });
    await indexer.syncToHead();
    const index = indexer.identity;
    const { d1, d2, d3 } = life.devices;
    const { v1, v2 } = life.vehicles;
    const t = life.times;
    const ms = (s: bigint) => Number(s) * 1000;
    const key = (i: number) => fx.deviceKeys[i]!.address;
    const m = fx.f.manufacturerId;

    expect(index.resolveDevice(key(0), ms(t.d1Minted) - 1)).toEqual({ status: "unknown" });
    expect(index.resolveDevice(key(0), ms(t.d1Paired) - 1)).toEqual({
      status: "unpaired",
      deviceId: d1,
      manufacturerId: m,
    });
    expect(index.resolveDevice(key(0), ms(t.d1Paired))).toEqual({
      status: "paired",
      deviceId: d1,
      manufacturerId: m,
      vehicleId: v1,
    });
    expect(index.resolveDevice(key(0), ms(t.d1Unpaired) - 1)).toMatchObject({
      status: "paired",
      vehicleId: v1,
    });
    expect(index.resolveDevice(key(0), ms(t.d1Unpaired))).toMatchObject({ status: "unpaired" });
    expect(index.resolveDevice(key(0), ms(t.d1Repaired))).toMatchObject({ status: "paired", vehicleId: v2 });
    expect(
      index.resolveDevice(key(0).toLowerCase() as `0x${string}`, ms(await fx.f.now()) + 86_400_000),
    ).toMatchObject({
      status: "paired",
      vehicleId: v2,
    });

    // d2 is banned: whatever the message time.
    expect(index.resolveDevice(key(1), ms(t.d2Paired))).toEqual({
      status: "banned",
      deviceId: d2,
      manufacturerId: m,
    });

    // d3 was reprovisioned: its old key speaks for it only until then, the new one from then on.
    expect(index.resolveDevice(key(2), ms(t.d3Reprovisioned) - 1)).toMatchObject({
      status: "unpaired",
      deviceId: d3,
    });
    expect(index.resolveDevice(key(2), ms(t.d3Reprovisioned))).toEqual({ status: "unknown" });
    expect(index.resolveDevice(key(3), ms(t.d3Reprovisioned))).toMatchObject({
      status: "unpaired",
      deviceId: d3,
    });
    expect(index.resolveDevice(key(3), ms(t.d3Reprovisioned) - 1)).toEqual({ status: "unknown" });

    expect(index.resolveDevice(key(8), ms(t.d1Paired))).toEqual({ status: "unknown" });
    expect(index.resolveDevice(key(0), Number.NaN)).toEqual({ status: "unknown" });
  });

  it("rebuilds an identical index from the logs alone, whatever the batch size", async () => {
    const sources = testSources(fx, { vehicleMinted: 0 });
    const first = await fx.indexer(await fx.database(), { sources });
    await first.syncToHead();
    const second = await fx.indexer(await fx.database(), { sources, maxBlockRange: 3 });
    await second.syncToHead();
    expect(second.stats.batches).toBeGreaterThan(first.stats.batches);
    const dump = await first.identity.dump();
    // Every table the lifecycle fills has rows (DimoRewards is not deployed here: its tables are
    // covered by identity/rewards.test.ts).
    const filled = Object.entries(dump).filter(([table]) => !table.startsWith("identity_reward_"));
    expect(filled.every(([, rows]) => rows.length > 0)).toBe(true);
    expect(await second.identity.dump()).toEqual(dump);
    // The in-memory view agrees too.
    const at = Number(life.times.d2Paired) * 1000;
    for (const key of fx.deviceKeys.slice(0, 4)) {
      expect(second.identity.resolveDevice(key.address, at)).toEqual(
        first.identity.resolveDevice(key.address, at),
      );
    }
  });

  it("resumes from its checkpoint after a restart without applying any event twice", async () => {
    const path = join(dir, "node.duckdb");
    let db = await fx.database(path);
    const sources = testSources(fx, probe);
    const first = await fx.indexer(db, { sources });
    const checkpoint = await first.syncToHead();
    expect(probe.vehicleMinted).toBe(4);
    const dump = await first.identity.dump();
    await db.close();

    db = await fx.database(path);
    const second = await fx.indexer(db, { sources });
    expect(second.checkpoint).toEqual(checkpoint);
    // The device timeline is back in memory before any poll.
    expect(
      second.identity.resolveDevice(fx.deviceKeys[0]!.address, Number(await fx.f.now()) * 1000),
    ).toMatchObject({
      status: "paired",
      vehicleId: life.vehicles.v2,
    });
    await second.syncToHead();
    expect(second.stats.handlerCalls).toBe(0);
    expect(probe.vehicleMinted).toBe(4);
    expect(await second.identity.dump()).toEqual(dump);

    const { tokenId } = await mintVehicle(fx.f.alice.client, {
      manufacturerId: fx.f.manufacturerId,
      make: "Kia",
      model: "EV6",
      year: 2024,
      definitionURI: "",
    });
    await second.syncToHead();
    expect(probe.vehicleMinted).toBe(5);
    expect((await second.identity.getVehicle(tokenId))?.model).toBe("EV6");
  });

  it("applies a batch whole or not at all: a failing handler rolls back every change of it", async () => {
    const db = await fx.database();
    let fail = true;
    const flaky = defineEventSource<typeof manufacturerIdAbi, IdentityWriter>({
      name: "flaky",
      address: fx.f.addresses.manufacturerId,
      abi: manufacturerIdAbi,
      handlers: {
        ManufacturerAttributeSet: (e) => {
          if (fail && e.args.key === "ban") throw new Error("handler broke");
        },
      },
    });
    const indexer = await fx.indexer(db, { sources: [flaky] });
    const error = await indexer.syncOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventHandlerError);
    expect((error as EventHandlerError).message).toMatch(/flaky\.ManufacturerAttributeSet .* handler broke/);
    expect(indexer.checkpoint).toBeUndefined();
    const dump = await indexer.identity.dump();
    expect(Object.values(dump).every((rows) => rows.length === 0)).toBe(true);
    expect(
      indexer.identity.resolveDevice(fx.deviceKeys[0]!.address, Number(await fx.f.now()) * 1000),
    ).toEqual({ status: "unknown" });

    fail = false;
    await indexer.syncToHead();
    expect((await indexer.identity.getVehicle(life.vehicles.v2))?.make).toBe("Tesla");
  });
});
