import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingest } from "@dimo-open/node";
import {
  type CodecName,
  deviceLoginCredentials,
  parseEvent,
  sniffCodec,
  verifyEventSignature,
} from "@dimo-open/stream";
import { generatePrivateKey } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { EventBuffer } from "../buffer/event-buffer.ts";
import { UplinkError } from "../errors.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import { Forwarder } from "./forwarder.ts";
import { HttpUplink } from "./http-uplink.ts";
import { MqttUplink } from "./mqtt-uplink.ts";
import { Outbox } from "./outbox.ts";
import { PersistentSequence } from "./sequence-store.ts";
import { startTestBroker, type TestBroker } from "./test-broker.test-support.ts";
import type { Uplink } from "./uplink.ts";

// Account 1 of the development mnemonic.
const element = privateKeyElement(generatePrivateKey());
const identity = {
  source: element.address,
  producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:1",
  subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
};
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function device(
  uplink: Uplink,
  codec: CodecName = "json",
  dir = mkdtempSync(join(tmpdir(), "dimo-uplink-")),
) {
  const buffer = EventBuffer.open({ dir: join(dir, "buffer"), budgetBytes: 1 << 20 });
  const sequence = PersistentSequence.open(join(dir, "sequence.json"), { block: 10 });
  const rejected: string[] = [];
  const forwarder = new Forwarder({
    buffer,
    uplink,
    retryDelayMs: 50,
    maxRetryDelayMs: 200,
    onRejected: (e) => rejected.push(e.id),
  });
  const outbox = new Outbox({
    signer: element,
    sequence,
    buffer,
    codec,
    identity,
    onAppended: () => forwarder.kick(),
  });
  cleanups.push(() => {
    forwarder.stop();
    buffer.close();
  });
  return { buffer, sequence, forwarder, outbox, rejected, dir };
}

const status = (speed: number) => ({ signals: [{ timestamp: Date.now(), name: "speed", value: speed }] });
const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

function verified(bytes: Uint8Array, contentType?: string, contentEncoding?: string) {
  const parsed = parseEvent(bytes, { contentType, contentEncoding });
  const v = verifyEventSignature(parsed, { chainId: 31337 });
  return { event: parsed.event as { id: string; data: { signals: { value: number }[] } }, ...v };
}

describe("MQTT uplink", () => {
  let broker: TestBroker;

  it("delivers signed, numbered events on the device's topic with QoS 1", async () => {
    broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address, reconnectPeriodMs: 50 });
    cleanups.push(() => uplink.stop());
    const d = device(uplink, "json+gzip");
    await uplink.start();
    d.forwarder.start();
    for (let i = 0; i < 5; i++) await d.outbox.publish("dimo.status", status(i));
    await d.forwarder.drained();
    expect(broker.received.map((r) => r.topic)).toEqual(Array(5).fill(`devices/${element.address}/status`));
    expect(broker.received[0]!.clientId).toBe(element.address);
    const events = broker.received.map((r) => verified(r.payload, undefined, undefined));
    expect(sniffCodec(broker.received[0]!.payload)?.name).toBe("json+gzip");
    expect(events.map((e) => e.sequence)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(events.every((e) => e.signer === element.address)).toBe(true);
    expect(d.buffer.stats.pending).toBe(0);
  });

  it("keeps an event in the buffer until its PUBACK arrives", async () => {
    broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address });
    cleanups.push(() => uplink.stop());
    const d = device(uplink);
    await uplink.start();
    d.forwarder.start();
    broker.hold = true;
    await d.outbox.publish("dimo.status", status(1));
    await until(() => d.forwarder.stats.inFlight === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(d.buffer.stats.pending).toBe(1);
    broker.release();
    await d.forwarder.drained();
    expect(d.buffer.stats.pending).toBe(0);
  });

  it("buffers while the broker is down and resends everything after reconnecting", async () => {
    broker = await startTestBroker();
    const port = broker.port;
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address, reconnectPeriodMs: 50 });
    cleanups.push(() => uplink.stop());
    const d = device(uplink);
    await uplink.start();
    d.forwarder.start();
    await broker.close();
    await until(() => !uplink.connected);
    for (let i = 0; i < 20; i++) await d.outbox.publish("dimo.status", status(i));
    await new Promise((r) => setTimeout(r, 150));
    expect(d.buffer.stats.pending).toBe(20);
    broker = await startTestBroker(port);
    cleanups.push(() => broker.close());
    await d.forwarder.drained();
    const speeds = broker.received.map((r) => verified(r.payload).event.data.signals[0]!.value);
    expect(new Set(speeds)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
    expect(d.buffer.stats.pending).toBe(0);
  });

  it("continues its sequence numbers and resends unacknowledged events after a restart", async () => {
    broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const offline = new MqttUplink({
      url: "mqtt://127.0.0.1:1",
      deviceAddress: element.address,
      reconnectPeriodMs: 1000,
    });
    const first = device(offline);
    for (let i = 0; i < 3; i++) await first.outbox.publish("dimo.status", status(i));
    first.forwarder.stop();
    first.buffer.close();
    await offline.stop();
    // The "restarted process": same directory, new objects.
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address });
    cleanups.push(() => uplink.stop());
    const second = device(uplink, "json", first.dir);
    await uplink.start();
    await second.outbox.publish("dimo.status", status(3));
    second.forwarder.start();
    await second.forwarder.drained();
    const sequences = broker.received.map((r) => verified(r.payload).sequence);
    expect(sequences.slice(0, 3)).toEqual([0n, 1n, 2n]);
    // The restart skipped the rest of the reserved block (a gap), never reusing a number.
    expect(sequences[3]).toBe(10n);
  });

  it("refuses protobuf over MQTT 3.1.1 for good, with what to do", async () => {
    broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const uplink = new MqttUplink({ url: broker.url, deviceAddress: element.address });
    cleanups.push(() => uplink.stop());
    await uplink.start();
    const error = await uplink
      .send({ key: 0, id: "x", type: "dimo.status", codec: "protobuf", bytes: new Uint8Array(1) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UplinkError);
    expect(error.permanent).toBe(true);
    expect(error.details).toContain("HTTPS");
  });

  it("signs a fresh login for every connection, so it logs in again after the node's login window has passed", async () => {
    // One clock for the device and the node; moved instead of waited for.
    let clock = 1_800_000_000_000;
    const logins: { client: string; outcome: string }[] = [];
    broker = await startTestBroker(0, {
      // The node's own check of a device login (±5 minutes of its clock).
      authenticate: (username, password) => {
        try {
          ingest.verifyDeviceLogin(username, password, { chainId: 31337, now: clock });
          logins.push({ client: username ?? "", outcome: "accepted" });
          return true;
        } catch (error) {
          logins.push({ client: username ?? "", outcome: (error as ingest.DeviceLoginError).reason });
          return false;
        }
      },
    });
    cleanups.push(() => broker.close());
    const fresh = new MqttUplink({
      url: broker.url,
      deviceAddress: element.address,
      reconnectPeriodMs: 20,
      credentials: () => deviceLoginCredentials(element, { chainId: 31337, now: clock }),
    });
    cleanups.push(() => fresh.stop());
    const d = device(fresh);
    await fresh.start();
    d.forwarder.start();
    await d.outbox.publish("dimo.status", status(1));
    await d.forwarder.drained();

    // Ten minutes later the connection drops; the reconnection signs a login for the new time.
    clock += 10 * 60_000;
    broker.dropClients();
    await until(() => !fresh.connected);
    await d.outbox.publish("dimo.status", status(2));
    await until(() => d.buffer.stats.pending === 0);
    expect(fresh.connected).toBe(true);
    expect(logins).toEqual([
      { client: element.address, outcome: "accepted" },
      { client: element.address, outcome: "accepted" },
    ]);
    expect(broker.received.map((r) => verified(r.payload).event.data.signals[0]!.value)).toEqual([1, 2]);

    // The contrast: a login signed once and kept is refused on the same reconnection.
    const other = privateKeyElement(generatePrivateKey());
    const kept = await deviceLoginCredentials(other, { chainId: 31337, now: clock });
    const stale = new MqttUplink({
      url: broker.url,
      deviceAddress: other.address,
      reconnectPeriodMs: 20,
      ...kept,
    });
    cleanups.push(() => stale.stop());
    await stale.start();
    clock += 10 * 60_000;
    broker.dropClients();
    await until(() => logins.filter((l) => l.client === other.address).length >= 3);
    expect(stale.connected).toBe(false);
    expect(logins.filter((l) => l.client === other.address).map((l) => l.outcome)).toEqual([
      "accepted",
      "expired",
      "expired",
    ]);
  });
});

describe("HTTP uplink", () => {
  async function node(answer: (req: IncomingMessage, body: Buffer) => number) {
    const received: { path: string; type: string | undefined; encoding: string | undefined; body: Buffer }[] =
      [];
    const server: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      received.push({
        path: req.url!,
        type: req.headers["content-type"],
        encoding: req.headers["content-encoding"],
        body,
      });
      res.statusCode = answer(req, body);
      res.end(res.statusCode >= 400 ? '{"code":"invalid_event"}' : "{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, received, server, port };
  }

  it("POSTs each event with its codec's content type and removes it on 2xx", async () => {
    const n = await node(() => 202);
    const uplink = new HttpUplink({ url: n.url, deviceAddress: element.address });
    const d = device(uplink, "protobuf");
    await uplink.start();
    d.forwarder.start();
    for (let i = 0; i < 3; i++) await d.outbox.publish("dimo.status", status(i));
    await d.forwarder.drained();
    expect(n.received).toHaveLength(3);
    expect(n.received[0]!.path).toBe(`/v1/devices/${element.address}/events`);
    expect(n.received[0]!.type).toBe("application/x-protobuf;proto=dimo.stream.v1.CloudEvent");
    const v = verified(n.received[2]!.body, n.received[2]!.type);
    expect(v.sequence).toBe(2n);
  });

  it("retries after 5xx and network failures, drops events the node refuses for good", async () => {
    let calls = 0;
    const n = await node((_req, body) => {
      calls++;
      if (calls <= 2) return 503;
      return verified(body, "application/cloudevents+json").event.data.signals[0]!.value === 13 ? 400 : 200;
    });
    const uplink = new HttpUplink({ url: n.url, deviceAddress: element.address });
    const d = device(uplink);
    await uplink.start();
    d.forwarder.start();
    for (const v of [11, 12, 13, 14]) await d.outbox.publish("dimo.status", status(v));
    await d.forwarder.drained();
    expect(d.forwarder.stats).toMatchObject({ rejected: 1, acknowledged: 3 });
    expect(d.forwarder.stats.failures).toBeGreaterThanOrEqual(2);
    expect(d.rejected).toHaveLength(1);
    expect(d.buffer.stats.pending).toBe(0);

    // The node goes away: events wait, and go once it is back on the same port.
    const port = n.port;
    await new Promise<void>((r) => n.server.close(() => r()));
    n.server.closeAllConnections();
    await d.outbox.publish("dimo.status", status(20));
    await until(() => d.forwarder.stats.failures >= 3);
    expect(d.buffer.stats.pending).toBe(1);
    const back = createServer((_req, res) => {
      res.statusCode = 201;
      res.end();
    });
    await new Promise<void>((r) => back.listen(port, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => back.close(() => r())));
    await d.forwarder.drained();
    expect(d.buffer.stats.pending).toBe(0);
  });
});
