/**
 * The reference agent against a real node on the in-process devnet, end to end (issue 8):
 *
 * - the protocol is deployed; a maker mints a device for a software secure element (a key file);
 * - the owner's phone claims and pairs it through the pairing GATT profile over the in-process
 *   transport (an authenticated bond, the device signing ClaimDevice and PairDevice);
 * - a reading stamped before the pairing is refused by the node;
 * - the agent streams a simulated car's CAN traffic, decoded and signed, to the node's embedded
 *   MQTT broker, then (same data directory, so the same buffer and sequence) to its HTTP ingest;
 *   on each, the network first fades (the node stores what arrives, its acknowledgements are
 *   lost), then is cut for a few seconds while readings pile up in the disk buffer, then returns;
 * - the node's store then holds every event the agent produced, each once, with every reading.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type RunningNode } from "@dimo-open/node";
import { erc721Did, getDevice, mintDevices, mintManufacturer, mintVehicle } from "@dimo-open/protocol";
import { type DevnetNetwork, deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import { deviceLoginCredentials, gzipJsonCodec } from "@dimo-open/stream";
import { pino } from "pino";
import type { LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceAgent } from "../src/agent/agent.ts";
import { EventBuffer } from "../src/buffer/event-buffer.ts";
import { UplinkError } from "../src/errors.ts";
import { openFileKeystore, SOFTWARE_KEYSTORE_WARNING } from "../src/keystore/file-keystore.ts";
import type { SecureElement } from "../src/keystore/secure-element.ts";
import { InProcessPairingTransport } from "../src/pairing/in-process-transport.ts";
import { PairingService } from "../src/pairing/pairing-service.ts";
import { claimAndPairDevice } from "../src/pairing/phone-app.ts";
import { powerSettingsFromDocument } from "../src/power/settings.ts";
import { makeVin } from "../src/simulator/fleet.ts";
import { modelDatabase, modelLoggerConfig, VEHICLE_MODELS } from "../src/simulator/models.ts";
import { Random } from "../src/simulator/random.ts";
import { simulatedPosition, simulatedVoltage } from "../src/simulator/sensors.ts";
import { SimulatedCanSource } from "../src/simulator/simulated-can-source.ts";
import { NO_FAULTS, SimulatedVehicle, type VehicleFaults } from "../src/simulator/vehicle.ts";
import { HttpUplink } from "../src/uplink/http-uplink.ts";
import { MqttUplink } from "../src/uplink/mqtt-uplink.ts";
import { Outbox } from "../src/uplink/outbox.ts";
import { PersistentSequence } from "../src/uplink/sequence-store.ts";
import type { Uplink } from "../src/uplink/uplink.ts";
import { type DevnetWorld, startDevnetWorld } from "./devnet-world.ts";
import { NetworkPath } from "./network-path.ts";

/** How long the network is gone in each phase (wall time; readings keep coming meanwhile). */
const OUTAGE_MS = 6000;
const EVENT_INTERVAL_MS = 250;
const MODEL = VEHICLE_MODELS["toyota-prius"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: () => boolean, label: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await sleep(20);
  }
}

/**
 * A simulated car at the start of its first trip, whose device clock reads the wall clock: the
 * simulation's day is another one, so the device's clock is offset from simulated time by the
 * difference (the node refuses readings from the future, and from before the pairing).
 */
function carDrivingNow(): SimulatedVehicle {
  const start = Date.UTC(2026, 0, 5);
  const build = (faults: VehicleFaults) =>
    new SimulatedVehicle({
      model: MODEL,
      random: new Random("devnet-e2e"),
      start,
      home: { latitude: 52.52, longitude: 13.405 },
      faults,
      vin: makeVin(MODEL.wmi, MODEL.year, new Random("devnet-e2e-vin")),
    });
  // A minute into the trip: the car is moving, its readings change.
  const from = build(NO_FAULTS).trips[0]!.start + 60_000;
  const car = build({ dropouts: [], clockSkewMs: Date.now() - from, garbageRate: 0 });
  car.advance(from, () => {});
  return car;
}

interface Produced {
  id: string;
  sequence: bigint;
  signals: number;
  phase: string;
}

describe("the device agent against a node on the devnet", () => {
  let network: DevnetNetwork;
  let node: RunningNode;
  let nodeDir: string;
  let deviceDir: string;
  let element: SecureElement;
  let identity: { source: string; producer: string; subject: string };
  let pairedAtMs: number;
  const paths: NetworkPath[] = [];
  const produced: Produced[] = [];
  const figures: Record<string, number> = {};
  const log = pino({ level: "silent" });

  let world: DevnetWorld;
  const as = (index: number) => world.as(index);

  beforeAll(async () => {
    world = await startDevnetWorld("e2e");
    ({ network, node, nodeDir, deviceDir } = world);
  });

  afterAll(async () => {
    for (const p of paths) await p.close();
    await world?.close();
  });

  it("the maker mints a device for its secure element; the owner's phone claims and pairs it over the pairing profile", async () => {
    const [, makerKey, ownerKey] = deriveDevnetAccounts(undefined, 3) as unknown as LocalAccount[];
    const maker = as(1);
    const owner = as(2);
    const warnings: string[] = [];
    element = await openFileKeystore({
      path: join(deviceDir, "device.key"),
      create: true,
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([SOFTWARE_KEYSTORE_WARNING]);

    const { tokenId: manufacturerId } = await mintManufacturer(network.admin, {
      name: "E2E Devices",
      owner: makerKey!.address,
    });
    const serial = "E2E-000001";
    const {
      tokenIds: [deviceId],
    } = await mintDevices(maker, { manufacturerId, devices: [{ deviceAddress: element.address, serial }] });
    // The device ships and is unpacked later: at least one block second between its mint and
    // its pairing, so that a reading can fall between the two.
    await sleep(1100);
    const { tokenId: vehicleId } = await mintVehicle(owner, {
      manufacturerId,
      make: MODEL.make,
      model: MODEL.model,
      year: MODEL.year,
      definitionURI: "",
    });

    // The card in the box carries the pairing secret; the phone bonds with numeric comparison.
    const pairingSecret = randomBytes(32);
    const service = new PairingService({
      element,
      chainId: network.deployment.chainId,
      registry: network.deployment.addresses.aftermarketDeviceId,
      pairingSecret,
      serial,
      firmware: "1.0.0",
    });
    const link = new InProcessPairingTransport(service).connect({
      mtu: 23,
      confirm: (n) => n.phone === n.device,
    });
    const paired = await claimAndPairDevice({
      link,
      owner,
      ownerSigner: ownerKey!,
      vehicleId,
      pairingSecret,
    });
    link.disconnect();
    expect(paired.deviceId).toBe(deviceId);
    expect(await getDevice(owner, deviceId!)).toMatchObject({
      owner: ownerKey!.address,
      claimed: true,
      vehicleId,
      deviceAddress: element.address,
    });
    await node.indexer.waitForBlock(paired.pair.receipt.blockNumber, 10_000);
    const block = await network.admin.publicClient.getBlock({ blockNumber: paired.pair.receipt.blockNumber });
    pairedAtMs = Number(block.timestamp) * 1000;

    const { chainId, addresses } = network.deployment;
    identity = {
      source: element.address,
      producer: erc721Did(chainId, addresses.aftermarketDeviceId, deviceId!),
      subject: erc721Did(chainId, addresses.vehicleId, vehicleId),
    };
  });

  it("refuses a reading stamped before the pairing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dimo-e2e-early-"));
    const buffer = EventBuffer.open({ dir: join(dir, "buffer"), budgetBytes: 1 << 20 });
    const outbox = new Outbox({
      signer: element,
      sequence: PersistentSequence.open(join(dir, "sequence.json")),
      buffer,
      codec: "json",
      identity,
      now: () => pairedAtMs - 1,
    });
    const early = await outbox.publish("dimo.status", {
      timestamp: pairedAtMs - 1,
      signals: [{ timestamp: pairedAtMs - 1, name: "speed", value: 42 }],
    });
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
    const error = await new HttpUplink({ url: node.ingestUrl!, deviceAddress: element.address })
      .send(early)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UplinkError);
    expect((error as UplinkError).permanent).toBe(true);
    expect((error as UplinkError).details).toMatch(/unpaired_device/);
  });

  /**
   * One phase: an agent (the phase's uplink, through a network path) streams, the path fades
   * then is cut for OUTAGE_MS, then comes back; the phase ends once everything produced is
   * acknowledged. The agent's own loop body runs on a timer here, so that the test can stop
   * producing at the end and wait for the last events to drain.
   */
  async function phase(name: string, path: NetworkPath, uplink: Uplink): Promise<void> {
    const car = carDrivingNow();
    const skew = car.faults.clockSkewMs;
    const agent = new DeviceAgent({
      element,
      identity,
      dataDir: join(deviceDir, "agent"),
      can: new SimulatedCanSource(car, { speed: 1 }),
      uplink,
      codec: "json+gzip",
      voltage: simulatedVoltage(car),
      position: simulatedPosition(car),
      configuration: {
        logger: modelLoggerConfig(MODEL),
        database: modelDatabase(MODEL),
        power: powerSettingsFromDocument({}),
      },
      now: () => car.time + skew,
      vin: car.vin,
      eventIntervalMs: EVENT_INTERVAL_MS,
      log,
    });
    // Every event the agent signs and stores, as it stores it.
    const publish = agent.outbox.publish.bind(agent.outbox);
    agent.outbox.publish = (async (type, data) => {
      const stored = await publish(type, data);
      const event = gzipJsonCodec.decode(stored.bytes).value as {
        dimosequence: string;
        data: { signals: unknown[] };
      };
      produced.push({
        id: stored.id,
        sequence: BigInt(event.dimosequence),
        signals: event.data.signals.length,
        phase: name,
      });
      return stored;
    }) as typeof agent.outbox.publish;
    const mine = () => produced.filter((p) => p.phase === name).length;

    await agent.start({ loop: false });
    const failures: unknown[] = [];
    const loop = setInterval(() => agent.tick().catch((e: unknown) => failures.push(e)), 100);
    try {
      await until(() => agent.forwarder.stats.acknowledged >= 4, `${name}: first acknowledgements`);

      // The radio fades: events still reach the node, its acknowledgements do not come back.
      path.fade();
      const sentBefore = agent.forwarder.stats.sent;
      await until(() => agent.forwarder.stats.sent >= sentBefore + 2, `${name}: sends while fading`);
      await sleep(500);
      figures[`${name}InFlightAtCut`] = agent.forwarder.stats.inFlight;

      // No coverage: connections drop and are refused; readings go to the disk buffer.
      await path.cut();
      const cutAt = Date.now();
      const producedAtCut = mine();
      await sleep(OUTAGE_MS);
      figures[`${name}ProducedDuringOutage`] = mine() - producedAtCut;
      figures[`${name}PendingAtRestore`] = agent.buffer.stats.pending;
      expect(agent.buffer.stats.pending).toBeGreaterThanOrEqual(mine() - producedAtCut);
      await path.restore();
      figures[`${name}OutageMs`] = Date.now() - cutAt;

      // Back in coverage: the backlog drains while new readings keep coming.
      const acknowledgedAtRestore = agent.forwarder.stats.acknowledged;
      await until(
        () => agent.buffer.stats.pending === 0 && agent.forwarder.stats.acknowledged > acknowledgedAtRestore,
        `${name}: the backlog to drain`,
      );
      await sleep(1000);
    } finally {
      clearInterval(loop);
    }
    await agent.tick(); // the tick under way, if any, is awaited
    await until(
      () => agent.buffer.stats.pending === 0 && agent.forwarder.stats.inFlight === 0,
      `${name}: the last events`,
    );
    figures[`${name}Produced`] = mine();
    figures[`${name}Sends`] = agent.forwarder.stats.sent;
    figures[`${name}Rejected`] = agent.forwarder.stats.rejected;
    await agent.stop();
    expect(failures).toEqual([]);
    expect(agent.forwarder.stats.rejected).toBe(0);
  }

  it("streams over MQTT to the node's broker through a fade and an outage", async () => {
    const broker = new URL(node.mqttUrl!);
    const path = await NetworkPath.open({ host: broker.hostname, port: Number(broker.port) });
    paths.push(path);
    const chainId = network.deployment.chainId;
    await phase(
      "mqtt",
      path,
      new MqttUplink({
        url: `mqtt://127.0.0.1:${path.port}`,
        deviceAddress: element.address,
        credentials: () => deviceLoginCredentials(element, { chainId }),
        reconnectPeriodMs: 200,
      }),
    );
    expect(path.connections).toBeGreaterThanOrEqual(2);
  });

  it("streams over HTTP to the node's ingest through a fade and an outage", async () => {
    const ingest = new URL(node.ingestUrl!);
    const path = await NetworkPath.open({ host: ingest.hostname, port: Number(ingest.port) });
    paths.push(path);
    await phase(
      "http",
      path,
      new HttpUplink({
        url: `http://127.0.0.1:${path.port}`,
        deviceAddress: element.address,
        // A faded link answers nothing; give up on a send soon and try it again.
        timeoutMs: 1000,
      }),
    );
  });

  it("the node's store holds every event and every reading the agent produced, each exactly once", async () => {
    await node.close();
    const db = await openDatabase(join(nodeDir, "node.duckdb"));
    try {
      const sql = await db.connect();
      const events = (
        await sql.runAndReadAll(
          `SELECT id, sequence, transport, count(*) OVER (PARTITION BY id) AS copies
           FROM cloud_events WHERE source = $source ORDER BY sequence`,
          { source: element.address },
        )
      ).getRowObjectsJson() as { id: string; sequence: string; transport: string; copies: string }[];
      const signals = (
        await sql.runAndReadAll(
          `SELECT event_id, count(*) AS n FROM signals WHERE source = $source GROUP BY event_id`,
          { source: element.address },
        )
      ).getRowObjectsJson() as { event_id: string; n: string }[];

      const ids = produced.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events.map((e) => e.id).sort()).toEqual([...ids].sort());
      expect(events.every((e) => Number(e.copies) === 1)).toBe(true);
      // One sequence number per event, increasing over both phases (one data directory).
      expect(events.map((e) => BigInt(e.sequence))).toEqual(
        produced.map((p) => p.sequence).sort((a, b) => (a < b ? -1 : 1)),
      );
      expect(new Set(events.map((e) => e.transport))).toEqual(new Set(["mqtt", "http"]));
      const storedReadings = new Map(signals.map((s) => [s.event_id, Number(s.n)]));
      for (const p of produced) expect(storedReadings.get(p.id) ?? 0).toBe(p.signals);

      const readings = produced.reduce((n, p) => n + p.signals, 0);
      console.log(
        JSON.stringify({
          eventsProduced: produced.length,
          eventsStored: events.length,
          readingsProduced: readings,
          readingsStored: signals.reduce((n, s) => n + Number(s.n), 0),
          duplicatesStored: events.filter((e) => Number(e.copies) > 1).length,
          ...figures,
        }),
      );
      // Both outages really held readings back, and the faded links left events unacknowledged.
      expect(figures.mqttProducedDuringOutage).toBeGreaterThan(0);
      expect(figures.httpProducedDuringOutage).toBeGreaterThan(0);
      expect(figures.mqttInFlightAtCut).toBeGreaterThan(0);
      expect(figures.httpInFlightAtCut).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
