/**
 * "2b" batches from the device: events wait unsigned, are sealed with one signature into a batch
 * stored before it is sent, and the batch goes as one message (MQTT PUBLISH / HTTP POST).
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvent, verifyEventSignature } from "@dimo-open/stream";
import { generatePrivateKey } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { parseAgentConfig } from "../agent/agent-config.ts";
import { EventBuffer } from "../buffer/event-buffer.ts";
import { AgentConfigError, DeviceError } from "../errors.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import type { SecureElement } from "../keystore/secure-element.ts";
import { Forwarder } from "./forwarder.ts";
import { HttpUplink } from "./http-uplink.ts";
import { MqttUplink } from "./mqtt-uplink.ts";
import { Outbox } from "./outbox.ts";
import { PersistentSequence } from "./sequence-store.ts";
import { startTestBroker } from "./test-broker.test-support.ts";
import type { Uplink } from "./uplink.ts";

const key = privateKeyElement(generatePrivateKey());
/** The element, counting its signatures. */
const signatures = { count: 0 };
const element: SecureElement = {
  ...key,
  address: key.address,
  signDigest: (digest) => {
    signatures.count++;
    return key.signDigest(digest);
  },
};
const identity = {
  source: key.address,
  producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:1",
  subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
};
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const newDir = () => mkdtempSync(join(tmpdir(), "dimo-batch-"));

function device(uplink: Uplink, options: { dir?: string; maxEvents?: number; budgetBytes?: number } = {}) {
  const dir = options.dir ?? newDir();
  const buffer = EventBuffer.open({ dir: join(dir, "buffer"), budgetBytes: options.budgetBytes ?? 1 << 20 });
  const sequence = PersistentSequence.open(join(dir, "sequence.json"), { block: 10 });
  const rejected: string[] = [];
  const outbox = new Outbox({
    signer: element,
    sequence,
    buffer,
    codec: "json",
    identity,
    batch: true,
    onAppended: () => forwarder.kick(),
  });
  const forwarder = new Forwarder({
    buffer,
    uplink,
    retryDelayMs: 50,
    maxRetryDelayMs: 200,
    onRejected: (e) => rejected.push(e.id),
    seal: (members) => outbox.seal(members),
    batchMaxEvents: options.maxEvents ?? 10,
    // Long: in these tests a batch goes when full or when drained() asks.
    batchMaxDelayMs: 60_000,
  });
  cleanups.push(() => {
    forwarder.stop();
    buffer.close();
  });
  return { buffer, forwarder, outbox, rejected, dir };
}

const status = (speed: number) => ({ signals: [{ timestamp: Date.now(), name: "speed", value: speed }] });
const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Each element of a batch payload, verified on its own as a node would. */
function verifiedBatch(payload: Buffer) {
  const items = JSON.parse(payload.toString("utf8")) as unknown[];
  return items.map((item) => {
    const parsed = parseEvent(Buffer.from(JSON.stringify(item)), {
      contentType: "application/cloudevents+json",
    });
    const v = verifyEventSignature(parsed, { chainId: 31337 });
    return {
      event: parsed.event as { id: string; signature: string; data: { signals: { value: number }[] } },
      ...v,
    };
  });
}

describe("device batches (2b)", () => {
  it("seals N events with one signature into one QoS 1 publish on the status topic, each event verifiable alone", async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: key.address, reconnectPeriodMs: 50 });
    cleanups.push(() => uplink.stop());
    const d = device(uplink, { maxEvents: 25 });
    await uplink.start();
    d.forwarder.start();
    const before = signatures.count;
    for (let i = 0; i < 25; i++) await d.outbox.publish("dimo.status", status(i));
    await d.forwarder.drained();

    expect(signatures.count - before).toBe(1);
    expect(broker.received).toHaveLength(1);
    expect(broker.received[0]!.topic).toBe(`devices/${key.address}/status`);
    const events = verifiedBatch(broker.received[0]!.payload);
    expect(events).toHaveLength(25);
    expect(events.every((e) => e.scheme === "v2b" && e.signer === key.address)).toBe(true);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));
    expect(events.map((e) => e.event.data.signals[0]!.value)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    expect(new Set(events.map((e) => e.event.signature)).size).toBe(1);
    expect(d.forwarder.stats).toMatchObject({ sent: 25, acknowledged: 25, batchesSealed: 1, batchesSent: 1 });
    expect(d.buffer.stats.pending).toBe(0);
  });

  it("waits for a full batch, and sends what waits when drained() asks", async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: key.address, reconnectPeriodMs: 50 });
    cleanups.push(() => uplink.stop());
    const d = device(uplink, { maxEvents: 10 });
    await uplink.start();
    d.forwarder.start();
    for (let i = 0; i < 23; i++) await d.outbox.publish("dimo.status", status(i));
    await until(() => broker.received.length === 2);
    // Two full batches went; three events wait for the next one.
    await new Promise((r) => setTimeout(r, 100));
    expect(broker.received).toHaveLength(2);
    expect(d.buffer.stats.pending).toBe(3);
    await d.forwarder.drained();
    expect(broker.received.map((r) => (JSON.parse(r.payload.toString()) as unknown[]).length)).toEqual([
      10, 10, 3,
    ]);
  });

  it("resends the stored batch byte for byte after a lost PUBACK and after a restart, without signing again", async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({
      url: broker.url,
      deviceAddress: key.address,
      reconnectPeriodMs: 50,
      ackTimeoutMs: 500,
    });
    cleanups.push(() => uplink.stop());
    const d = device(uplink, { maxEvents: 8 });
    await uplink.start();
    d.forwarder.start();
    broker.hold = true;
    const before = signatures.count;
    for (let i = 0; i < 8; i++) await d.outbox.publish("dimo.status", status(i));
    await until(() => broker.heldCount === 1);
    // The connection drops with the PUBACK still owed: the batch goes again on the next one.
    broker.dropClients();
    broker.release();
    await d.forwarder.drained();
    expect(broker.received.length).toBeGreaterThanOrEqual(2);
    const first = broker.received[0]!.payload;
    expect(broker.received.every((r) => r.payload.equals(first))).toBe(true);
    expect(signatures.count - before).toBe(1);

    // Restart between sealing and acknowledgement: the new run sends the stored batch as it is.
    const dir = newDir();
    const sealer = device({ kind: "mqtt", connected: true } as unknown as Uplink, { dir, maxEvents: 4 });
    for (let i = 0; i < 4; i++) await sealer.outbox.publish("dimo.status", status(100 + i));
    const { batch } = await sealer.outbox.seal(sealer.buffer.pending(4));
    sealer.buffer.close();
    const signedBefore = signatures.count;
    const received = broker.received.length;
    const again = device(uplink, { dir, maxEvents: 4 });
    again.forwarder.start();
    await again.forwarder.drained();
    expect(signatures.count).toBe(signedBefore);
    expect(broker.received).toHaveLength(received + 1);
    expect(Buffer.from(broker.received.at(-1)!.payload).equals(Buffer.from(batch!.bytes))).toBe(true);
  });

  it("keeps unsigned events and sealed batches across a crash between writing a batch and acknowledging its events", () => {
    const dir = newDir();
    const b = EventBuffer.open({ dir, budgetBytes: 1 << 20 });
    const meta = (n: number) => ({
      id: `ev-${n}`,
      type: "dimo.status",
      codec: "json" as const,
      unsigned: true as const,
    });
    const keys = Array.from({ length: 6 }, (_, i) => b.append(meta(i), new Uint8Array(100).fill(i)).key);
    // What appendBatch writes first; the process dies before it acknowledges the events.
    b.append(
      { id: "ev-0", type: "dimo.status", codec: "json", batch: { from: keys[0]!, to: keys[3]!, count: 4 } },
      new Uint8Array(500).fill(9),
    );
    b.close();
    const again = EventBuffer.open({ dir, budgetBytes: 1 << 20 });
    const left = again.pending(100);
    expect(left.map((e) => e.id)).toEqual(["ev-4", "ev-5", "ev-0"]);
    expect(left.map((e) => Boolean(e.batch))).toEqual([false, false, true]);
    expect(left[2]!.batch).toEqual({ from: keys[0], to: keys[3], count: 4 });
    again.close();
  });

  it("thins unsigned events under the byte budget and keeps a sealed batch whole", async () => {
    const d = device({ kind: "mqtt", connected: true } as unknown as Uplink, {
      maxEvents: 10,
      budgetBytes: 64 * 1024,
    });
    for (let i = 0; i < 10; i++) await d.outbox.publish("dimo.status", status(i));
    const { batch } = await d.outbox.seal(d.buffer.pending(10));
    expect(batch!.batch!.count).toBe(10);
    for (let i = 10; i < 600; i++) await d.outbox.publish("dimo.status", status(i));
    const stats = d.buffer.stats;
    expect(stats.thinned).toBeGreaterThan(0);
    expect(stats.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(d.buffer.measuredBytes()).toBe(stats.bytes);
    const held = d.buffer.pending(10_000);
    const sealed = held.filter((e) => e.batch);
    expect(sealed).toHaveLength(1);
    expect(Buffer.from(sealed[0]!.bytes).equals(Buffer.from(batch!.bytes))).toBe(true);
    // The newest readings are all there; thinning took from the older unsigned ones.
    const unsigned = held
      .filter((e) => e.unsigned)
      .map((e) => JSON.parse(Buffer.from(e.bytes).toString()) as { data: { signals: { value: number }[] } });
    const values = unsigned.map((e) => e.data.signals[0]!.value);
    expect(values.at(-1)).toBe(599);
    expect(values.length).toBeLessThan(580);
  });

  it("refuses batches with a codec other than json, in the agent configuration and in the outbox", () => {
    const config = {
      dataDir: "data",
      keystore: { type: "file", path: "device.key" },
      identity: {
        chainId: 31337,
        devicesContract: "0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA",
        deviceTokenId: 1,
        vehiclesContract: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
        vehicleTokenId: 7,
      },
      uplink: { type: "mqtt", url: "mqtt://127.0.0.1:1883", batch: { maxEvents: 50 } },
      can: { type: "simulator", seed: 1 },
      logger: { config: "logger.json" },
    };
    for (const codec of ["protobuf", "avro", "json+gzip"]) {
      let error: unknown;
      try {
        parseAgentConfig({ ...config, codec });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AgentConfigError);
      expect((error as AgentConfigError).details).toMatch(
        /codec: uplink\.batch sends CloudEvents JSON batches/,
      );
    }
    expect(parseAgentConfig({ ...config, codec: "json" }).uplink.batch).toEqual({ maxEvents: 50 });
    expect(() =>
      parseAgentConfig({ ...config, uplink: { ...config.uplink, batch: { maxEvents: 0 } }, codec: "json" }),
    ).toThrow(AgentConfigError);
    const dir = newDir();
    expect(
      () =>
        new Outbox({
          signer: element,
          sequence: PersistentSequence.open(join(dir, "sequence.json")),
          buffer: EventBuffer.open({ dir: join(dir, "buffer"), budgetBytes: 1 << 20 }),
          codec: "protobuf",
          identity,
          batch: true,
        }),
    ).toThrow(DeviceError);
  });

  it("over HTTP: a transient answer sends the same batch again; refusals for good inside it are reported by id, the rest acknowledged", async () => {
    // A node's answers (docs/ingest.md): 503, then a 207 naming one event overloaded, then a 207
    // refusing one event for good.
    const bodies: Buffer[] = [];
    const types: (string | undefined)[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      bodies.push(Buffer.concat(chunks));
      types.push(req.headers["content-type"]);
      const n = (JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length;
      const results: { status: string; reason?: string; message?: string }[] = Array.from(
        { length: n },
        () => ({
          status: "accepted",
        }),
      );
      if (bodies.length === 1) {
        res.statusCode = 503;
        return res.end("{}");
      }
      results[2] =
        bodies.length === 2
          ? { status: "rejected", reason: "overloaded", message: "busy" }
          : { status: "rejected", reason: "future_time", message: "ahead" };
      res.statusCode = 207;
      res.end(JSON.stringify({ results }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const uplink = new HttpUplink({
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      deviceAddress: key.address,
    });
    // Not started: "connected" is false until a send gets through, and a batch is what tries.
    const d = device(uplink, { maxEvents: 5 });
    d.forwarder.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await d.outbox.publish("dimo.status", status(i))).id);
    await d.forwarder.drained();

    expect(bodies).toHaveLength(3);
    expect(types.every((t) => t === "application/cloudevents-batch+json")).toBe(true);
    expect(bodies.every((b) => b.equals(bodies[0]!))).toBe(true);
    expect(d.rejected).toEqual([ids[2]]);
    expect(d.forwarder.stats).toMatchObject({
      rejected: 1,
      acknowledged: 4,
      batchesSealed: 1,
      batchesSent: 3,
    });
    expect(d.forwarder.stats.failures).toBe(2);
    expect(d.buffer.stats.pending).toBe(0);
  });
});
