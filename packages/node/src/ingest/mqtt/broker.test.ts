import { gzipSync } from "node:zlib";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encode,
  legacySignature,
  MemoryDirectory,
  signedStatus,
  signV2,
  statusEvent,
  testDevice,
  withRawData,
} from "../__fixtures__/devices.ts";
import { connectDevice, rejectionCounts, startTestNode, type TestNode } from "../__fixtures__/harness.ts";
import { deviceLoginCredentials } from "./login.ts";
import { rejectionsTopic } from "./topics.ts";

const alice = testDevice(10);
const bob = testDevice(11);
const banned = testDevice(12);
const stranger = testDevice(13);
const directory = new MemoryDirectory()
  .pair(alice)
  .pair(bob)
  .set(banned.address, { status: "banned", deviceId: banned.deviceId, manufacturerId: 1n });

function nextMessage(client: MqttClient, topic: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      client.off("message", onMessage);
      resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
    };
    client.on("message", onMessage);
  });
}

async function loginError(p: Promise<MqttClient>): Promise<number | undefined> {
  try {
    const c = await p;
    await c.endAsync();
    return 0;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

/** An AutoPi status message (DIMO's legacy "2.0" shape) signed the legacy way by the device. */
async function autopiStatus(device: typeof alice): Promise<Uint8Array> {
  const t = Date.now() - 2000;
  const data = JSON.stringify({
    timestamp: t,
    device: { rpiUptimeSecs: 116, batteryVoltage: 13.9, softwareVersion: "v1.0.0" },
    vehicle: {
      signals: [
        { timestamp: t - 900, name: "vehicleSpeed", value: 42 },
        { timestamp: t - 800, name: "coolantTemp", value: 88 },
        { timestamp: t - 700, name: "rpm", value: 1800.5 },
        { timestamp: t, name: "longitude", value: -83.71029708818693 },
        { timestamp: t, name: "latitude", value: 42.26172693660968 },
        { timestamp: t, name: "hdop", value: 0.8 },
        { timestamp: t, name: "wpa_state", value: "COMPLETED" },
      ],
    },
  });
  const header = {
    id: `autopi-${t}`,
    source: "aftermarket/device/status",
    specversion: "2.0",
    subject: device.address,
    time: new Date(t).toISOString(),
    type: "com.dimo.device.status",
    vehicleTokenId: 999_999, // an unverified claim: the node takes the vehicle from the chain
    signature: await legacySignature(device.privateKey, data),
  };
  return withRawData(header, data);
}

describe("embedded MQTT broker", () => {
  let node: TestNode;
  let client: MqttClient;
  const topic = `devices/${alice.address}/status`;

  beforeAll(async () => {
    node = await startTestNode(directory);
    client = await connectDevice(node.broker.port, alice);
    await client.subscribeAsync(rejectionsTopic(alice.address), { qos: 0 });
  });
  afterAll(async () => {
    await client.endAsync();
    await node.close();
  });

  it("acknowledges a QoS 1 event only once it is committed", async () => {
    const bytes = await signedStatus(alice, { sequence: 1n });
    await client.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
    // PUBACK received: the event and its signals are already in the store.
    expect(await node.count("SELECT count(*) FROM cloud_events")).toBe(1);
    expect(await node.count("SELECT count(*) FROM signals")).toBe(20);
    await client.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
    expect(await node.count("SELECT count(*) FROM signals")).toBe(20);
  });

  it("refuses logins that are not the device's fresh signature, and unknown or banned devices", async () => {
    const port = node.broker.port;
    const before = (await node.ingest.metrics.mqttAuthFailures.get()).values.length;
    expect(await loginError(connectDevice(port, alice, { password: "secret" }))).toBe(4);
    const bobs = await deviceLoginCredentials(bob.signer, { chainId: 31337 });
    expect(await loginError(connectDevice(port, alice, { password: bobs.password }))).toBe(4);
    const old = await deviceLoginCredentials(alice.signer, { chainId: 31337, now: Date.now() - 3_600_000 });
    expect(await loginError(connectDevice(port, alice, { password: old.password }))).toBe(4);
    expect(await loginError(connectDevice(port, stranger))).toBe(5);
    expect(await loginError(connectDevice(port, banned))).toBe(5);
    const failures = (await node.ingest.metrics.mqttAuthFailures.get()).values;
    expect(failures.length).toBeGreaterThan(before);
    expect(Object.fromEntries(failures.map((v) => [v.labels.reason, v.value]))).toMatchObject({
      malformed: 1,
      bad_signature: 1,
      expired: 1,
      unknown_device: 1,
      banned_device: 1,
    });
  });

  it("explains a refused event on devices/<address>/rejections, with the message id", async () => {
    const event = await signV2(statusEvent(alice, { sequence: 2n }), alice);
    (event.data as { signals: { value: number }[] }).signals[0]!.value = 1;
    const notice = nextMessage(client, rejectionsTopic(alice.address));
    const packet = await client.publishAsync(topic, Buffer.from(encode(event)), { qos: 1 });
    expect(await notice).toMatchObject({
      status: "rejected",
      reason: "bad_signature",
      messageId: packet?.messageId,
      topic,
    });
  });

  it("takes a batch of events in one PUBLISH: PUBACK after all are committed, a refusal named by its index", async () => {
    const good = [
      await signV2(statusEvent(alice, { sequence: 10n, id: "batch-0" }), alice),
      await signV2(statusEvent(alice, { sequence: 11n, id: "batch-1" }), alice),
      await signV2(statusEvent(alice, { sequence: 12n, id: "batch-2" }), alice),
    ];
    (good[1]!.data as { signals: { value: number }[] }).signals[0]!.value = 1; // tampered after signing
    const notice = nextMessage(client, rejectionsTopic(alice.address));
    const payload = ` [${good.map((e) => new TextDecoder().decode(encode(e))).join(",\n")}]`;
    const packet = await client.publishAsync(topic, payload, { qos: 1 });
    // PUBACK received: the two good events are stored, the tampered one is explained.
    expect(await node.count("SELECT count(*) FROM cloud_events WHERE id IN ('batch-0', 'batch-2')")).toBe(2);
    expect(await node.count("SELECT count(*) FROM cloud_events WHERE id = 'batch-1'")).toBe(0);
    expect(await notice).toMatchObject({
      reason: "bad_signature",
      index: 1,
      messageId: packet?.messageId,
    });
    // The same batch again changes nothing (each event is a duplicate).
    const before = await node.count("SELECT count(*) FROM signals");
    const again = nextMessage(client, rejectionsTopic(alice.address));
    await client.publishAsync(topic, payload, { qos: 1 });
    expect(await node.count("SELECT count(*) FROM signals")).toBe(before);
    expect(await again).toMatchObject({ reason: "bad_signature", index: 1 });
  });

  it("refuses a batch that is not a JSON array of objects, as a whole", async () => {
    const notice = nextMessage(client, rejectionsTopic(alice.address));
    await client.publishAsync(topic, "[1, 2]", { qos: 1 });
    expect(await notice).toMatchObject({ reason: "malformed" });
  });

  it("keeps a device to its own topics: publishing elsewhere is refused and never forwarded", async () => {
    const bobClient = await connectDevice(node.broker.port, bob);
    // SUBACK 0x80 (failure) for another device's topics.
    await expect(
      bobClient.subscribeAsync(`devices/${alice.address.toLowerCase()}/#`, { qos: 1 }),
    ).rejects.toThrow(/Subscribe error/);
    await bobClient.subscribeAsync(`devices/${bob.address.toLowerCase()}/#`, { qos: 1 });
    const received: string[] = [];
    bobClient.on("message", (t) => received.push(t));
    const notice = nextMessage(client, rejectionsTopic(alice.address));
    await client.publishAsync(`devices/${bob.address}/status`, Buffer.from(await signedStatus(alice)), {
      qos: 1,
    });
    expect(await notice).toMatchObject({ reason: "topic_not_allowed" });
    expect((await rejectionCounts(node.registry)).topic_not_allowed).toBe(1);
    await bobClient.endAsync();
    expect(received).toEqual([]);
  });

  it("accepts the AutoPi legacy status and maps its fields to catalogue signals of the paired vehicle", async () => {
    await client.publishAsync(topic, Buffer.from(await autopiStatus(alice)), { qos: 1 });
    const rows = await node.rows(
      "SELECT s.name, s.value_number, s.value_location, s.subject FROM signals s JOIN cloud_events e ON e.id = s.event_id WHERE e.specversion = '2.0' ORDER BY s.name",
    );
    expect(rows.map((r) => r.name)).toEqual([
      "currentLocationCoordinates",
      "lowVoltageBatteryCurrentVoltage",
      "powertrainCombustionEngineECT",
      "powertrainCombustionEngineSpeed",
      "speed",
    ]);
    expect(rows[0]!.value_location).toEqual({
      latitude: 42.26172693660968,
      longitude: -83.71029708818693,
      hdop: 0.8,
    });
    expect(rows.find((r) => r.name === "speed")!.value_number).toBe(42);
    expect(new Set(rows.map((r) => r.subject))).toEqual(new Set([alice.vehicleDid]));
  });

  it('accepts DIMO\'s MQTT wrapper {"compressedPayload": base64(gzip(json))}', async () => {
    const inner = await signedStatus(alice, { sequence: 3n });
    const wrapped = JSON.stringify({ compressedPayload: gzipSync(inner).toString("base64") });
    const before = await node.count("SELECT count(*) FROM cloud_events");
    await client.publishAsync(topic, wrapped, { qos: 1 });
    expect(await node.count("SELECT count(*) FROM cloud_events")).toBe(before + 1);
  });

  it("accepts a legacy-signed CloudEvent from a did:erc721 producer, bound to the topic's device", async () => {
    const event = statusEvent(alice, { sequence: 4n, id: "legacy-ce" });
    const { dimosequence: _s, data, ...header } = event;
    const dataText = JSON.stringify(data);
    const bytes = withRawData(
      { ...header, signature: await legacySignature(alice.privateKey, dataText) },
      dataText,
    );
    await client.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
    expect(
      await node.count(
        "SELECT count(*) FROM cloud_events WHERE id = 'legacy-ce' AND signature_scheme = 'legacy'",
      ),
    ).toBe(1);
  });
});
