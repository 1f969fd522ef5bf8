/**
 * The performance service against real components: a devnet with the hardware layer (licensed
 * maker, certified model, installed devices), the chain index, the ingest pipeline with its
 * DuckDB store, and the settlement's DeviceStakeJob filing reports on chain. Simulated devices
 * sign real events and send them through the ingest's public API at accelerated time: four days
 * in ten-minute steps.
 */
import { erc721Did, getDeviceVesting, mintLicensedDevices } from "@dimo-open/protocol";
import { jsonCodec, privateKeySigner, signDeviceEvent } from "@dimo-open/stream";
import type { Address, PrivateKeyAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HardwareFixture, hardwareFixture } from "../../../../../contracts/test/hardwareFixture.ts";
import { SerialConnection } from "../../api/sql.ts";
import { KeyRing } from "../../auth/keyRing.ts";
import { ChainIndexer } from "../../chain/index.ts";
import { type NodeDatabase, openDatabase } from "../../db/database.ts";
import { IdentityIndex } from "../../identity/index.ts";
import { createIngest, type Ingest } from "../../ingest/index.ts";
import { DeviceStakeJob } from "../../settlement/index.ts";
import { sha256Hex } from "../config/documents.ts";
import { createDeviceServicesHandler } from "../index.ts";
import { devKey } from "../world.test-support.ts";
import { ChainDeviceCatalog } from "./catalog.ts";
import { PerformanceEvidence } from "./evidence.ts";
import type { DeviceHealth } from "./model.ts";
import { observeIngest } from "./observe-ingest.ts";
import { DevicePerformance } from "./performance.ts";
import { apiTokenAuthenticator } from "./routes.ts";
import { TelemetryFeed } from "./telemetry-feed.ts";

const HOUR = 3_600_000;
const STEP = 10 * 60_000;
const DAYS = 4;
const ISSUER = "http://node.test";

type Behaviour =
  | "healthy"
  | "dropout"
  | "clock-behind"
  | "clock-ahead"
  | "garbage"
  | "bad-signature"
  | "unplugged";
const FLEET: Behaviour[] = [
  "healthy",
  "healthy",
  "healthy",
  "dropout",
  "clock-behind",
  "clock-ahead",
  "garbage",
  "bad-signature",
  "unplugged",
];

interface SimDevice {
  behaviour: Behaviour;
  key: PrivateKeyAccount;
  signer: ReturnType<typeof privateKeySigner>;
  deviceId: bigint;
  vehicleId: bigint;
  sequence: bigint;
  lastSent: number;
}

let f: HardwareFixture;
let db: NodeDatabase;
let identity: IdentityIndex;
let indexer: ChainIndexer;
let ingest: Ingest;
let performance: DevicePerformance;
let feed: TelemetryFeed;
let evidence: PerformanceEvidence;
let keys: KeyRing;
let handler: ReturnType<typeof createDeviceServicesHandler>;
let chainId: number;
const fleet: SimDevice[] = [];
let clock = 0;
let start = 0;

beforeAll(async () => {
  f = await hardwareFixture({ licensed: true });
  chainId = await f.admin.publicClient.getChainId();
  const privateKeys = FLEET.map((_, i) => devKey(5000 + i));
  const { deviceIds } = await mintWithKeys(privateKeys);
  for (const [i, behaviour] of FLEET.entries()) {
    const key = privateKeyToAccount(privateKeys[i]!);
    const { vehicleId } = await f.install(deviceIds[i]!, key, f.aliceHw);
    fleet.push({
      behaviour,
      key,
      signer: privateKeySigner(privateKeys[i]!),
      deviceId: deviceIds[i]!,
      vehicleId,
      sequence: 0n,
      lastSent: 0,
    });
  }
  db = await openDatabase(":memory:");
  identity = await IdentityIndex.open(db, f.addresses);
  indexer = await ChainIndexer.create({ client: f.admin.publicClient, addresses: f.addresses, db, identity });
  await indexer.syncToHead();
  // The simulation starts an hour after the installations, at 06:00 UTC of that day.
  const t0 = Number(await f.now()) * 1000 + HOUR;
  start = Math.ceil(t0 / (24 * HOUR)) * 24 * HOUR + 6 * HOUR;
  clock = start;
  const sql = await SerialConnection.open(db);
  evidence = await PerformanceEvidence.open(sql, { baseUrl: ISSUER });
  performance = new DevicePerformance({
    thresholds: { disconnectAfterMs: 2 * 24 * HOUR },
    catalog: new ChainDeviceCatalog(identity, { ...f.reporter.client }),
    evidence,
    now: () => clock,
  });
  ingest = observeIngest(
    createIngest({
      db,
      directory: identity,
      chainId,
      vehiclesContract: f.addresses.vehicleId,
      devicesContract: f.addresses.aftermarketDeviceId,
      now: () => clock,
    }),
    performance,
    { now: () => clock },
  );
  await ingest.start();
  feed = new TelemetryFeed({ sql, record: (o) => performance.record(o), now: () => clock });
  await feed.start({ poll: false });
  keys = await KeyRing.open();
  handler = createDeviceServicesHandler({
    performance,
    evidence,
    identity,
    authenticate: apiTokenAuthenticator(keys, ISSUER),
    operatorToken: "operator-token-for-performance-tests",
  });
}, 180_000);

afterAll(async () => {
  await ingest?.stop();
  await indexer?.stop();
  await db?.close();
  await f?.close();
});

async function mintWithKeys(privateKeys: `0x${string}`[]) {
  const { tokenIds } = await mintLicensedDevices(f.makerHw.client, {
    manufacturerId: f.manufacturerId,
    modelId: f.modelId,
    devices: privateKeys.map((k) => ({ deviceAddress: privateKeyToAccount(k).address })),
  });
  return { deviceIds: tokenIds };
}

/** Is the simulated car driving at `t`? Three trips a day: 07–09, 12–13, 17–19 UTC. */
function driving(t: number): boolean {
  const h = new Date(t).getUTCHours();
  return (h >= 7 && h < 9) || h === 12 || (h >= 17 && h < 19);
}

/** Dropout windows: 9 hours of silence starting at 08:00 on every day. */
function silent(d: SimDevice, t: number): boolean {
  if (d.behaviour === "unplugged") return t >= start + 24 * HOUR;
  if (d.behaviour !== "dropout") return false;
  const h = (t - start) / HOUR;
  return h % 24 >= 2 && h % 24 < 11;
}

async function send(d: SimDevice, t: number): Promise<void> {
  d.sequence++;
  d.lastSent = t;
  const skew = d.behaviour === "clock-behind" ? -3 * HOUR : d.behaviour === "clock-ahead" ? 20 * 60_000 : 0;
  const time = t - 2000 + skew;
  const garbageValue = d.behaviour === "garbage" && d.sequence % 2n === 1n;
  const event = await signDeviceEvent(
    {
      specversion: "1.0",
      id: `${d.key.address.slice(2, 10)}-${d.sequence}`,
      source: d.key.address,
      producer: erc721Did(chainId, f.addresses.aftermarketDeviceId, d.deviceId),
      subject: erc721Did(chainId, f.addresses.vehicleId, d.vehicleId),
      time: new Date(time).toISOString(),
      type: "dimo.status",
      dimosequence: d.sequence,
      data: {
        timestamp: time,
        signals: [
          { timestamp: time, name: "speed", value: driving(t) ? 50 : 0 },
          // Garbage on the bus decodes to absurd values: a fuel level of 250 %.
          { timestamp: time, name: "powertrainFuelSystemRelativeLevel", value: garbageValue ? 250 : 64 },
          {
            timestamp: time,
            name: "powertrainTractionBatteryStateOfChargeCurrent",
            value: garbageValue ? 180 : 70,
          },
          { timestamp: time, name: "lowVoltageBatteryCurrentVoltage", value: 13.9 },
        ],
      },
    },
    d.signer,
    { limits: { maxFutureSkewMs: 500 * 86_400_000 } },
  );
  let bytes = jsonCodec.encode(event);
  if (d.behaviour === "bad-signature" && d.sequence % 5n === 0n) {
    // Flipped in flight or by a broken secure element: the data no longer matches the signature.
    bytes = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"value":13.9', '"value":13.8'));
  }
  if (d.behaviour === "garbage" && d.sequence % 4n === 0n)
    bytes = new TextEncoder().encode(`{"specversion":"1.0",${"x".repeat(40)}`);
  await ingest.submit(bytes, { transport: "mqtt", deviceAddress: d.key.address });
}

async function simulate(until: number): Promise<void> {
  for (; clock < until; clock += STEP) {
    await Promise.all(
      fleet.map(async (d) => {
        if (silent(d, clock)) return;
        // Driving: an event per step; parked: the periodic wake's heartbeat every 6 hours.
        if (driving(clock) || clock - d.lastSent >= 6 * HOUR) await send(d, clock);
      }),
    );
    await feed.poll();
  }
}

const healthOf = (d: SimDevice) => performance.health(d.key.address) as DeviceHealth;
const kinds = (d: SimDevice) =>
  healthOf(d)
    .problems.filter((p) => p.confirmed)
    .map((p) => p.kind)
    .sort();

describe("device performance", () => {
  it("flags devices that drop out, have skewed clocks, send garbage or bad signatures — and not the healthy ones", async () => {
    await simulate(start + DAYS * 24 * HOUR);
    await performance.settled();
    const byBehaviour = Object.fromEntries(fleet.map((d) => [d.behaviour, d]));
    for (const d of fleet.filter((x) => x.behaviour === "healthy")) {
      const h = healthOf(d);
      expect(h.status, JSON.stringify(h.problems)).toBe("healthy");
      expect(h.problems).toEqual([]);
      expect(h.uptime).toBe(1);
      expect(h.freshness.clockOffsetMs).toBeLessThan(10_000);
      expect(h.outages.count).toBe(0);
      expect(h.sequence).toEqual({ gaps: 0, missing: 0 });
      // ~34 events a day: 30 while driving and the heartbeats.
      expect(h.messagesPerHour).toBeGreaterThan(1);
      expect(h.messagesPerHour).toBeLessThan(2);
    }
    expect(kinds(byBehaviour.dropout!)).toEqual(["intermittent"]);
    expect(healthOf(byBehaviour.dropout!).uptime).toBeLessThan(0.95);
    expect(kinds(byBehaviour["clock-behind"]!)).toEqual(["clock_behind"]);
    expect(healthOf(byBehaviour["clock-behind"]!).freshness.clockOffsetMs).toBeGreaterThan(2.9 * HOUR);
    expect(kinds(byBehaviour["clock-ahead"]!)).toEqual(["clock_ahead"]);
    expect(healthOf(byBehaviour["clock-ahead"]!).clockRejections.total).toBeGreaterThan(50);
    expect(
      kinds(byBehaviour.garbage!),
      JSON.stringify(healthOf(byBehaviour.garbage!).droppedSamples),
    ).toEqual(["dropped_samples", "garbage"]);
    expect(kinds(byBehaviour["bad-signature"]!)).toEqual(["signature_failures"]);
    expect(healthOf(byBehaviour["bad-signature"]!).sequence.gaps).toBeGreaterThan(0);
    expect(healthOf(byBehaviour.unplugged!).status).toBe("disconnected");
    for (const d of fleet.filter((x) => !["healthy", "unplugged"].includes(x.behaviour))) {
      expect(healthOf(d).status, d.behaviour).toBe("malfunction");
    }

    // Per maker and per certified model, in real time.
    const maker = performance.group({ manufacturerId: f.manufacturerId });
    expect(maker.devices).toBe(FLEET.length);
    expect(maker.byStatus).toMatchObject({ healthy: 3, malfunction: 5, disconnected: 1 });
    expect(performance.group({ modelId: f.modelId })).toEqual(maker);
    const publicView = await handler(new Request(`${ISSUER}/v1/device-performance/models/${f.modelId}`));
    expect(await publicView!.json()).toMatchObject({ devices: FLEET.length, byStatus: { malfunction: 5 } });
  });

  it("files the on-chain reports through the DeviceStakeJob: malfunctions and the disconnection, never the healthy", async () => {
    await f.nextTimestamp(BigInt(Math.floor(clock / 1000)));
    await f.devnet.request({ method: "evm_mine", params: [] });
    const job = new DeviceStakeJob({ client: f.reporter.client, performance });
    const run = await job.runOnce();
    const reported = new Map(run.reported.map((r) => [r.deviceId, r]));
    for (const d of fleet) {
      const vesting = await getDeviceVesting(f.reporter.client, d.deviceId);
      const expected =
        d.behaviour === "healthy" ? "none" : d.behaviour === "unplugged" ? "disconnection" : "malfunction";
      expect(vesting.failure, d.behaviour).toBe(expected);
      expect(reported.get(d.deviceId)?.failure ?? "none").toBe(expected);
    }
    // The evidence the report points to is served, and is what its hash says.
    const report = reported.get(fleet.find((d) => d.behaviour === "clock-behind")!.deviceId)!;
    expect(report.evidenceURI).toMatch(
      /^http:\/\/node\.test\/v1\/device-performance\/evidence\/0x[0-9a-f]{64}$/,
    );
    const response = await handler(new Request(report.evidenceURI));
    const text = await response!.text();
    expect(`0x${sha256Hex(new TextEncoder().encode(text))}`).toBe(report.evidenceURI.split("/").pop());
    expect(JSON.parse(text)).toMatchObject({
      failure: "malfunction",
      health: { problems: [{ kind: "clock_behind" }] },
    });
    // Nothing is reported twice.
    expect((await job.runOnce()).reported).toEqual([]);
  });

  it("shows one device's health to its owner and the operator, not to others", async () => {
    const d = fleet[0]!;
    const token = (address: Address) =>
      keys.sign(
        { token_use: "user", ethereum_address: address },
        { issuer: ISSUER, audience: "dimo.zone", subject: address, expiresInSeconds: 600 },
      );
    const ask = async (headers: Record<string, string>) =>
      handler(new Request(`${ISSUER}/v1/device-performance/devices/${d.deviceId}`, { headers }));
    expect((await ask({}))!.status).toBe(403);
    expect((await ask({ authorization: `Bearer ${await token(f.bobHw.address)}` }))!.status).toBe(403);
    const owner = await ask({ authorization: `Bearer ${await token(f.aliceHw.address)}` });
    expect(owner!.status).toBe(200);
    expect(await owner!.json()).toMatchObject({ device: d.key.address, status: "healthy" });
    const maker = await ask({ authorization: `Bearer ${await token(f.makerHw.address)}` });
    expect(maker!.status).toBe(200);
    expect((await ask({ authorization: "Bearer operator-token-for-performance-tests" }))!.status).toBe(200);
  });

  it("rebuilds from the store after a restart: replayed events keep the verdicts that rest on them", async () => {
    const restarted = new DevicePerformance({
      now: () => clock,
      thresholds: { disconnectAfterMs: 2 * 24 * HOUR },
    });
    const replay = new TelemetryFeed({
      sql: await SerialConnection.open(db),
      record: (o) => restarted.record(o),
      now: () => clock,
    });
    await replay.start({ poll: false });
    expect(await replay.poll()).toBeGreaterThan(500);
    const dropout = fleet.find((d) => d.behaviour === "dropout")!;
    expect(restarted.health(dropout.key.address)!.outages.count).toBeGreaterThanOrEqual(3);
    expect(restarted.health(fleet[0]!.key.address)!.outages.count).toBe(0);
    expect(await replay.poll()).toBe(0);
  });
});
