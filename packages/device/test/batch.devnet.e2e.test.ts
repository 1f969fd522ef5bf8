/**
 * "2b" batches from the reference agent's uplink to a real node on the in-process devnet: the
 * device (a software secure element, minted and paired over the pairing profile as in
 * devnet.e2e.test.ts) keeps its events unsigned in the disk buffer, seals them ten at a time with
 * one signature, and sends each batch as one message, over the node's MQTT broker and then its
 * HTTP ingest, each through a network path that fades (the node stores a batch, its
 * acknowledgement is lost) and is cut. One event per phase is stamped an hour ahead, so the
 * node refuses it inside its batch. The node's store then holds every other event exactly once,
 * as a v2b event, and the refused ones not at all.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openDatabase, type RunningNode } from "@dimo-open/node";
import { erc721Did, mintDevices, mintManufacturer, mintVehicle } from "@dimo-open/protocol";
import { type DevnetNetwork, deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import { deviceLoginCredentials } from "@dimo-open/stream";
import type { LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBuffer } from "../src/buffer/event-buffer.ts";
import { openFileKeystore } from "../src/keystore/file-keystore.ts";
import type { SecureElement } from "../src/keystore/secure-element.ts";
import { InProcessPairingTransport } from "../src/pairing/in-process-transport.ts";
import { PairingService } from "../src/pairing/pairing-service.ts";
import { claimAndPairDevice } from "../src/pairing/phone-app.ts";
import { Forwarder } from "../src/uplink/forwarder.ts";
import { HttpUplink } from "../src/uplink/http-uplink.ts";
import { MqttUplink } from "../src/uplink/mqtt-uplink.ts";
import { Outbox } from "../src/uplink/outbox.ts";
import { PersistentSequence } from "../src/uplink/sequence-store.ts";
import type { Uplink, UplinkMessage } from "../src/uplink/uplink.ts";
import { type DevnetWorld, startDevnetWorld } from "./devnet-world.ts";
import { NetworkPath } from "./network-path.ts";

const BATCH = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: () => boolean, label: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await sleep(20);
  }
}

describe("device batches (2b) against a node on the devnet", () => {
  let network: DevnetNetwork;
  let node: RunningNode;
  let nodeDir: string;
  let deviceDir: string;
  let key: SecureElement;
  /** The device's element, counting its signatures. */
  let element: SecureElement;
  let signatures = 0;
  let identity: { source: string; producer: string; subject: string };
  const paths: NetworkPath[] = [];
  /** Events produced, and those stamped ahead for the node to refuse. */
  const produced: string[] = [];
  const refusedIds: string[] = [];
  const rejectedByDevice: { id: string; details: string | undefined }[] = [];
  const figures: Record<string, number> = {};

  let world: DevnetWorld;
  const as = (index: number) => world.as(index);

  beforeAll(async () => {
    world = await startDevnetWorld("batch");
    ({ network, node, nodeDir, deviceDir } = world);
  });

  afterAll(async () => {
    for (const p of paths) await p.close();
    await world?.close();
  });

  it("a device is minted for the secure element, claimed and paired with a vehicle", async () => {
    const [, makerKey, ownerKey] = deriveDevnetAccounts(undefined, 3) as unknown as LocalAccount[];
    const maker = as(1);
    const owner = as(2);
    key = await openFileKeystore({ path: join(deviceDir, "device.key"), create: true, warn: () => {} });
    element = {
      custody: key.custody,
      address: key.address,
      signDigest: (digest) => {
        signatures++;
        return key.signDigest(digest);
      },
    };
    const { tokenId: manufacturerId } = await mintManufacturer(network.admin, {
      name: "Batch Devices",
      owner: makerKey!.address,
    });
    const serial = "BATCH-000001";
    const {
      tokenIds: [deviceId],
    } = await mintDevices(maker, { manufacturerId, devices: [{ deviceAddress: key.address, serial }] });
    const { tokenId: vehicleId } = await mintVehicle(owner, {
      manufacturerId,
      make: "Toyota",
      model: "Prius",
      year: 2020,
      definitionURI: "",
    });
    const pairingSecret = randomBytes(32);
    const service = new PairingService({
      element: key,
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
    await node.indexer.waitForBlock(paired.pair.receipt.blockNumber, 10_000);
    // Readings after the pairing's block second.
    await sleep(1100);
    const { chainId, addresses } = network.deployment;
    identity = {
      source: key.address,
      producer: erc721Did(chainId, addresses.aftermarketDeviceId, deviceId!),
      subject: erc721Did(chainId, addresses.vehicleId, vehicleId),
    };
  });

  /**
   * One phase: three batches go normally, one of them with an event the node refuses; then the
   * path fades while a batch is sent (the node stores it, the acknowledgement is lost), is cut,
   * and comes back; the stored batch goes again, byte for byte, and the node answers duplicate.
   */
  async function phase(name: string, path: NetworkPath, uplink: Uplink): Promise<void> {
    const buffer = EventBuffer.open({ dir: join(deviceDir, "buffer"), budgetBytes: 1 << 20 });
    let ahead = 0;
    const outbox = new Outbox({
      signer: element,
      sequence: PersistentSequence.open(join(deviceDir, "sequence.json")),
      buffer,
      codec: "json",
      identity,
      batch: true,
      now: () => Date.now() + ahead,
      onAppended: () => forwarder.kick(),
    });
    // Every send, as the uplink is asked to make it (the real uplink makes it).
    const sends: UplinkMessage[] = [];
    const send = uplink.send.bind(uplink);
    uplink.send = (message) => {
      sends.push({ ...message, bytes: message.bytes.slice() });
      return send(message);
    };
    const forwarder = new Forwarder({
      buffer,
      uplink,
      retryDelayMs: 100,
      maxRetryDelayMs: 500,
      seal: (members) => outbox.seal(members),
      batchMaxEvents: BATCH,
      batchMaxDelayMs: 60_000,
      onRejected: ({ id, error }) => rejectedByDevice.push({ id, details: error.details }),
    });
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const at = Date.now();
        const stored = await outbox.publish("dimo.status", {
          signals: [{ timestamp: at, name: "speed", value: i }],
        });
        produced.push(stored.id);
      }
    };
    await uplink.start();
    forwarder.start();
    const signedBefore = signatures;

    await publish(2 * BATCH);
    // An event stamped an hour ahead, in the middle of the third batch.
    await publish(4);
    ahead = 3_600_000;
    await publish(1);
    refusedIds.push(produced.pop()!);
    ahead = 0;
    await publish(BATCH - 5);
    await forwarder.drained();
    expect(sends.map((s) => s.batch?.count)).toEqual([BATCH, BATCH, BATCH]);

    // The radio fades: the next batch reaches the node, its acknowledgement does not come back.
    path.fade();
    await publish(BATCH);
    await until(() => sends.length === 4, `${name}: the faded batch sent`);
    await sleep(1000);
    await path.cut();
    await sleep(500);
    await path.restore();
    await forwarder.drained();
    const faded = sends.slice(3);
    figures[`${name}FadedBatchSends`] = faded.length;
    expect(faded.length).toBeGreaterThanOrEqual(2);
    expect(new Set(faded.map((s) => s.key)).size).toBe(1);
    expect(faded.every((s) => Buffer.from(s.bytes).equals(Buffer.from(faded[0]!.bytes)))).toBe(true);
    // One signature per batch, resends included.
    figures[`${name}Signatures`] = signatures - signedBefore;
    expect(signatures - signedBefore).toBe(4);
    figures[`${name}EventsSent`] = forwarder.stats.sent;
    expect(buffer.stats.pending).toBe(0);
    forwarder.stop();
    await uplink.stop();
    buffer.close();
  }

  it("sends batches over MQTT to the node's broker through a fade and an outage", async () => {
    const broker = new URL(node.mqttUrl!);
    const path = await NetworkPath.open({ host: broker.hostname, port: Number(broker.port) });
    paths.push(path);
    const chainId = network.deployment.chainId;
    await phase(
      "mqtt",
      path,
      new MqttUplink({
        url: `mqtt://127.0.0.1:${path.port}`,
        deviceAddress: key.address,
        credentials: () => deviceLoginCredentials(key, { chainId }),
        reconnectPeriodMs: 200,
        // Shorter than the fade: the forwarder itself sends the stored batch again.
        ackTimeoutMs: 800,
        refusals: true,
      }),
    );
    // The node acknowledges a refused event too and explains it on the rejections topic, by the
    // PUBLISH's packet id and the event's index: the device reports it by id.
    await until(() => rejectedByDevice.length === 1, "the MQTT refusal");
    expect(rejectedByDevice[0]!.id).toBe(refusedIds[0]);
    expect(rejectedByDevice[0]!.details).toMatch(/future_time/);
  });

  it("sends batches over HTTP to the node's ingest; the refused event is reported, the rest stored", async () => {
    const ingest = new URL(node.ingestUrl!);
    const path = await NetworkPath.open({ host: ingest.hostname, port: Number(ingest.port) });
    paths.push(path);
    const answers: { status: number; body: { accepted?: number; duplicates?: number; rejected?: number } }[] =
      [];
    await phase(
      "http",
      path,
      new HttpUplink({
        url: `http://127.0.0.1:${path.port}`,
        deviceAddress: key.address,
        timeoutMs: 1000,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          answers.push({ status: response.status, body: await response.clone().json() });
          return response;
        },
      }),
    );
    expect(rejectedByDevice).toHaveLength(2);
    expect(rejectedByDevice[1]!.id).toBe(refusedIds[1]);
    expect(rejectedByDevice[1]!.details).toMatch(/future_time/);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 207, 200]);
    expect(answers[2]!.body).toMatchObject({ accepted: BATCH - 1, rejected: 1 });
    // The resend of the faded batch: the node already had every event of it.
    expect(answers[3]!.body).toMatchObject({ accepted: 0, duplicates: BATCH });
  });

  it("the node's store holds every event the device produced exactly once, as v2b, and none it refused", async () => {
    await node.close();
    const db = await openDatabase(join(nodeDir, "node.duckdb"));
    try {
      const sql = await db.connect();
      const rows = (
        await sql.runAndReadAll(
          `SELECT id, signature_scheme, transport, count(*) OVER (PARTITION BY id) AS copies
           FROM cloud_events WHERE source = $source`,
          { source: key.address },
        )
      ).getRowObjectsJson() as { id: string; signature_scheme: string; transport: string; copies: string }[];
      expect(rows.map((r) => r.id).sort()).toEqual([...produced].sort());
      expect(rows.every((r) => Number(r.copies) === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.signature_scheme))).toEqual(new Set(["v2b"]));
      expect(new Set(rows.map((r) => r.transport))).toEqual(new Set(["mqtt", "http"]));
      for (const id of refusedIds) expect(rows.map((r) => r.id)).not.toContain(id);
      console.log(
        JSON.stringify({
          eventsProduced: produced.length + refusedIds.length,
          eventsStored: rows.length,
          refused: refusedIds.length,
          duplicatesStored: rows.filter((r) => Number(r.copies) > 1).length,
          ...figures,
        }),
      );
    } finally {
      await db.close();
    }
  });
});
