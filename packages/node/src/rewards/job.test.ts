import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimReward,
  dimoBalanceOf,
  erc721Did,
  fetchRewardsInputs,
  setManufacturerConnectionClass,
  verifyRewardsWeek,
  WEEK_SECONDS,
} from "@dimo-open/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { type MoneyFixture, moneyFixture } from "../../../../contracts/test/rewardsFixture.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { TelemetryWriter } from "../telemetry/index.ts";
import type { StoredEvent } from "../telemetry/types.ts";
import { DuckDbWeeklyActivity } from "./activity.ts";
import { ProtocolRewardsChainView, type RewardsChainView } from "./chainView.ts";
import { rewardsInputsRoute } from "./http.ts";
import { RewardsJob } from "./job.ts";
import { RewardsInputsStore } from "./store.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

let key = 1n;
/** One stored status event with `speed` samples, as ingest writes it. */
function event(
  f: MoneyFixture,
  chainId: number,
  p: { vehicleId: bigint; deviceId: bigint; atMs: number; speeds: number[]; vin?: string },
): StoredEvent {
  const data = JSON.stringify({
    signals: p.speeds.map((v, i) => ({ timestamp: p.atMs + i * 1000, name: "speed", value: v })),
    vin: p.vin,
  });
  return {
    key: key++,
    id: `evt-${key}`,
    source: "0x0000000000000000000000000000000000000001",
    producer: erc721Did(chainId, f.addresses.aftermarketDeviceId, p.deviceId),
    subject: erc721Did(chainId, f.addresses.vehicleId, p.vehicleId),
    type: "dimo.status",
    specversion: "1.0",
    time: p.atMs,
    dataversion: undefined,
    signer: "0x0000000000000000000000000000000000000002",
    scheme: "v2",
    sequence: undefined,
    receivedAt: p.atMs,
    transport: "http",
    header: "{}",
    data,
    signals: p.speeds.map((v, i) => ({ name: "speed", timestamp: p.atMs + i * 1000, value: v })),
    vehicleEvents: [],
  };
}

async function setup() {
  const f = await moneyFixture();
  const db: NodeDatabase = await openDatabase(":memory:");
  const dir = await mkdtemp(join(tmpdir(), "rewards-"));
  cleanup.push(async () => {
    await db.close();
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });
  const writer = await TelemetryWriter.open(db);
  const activity = new DuckDbWeeklyActivity(await db.connect(), f.addresses);
  const store = await RewardsInputsStore.open(dir);
  const chainId = await f.admin.publicClient.getChainId();
  // The node's HTTP face for the inputs files, on a real socket.
  const route = rewardsInputsRoute(store);
  const server = createServer(async (req, res) => {
    const response = await route(new Request(`http://x${req.url}`), {
      hash: (req.url ?? "").split("/").pop() ?? "",
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const job = (chain: RewardsChainView = new ProtocolRewardsChainView(f.gov)) =>
    new RewardsJob({ client: f.gov, activity, chain, store, publicUrl });
  return { f, writer, activity, store, chainId, job };
}

describe("rewards job", () => {
  it("computes active vehicles from the telemetry store, publishes a verifiable root, and carries streaks", async () => {
    const { f, writer, store, chainId, job } = await setup();
    await setManufacturerConnectionClass(f.gov, { manufacturerId: f.manufacturerId, connectionClass: 1 });
    const A = await f.installDevice(f.alice);
    const B = await f.installDevice(f.bob);
    const C = await f.installDevice(f.bob);
    const week0 = Number(f.genesis) * 1000 + 3_600_000;
    await writer.write([
      // A: changing speed, with its VIN: active.
      event(f, chainId, { ...A, atMs: week0, speeds: [10, 20, 30], vin: "1ftfw1e50pfa00001" }),
      // B: the same value all week: constant, not active.
      event(f, chainId, { ...B, atMs: week0, speeds: [0, 0, 0], vin: "2T1BURHE0JC000002" }),
      // C: active, but reporting A's VIN: a duplicate, A (lower id) earns.
      event(f, chainId, { ...C, atMs: week0 + 60_000, speeds: [5, 6], vin: "1FTFW1E50PFA00001" }),
      // Before genesis: ignored.
      event(f, chainId, { ...B, atMs: Number(f.genesis) * 1000 - 10_000, speeds: [1, 2] }),
    ]);
    expect(await job().runOnce()).toEqual([]); // week 0 is not over yet

    await f.mineAt(f.genesis + BigInt(WEEK_SECONDS) + 10n);
    const [published] = await job().runOnce();
    expect(published).toMatchObject({ week: 0, published: true, vehicles: 3 });
    const bytes = (await store.get(published!.inputsHash))!;
    const inputs = JSON.parse(new TextDecoder().decode(bytes));
    const line = (id: bigint) =>
      inputs.vehicles.find((v: { vehicleId: string }) => v.vehicleId === id.toString());
    expect(line(A.vehicleId)).toMatchObject({
      active: true,
      points: 6000,
      deviceClass: 1,
      duplicateOf: null,
    });
    expect(line(B.vehicleId)).toMatchObject({ active: false, points: 0 });
    expect(line(C.vehicleId)).toMatchObject({ active: true, points: 0, duplicateOf: A.vehicleId.toString() });
    expect(inputs.total).toBe((1_105_000n * 10n ** 18n).toString());

    // Anyone can fetch the file from the node and recompute the root.
    const route = rewardsInputsRoute(store);
    const served = await route(new Request("http://x"), { hash: published!.inputsHash });
    expect(served.headers.get("etag")).toBe(`"${published!.inputsHash}"`);
    const fetched = await fetchRewardsInputs(f.gov, 0n);
    expect(fetched).toEqual(new Uint8Array(await served.arrayBuffer()));
    const report = await verifyRewardsWeek(f.gov, { inputs: fetched, checkIdentities: true });
    expect(report).toMatchObject({ ok: true, identitiesChecked: 1 });
    expect((await route(new Request("http://x"), { hash: `0x${"0".repeat(64)}` })).status).toBe(404);
    expect((await route(new Request("http://x"), { hash: "../etc/passwd" })).status).toBe(400);

    // A claims with the proof the node keeps.
    await f.increaseTime(3_601);
    const before = await dimoBalanceOf(f.gov, f.alice.address);
    await claimReward(f.money(f.alice), (await job().claimOf(0, A.vehicleId))!);
    expect(await dimoBalanceOf(f.gov, f.alice.address)).toBe(before + 1_105_000n * 10n ** 18n);

    // Week 1: A again (streak 2); B silent. Restarting the job publishes nothing twice.
    await writer.write([event(f, chainId, { ...A, atMs: week0 + WEEK_SECONDS * 1000, speeds: [1, 2] })]);
    await f.mineAt(f.genesis + BigInt(2 * WEEK_SECONDS) + 10n);
    const [w1] = await job().runOnce();
    expect(w1).toMatchObject({ week: 1 });
    expect(await job().runOnce()).toEqual([]);
    const w1inputs = JSON.parse(new TextDecoder().decode((await store.get(w1!.inputsHash))!));
    expect(w1inputs.previousInputsHash).toBe(published!.inputsHash);
    expect(
      w1inputs.vehicles.find((v: { vehicleId: string }) => v.vehicleId === A.vehicleId.toString()),
    ).toMatchObject({
      connectionStreak: 2,
      level: 1,
    });
    const w1report = await verifyRewardsWeek(f.gov, {
      inputs: (await store.get(w1!.inputsHash))!,
      previousInputs: bytes,
    });
    expect(w1report).toMatchObject({ ok: true, streaksRecomputed: true });
  }, 30_000);

  it("does not count data from a banned device", async () => {
    const { f, writer, chainId, job } = await setup();
    const A = await f.installDevice(f.alice);
    await writer.write([event(f, chainId, { ...A, atMs: Number(f.genesis) * 1000 + 1000, speeds: [1, 2] })]);
    await f.mineAt(f.genesis + BigInt(WEEK_SECONDS) + 10n);
    const real = new ProtocolRewardsChainView(f.gov);
    // The ban list lives in the hardware contracts; here the port answers "banned" for A's device.
    const banned: RewardsChainView = {
      connectionPoints: (b) => real.connectionPoints(b),
      payee: (v, d, b) => real.payee(v, d, b),
      device: async (d, b) => ({ ...(await real.device(d, b)), banned: d === A.deviceId }),
    };
    const [published] = await job(banned).runOnce();
    expect(published).toMatchObject({ total: 0n, vehicles: 1 });
  }, 30_000);
});
