import { mintVehicle } from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IndexerFixture, indexerFixture, testSources } from "../chain/devnet.fixture.ts";
import { type Lifecycle, runLifecycle } from "../chain/lifecycle.fixture.ts";
import { InvalidIdentityQueryError } from "./errors.ts";
import type { IdentityIndex } from "./identityIndex.ts";
import type { DeviceDirectory } from "./types.ts";

describe("identity index reads", () => {
  let fx: IndexerFixture;
  let life: Lifecycle;
  let index: IdentityIndex;
  const extra: bigint[] = [];

  beforeAll(async () => {
    fx = await indexerFixture();
    life = await runLifecycle(fx);
    for (const model of ["A", "B", "C"]) {
      const { tokenId } = await mintVehicle(fx.f.alice.client, {
        manufacturerId: fx.f.manufacturerId,
        make: "Kia",
        model,
        year: 2024,
        definitionURI: "",
      });
      extra.push(tokenId);
    }
    const indexer = await fx.indexer(await fx.database(), { sources: testSources(fx, { vehicleMinted: 0 }) });
    await indexer.syncToHead();
    index = indexer.identity;
  });
  afterAll(() => fx.close());

  const ids = (nodes: { tokenId: bigint }[]) => nodes.map((n) => n.tokenId);

  it("pages vehicles newest first with Relay cursors, forwards and backwards", async () => {
    const { v1, v2, v3 } = life.vehicles;
    const all = [...extra].reverse().concat([v3, v2, v1]);
    const everything = await index.listVehicles();
    expect(ids(everything.nodes)).toEqual(all);
    expect(everything.totalCount).toBe(6);

    const first = await index.listVehicles({ first: 2 });
    expect(ids(first.nodes)).toEqual(all.slice(0, 2));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.endCursor).toBe(first.cursors[1]);
    const second = await index.listVehicles({ first: 2, after: first.pageInfo.endCursor });
    expect(ids(second.nodes)).toEqual(all.slice(2, 4));
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const rest = await index.listVehicles({ first: 10, after: second.pageInfo.endCursor });
    expect(ids(rest.nodes)).toEqual(all.slice(4));
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(rest.totalCount).toBe(6);

    const last = await index.listVehicles({ last: 2 });
    expect(ids(last.nodes)).toEqual(all.slice(4));
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = await index.listVehicles({ last: 2, before: last.pageInfo.startCursor });
    expect(ids(before.nodes)).toEqual(all.slice(2, 4));
    expect(before.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect((await index.listVehicles({ first: 0 })).nodes).toEqual([]);
  });

  it("filters vehicles by owner, manufacturer, make, model, year and in-force grants", async () => {
    const { f } = fx;
    const { v1, v2, v3 } = life.vehicles;
    expect(ids((await index.listVehicles({ owner: f.bob.address })).nodes)).toEqual([v3, v1]);
    expect(
      ids((await index.listVehicles({ owner: f.bob.address.toLowerCase() as `0x${string}` })).nodes),
    ).toEqual([v3, v1]);
    expect((await index.listVehicles({ owner: f.alice.address })).totalCount).toBe(4);
    expect(ids((await index.listVehicles({ make: "Ford", year: 2022 })).nodes)).toEqual([v3, v1]);
    expect(ids((await index.listVehicles({ model: "Model 3" })).nodes)).toEqual([v2]);
    expect((await index.listVehicles({ manufacturerId: f.manufacturerId })).totalCount).toBe(6);
    expect((await index.listVehicles({ manufacturerId: 99n })).totalCount).toBe(0);

    // The app's grants: v1's voided by the transfer, v2's by the template's deactivation.
    expect(ids((await index.listVehicles({ privileged: f.app.address })).nodes)).toEqual([v3]);
    const short = (await index.getGrant({ tokenId: v2, grantee: life.expiredGrantee }))!;
    const justBefore = new Date(Number(short.expiresAt - 1n) * 1000);
    expect(
      ids((await index.listVehicles({ privileged: life.expiredGrantee, at: justBefore })).nodes),
    ).toEqual([v2]);
    const atExpiry = new Date(Number(short.expiresAt) * 1000);
    expect((await index.listVehicles({ privileged: life.expiredGrantee, at: atExpiry })).totalCount).toBe(0);
  });

  it("lists a vehicle's grants with why each is or is not in force", async () => {
    const { f } = fx;
    const { v1, v2, v3 } = life.vehicles;
    // The fixture's chain runs ahead of the wall clock: judge expiry at chain time.
    const now = new Date(Number(await f.now()) * 1000);
    const v2Grants = await index.listGrants({ tokenId: v2, at: now });
    expect(v2Grants.map((g) => [g.grantee, g.status])).toEqual(
      expect.arrayContaining([
        [f.app.address, "template_revoked"],
        [life.expiredGrantee, "expired"],
      ]),
    );
    const fromTemplate = v2Grants.find((g) => g.grantee === f.app.address)!;
    expect(fromTemplate).toMatchObject({
      templateId: life.templateId,
      privileges: [1, 6],
      source: "ipfs://template",
    });
    expect((await index.getGrant({ tokenId: v1, grantee: f.app.address, at: now }))?.status).toBe(
      "asset_transferred",
    );
    const v3Grant = (await index.getGrant({ tokenId: v3, grantee: f.app.address, at: now }))!;
    expect(v3Grant).toMatchObject({
      status: "active",
      privileges: [1, 2, 3, 4, 5, 6, 7, 8],
      grantor: f.bob.address,
      asset: f.addresses.vehicleId,
      templateId: undefined,
    });
    // Expiry is judged at the time asked for.
    const later = new Date(Number(v3Grant.expiresAt) * 1000);
    expect((await index.getGrant({ tokenId: v3, grantee: f.app.address, at: later }))?.status).toBe(
      "expired",
    );
    expect(await index.getGrant({ tokenId: v3, grantee: f.bob.address })).toBeUndefined();
    expect(await index.listGrants({ tokenId: life.vehicles.burned })).toEqual([]);
  });

  it("finds devices by token id, address and serial, and lists them by owner and manufacturer", async () => {
    const { f } = fx;
    const { d1, d2, d3 } = life.devices;
    const byId = await index.getDevice({ tokenId: d1 });
    expect(byId).toMatchObject({
      address: fx.deviceKeys[0]!.address,
      serial: "SN-1",
      vehicleId: life.vehicles.v2,
    });
    expect(await index.getDevice({ address: fx.deviceKeys[0]!.address })).toEqual(byId);
    expect(await index.getDevice({ serial: "SN-1" })).toEqual(byId);
    expect(await index.getDevice({ address: fx.deviceKeys[2]!.address })).toBeUndefined(); // reprovisioned away
    expect(await index.getDevice({ address: fx.deviceKeys[3]!.address })).toMatchObject({
      tokenId: d3,
      claimed: false,
      owner: f.maker.address,
    });
    expect(await index.getDevice({ tokenId: d2 })).toMatchObject({ banned: true, vehicleId: undefined });
    expect(byId?.banned).toBe(false);
    expect(ids((await index.listDevices({ owner: f.alice.address })).nodes)).toEqual([d2, d1]);
    expect((await index.listDevices({ manufacturerId: f.manufacturerId })).totalCount).toBe(3);
    expect(await index.getDevice({ tokenId: 999n })).toBeUndefined();

    expect(await index.listPairings({ deviceId: d1 })).toMatchObject([
      { vehicleId: life.vehicles.v1, unpairedAt: new Date(Number(life.times.d1Unpaired) * 1000) },
      { vehicleId: life.vehicles.v2, unpairedAt: undefined },
    ]);
    expect(await index.listPairings({ vehicleId: life.vehicles.v1 })).toMatchObject([
      { deviceId: d1 },
      { deviceId: d2, unpairedAt: new Date(Number(life.times.v1Transferred) * 1000) },
    ]);
  });

  it("finds manufacturers by name or id and licences by client id, alias or id", async () => {
    const { f } = fx;
    const maker = await index.getManufacturer({ name: "Fixture Devices" });
    expect(maker).toMatchObject({ tokenId: f.manufacturerId, owner: f.maker.address });
    expect(maker?.attributes).toEqual({
      website: "https://fixture.example",
      ban: life.devices.d2.toString(),
    });
    expect(await index.listManufacturers()).toEqual([maker]);
    expect(await index.getManufacturer({ name: "Nobody" })).toBeUndefined();

    const { app } = life.licences;
    const licence = await index.getDevLicense({ clientId: app.clientId });
    expect(licence).toMatchObject({
      tokenId: app.tokenId,
      owner: f.app.address,
      alias: "my-app-2",
      redirectUris: ["https://app.example/callback"],
      signers: [{ address: f.app.address }],
    });
    expect(await index.getDevLicense({ alias: "my-app-2" })).toEqual(licence);
    expect(await index.getDevLicense({ alias: "my-app" })).toBeUndefined();
    expect(await index.getDevLicense({ tokenId: life.licences.bob.tokenId })).toMatchObject({
      alias: undefined,
      signers: [],
      redirectUris: [],
    });
  });

  it("is the DeviceDirectory ingest resolves devices through", () => {
    const directory: DeviceDirectory = index;
    expect(
      directory.resolveDevice(fx.deviceKeys[0]!.address, Number(life.times.d1Repaired) * 1000),
    ).toMatchObject({
      status: "paired",
      vehicleId: life.vehicles.v2,
    });
  });

  it("rejects unusable arguments naming the argument, the value and what it takes", async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ["owner", () => index.listVehicles({ owner: "0x123" as `0x${string}` })],
      ["privileged", () => index.listVehicles({ privileged: "nope" as `0x${string}` })],
      ["first", () => index.listVehicles({ first: 101 })],
      ["first", () => index.listVehicles({ first: -1 })],
      ["last", () => index.listVehicles({ last: 1.5 })],
      ["first/last", () => index.listVehicles({ first: 1, last: 1 })],
      ["after", () => index.listVehicles({ after: "not-a-cursor" })],
      ["before", () => index.listDevices({ last: 1, before: "aWQ6eA" })],
      ["year", () => index.listVehicles({ year: 20.5 })],
      ["at", () => index.listGrants({ tokenId: 1n, at: new Date(Number.NaN) })],
      ["tokenId", () => index.getVehicle(-1n)],
      ["tokenId", () => index.getDevice({ tokenId: 2n ** 64n })],
      ["address", () => index.getDevice({ address: "0xzz" as `0x${string}` })],
      ["make", () => index.listVehicles({ make: "x".repeat(300) })],
    ];
    for (const [argument, run] of cases) {
      const error = await run().catch((e: unknown) => e);
      expect(error, argument).toBeInstanceOf(InvalidIdentityQueryError);
      expect((error as InvalidIdentityQueryError).argument).toBe(argument);
    }
    const error = (await index.listVehicles({ first: 101 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("Invalid first: 101; expected an integer from 0 to 100.");
  });
});
