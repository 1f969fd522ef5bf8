/**
 * Against the Mosquitto that CI machines run on 127.0.0.1:1883 (docs/ingest.md): the node
 * consumes devices' messages from it, acknowledges after commit, and gets what was published while
 * it was away when it comes back (persistent session).
 */
import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encode,
  MemoryDirectory,
  signedStatus,
  signV2,
  statusEvent,
  testDevice,
} from "../__fixtures__/devices.ts";
import { startTestNode, type TestNode } from "../__fixtures__/harness.ts";
import { consumeExternalBroker } from "./external.ts";
import { rejectionsTopic } from "./topics.ts";

const MOSQUITTO = "mqtt://127.0.0.1:1883";
const device = testDevice(20);
const topic = `devices/${device.address}/status`;

async function waitFor(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("ingest from an external Mosquitto broker", () => {
  let node: TestNode;
  let publisher: MqttClient;
  // A fresh session name per run: Mosquitto keeps sessions across test runs.
  const clientId = `dimo-test-ingest-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    node = await startTestNode(new MemoryDirectory().pair(device));
    publisher = await mqtt.connectAsync(MOSQUITTO, { clientId: `${clientId}-device`, reconnectPeriod: 0 });
  });
  afterAll(async () => {
    await publisher.endAsync();
    await node.close();
  });

  it("stores events published to Mosquitto and tells the device about refused ones", async () => {
    const consumer = await consumeExternalBroker({
      ingest: node.ingest,
      url: MOSQUITTO,
      clientId,
      group: clientId,
      connections: 2,
    });
    try {
      await publisher.subscribeAsync(rejectionsTopic(device.address), { qos: 0 });
      const notice = new Promise<Record<string, unknown>>((resolve) =>
        publisher.once("message", (_t, payload) => resolve(JSON.parse(payload.toString()))),
      );
      for (let i = 1; i <= 10; i++) {
        await publisher.publishAsync(
          topic,
          Buffer.from(await signedStatus(device, { sequence: BigInt(i) })),
          {
            qos: 1,
          },
        );
      }
      const tampered = await signV2(statusEvent(device, { sequence: 11n }), device);
      tampered.id = "tampered";
      await publisher.publishAsync(topic, Buffer.from(encode(tampered)), { qos: 1 });
      await waitFor(async () => (await node.count("SELECT count(*) FROM cloud_events")) === 10, "10 events");
      expect(await node.count("SELECT count(*) FROM signals")).toBe(200);
      expect(await notice).toMatchObject({ status: "rejected", reason: "bad_signature", topic });
    } finally {
      await consumer.close({ endSession: true });
    }
  });

  it("takes a batch PUBLISH (a CloudEvents JSON array) and names a refused event by its index", async () => {
    const consumer = await consumeExternalBroker({
      ingest: node.ingest,
      url: MOSQUITTO,
      clientId: `${clientId}-batch`,
      connections: 1,
    });
    try {
      await publisher.subscribeAsync(rejectionsTopic(device.address), { qos: 0 });
      const notice = new Promise<Record<string, unknown>>((resolve) =>
        publisher.once("message", (_t, payload) => resolve(JSON.parse(payload.toString()))),
      );
      const events = await Promise.all(
        [200n, 201n, 202n].map((sequence) =>
          signV2(statusEvent(device, { sequence, id: `batch-${sequence}` }), device),
        ),
      );
      events[2]!.id = "batch-tampered";
      const before = await node.count("SELECT count(*) FROM cloud_events");
      const payload = `[${events.map((e) => new TextDecoder().decode(encode(e))).join(",")}]`;
      await publisher.publishAsync(topic, payload, { qos: 1 });
      await waitFor(
        async () => (await node.count("SELECT count(*) FROM cloud_events")) === before + 2,
        "2 events",
      );
      expect(await notice).toMatchObject({ reason: "bad_signature", index: 2, topic });
    } finally {
      await consumer.close({ endSession: true });
    }
  });

  it("receives, after a restart, what was published while the node was away", async () => {
    const session = `${clientId}-solo`;
    const first = await consumeExternalBroker({
      ingest: node.ingest,
      url: MOSQUITTO,
      clientId: session,
      connections: 1,
    });
    await first.close();
    const before = await node.count("SELECT count(*) FROM cloud_events");
    for (let i = 100; i < 105; i++) {
      await publisher.publishAsync(topic, Buffer.from(await signedStatus(device, { sequence: BigInt(i) })), {
        qos: 1,
      });
    }
    const again = await consumeExternalBroker({
      ingest: node.ingest,
      url: MOSQUITTO,
      clientId: session,
      connections: 1,
    });
    try {
      await waitFor(
        async () => (await node.count("SELECT count(*) FROM cloud_events")) === before + 5,
        "5 events",
      );
    } finally {
      await again.close({ endSession: true });
    }
  });
});
