import { erc721Did } from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHAIN_ID,
  DEVICES,
  encode,
  MemoryDirectory,
  signedStatus,
  signV2,
  statusEvent,
  testDevice,
  VEHICLES,
} from "./__fixtures__/devices.ts";
import { rejectionCounts, startTestNode, type TestNode } from "./__fixtures__/harness.ts";
import { CLOUDEVENTS_BATCH } from "./batch.ts";

const paired = testDevice(0);
const unpaired = testDevice(1);
const banned = testDevice(2);
const unknown = testDevice(3);

const directory = new MemoryDirectory()
  .pair(paired)
  .set(unpaired.address, { status: "unpaired", deviceId: unpaired.deviceId, manufacturerId: 1n })
  .set(banned.address, { status: "banned", deviceId: banned.deviceId, manufacturerId: 1n });

describe("HTTP ingest: every rejection reason, end to end", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode(directory);
  });
  afterAll(() => node.close());

  const cases: [
    string,
    () => Promise<{ body: Uint8Array | string; headers?: Record<string, string> }>,
    number,
  ][] = [
    ["malformed", async () => ({ body: '{"specversion": "1.0", ' }), 400],
    [
      "oversized",
      async () => ({ body: await signedStatus(paired, { count: 6000, sequence: 900n }) }), // > 256 KiB
      413,
    ],
    [
      "header_too_large",
      async () => ({
        body: encode({ ...statusEvent(paired), dimosequence: "1", padding: "x".repeat(9000) }),
      }),
      413,
    ],
    [
      "unsupported_content_type",
      async () => ({ body: "hello", headers: { "content-type": "text/plain" } }),
      415,
    ],
    [
      "invalid_event",
      async () => {
        const { id: _id, ...event } = statusEvent(paired);
        return { body: encode({ ...event, dimosequence: "1" }) };
      },
      422,
    ],
    [
      "future_time",
      async () => ({ body: await signedStatus(paired, { timeMs: Date.now() + 3_600_000, sequence: 901n }) }),
      422,
    ],
    ["missing_signature", async () => ({ body: encode({ ...statusEvent(paired), dimosequence: "1" }) }), 401],
    [
      "bad_signature",
      async () => {
        const event = await signV2(statusEvent(paired, { sequence: 902n }), paired);
        (event.data as { signals: { value: number }[] }).signals[0]!.value = 99;
        return { body: encode(event) };
      },
      401,
    ],
    [
      "wrong_chain",
      async () => {
        const event = statusEvent(paired, { sequence: 903n });
        return {
          body: encode(
            await signV2(
              { ...event, producer: erc721Did(1, DEVICES, 1n), subject: erc721Did(1, VEHICLES, 1000n) },
              paired,
            ),
          ),
        };
      },
      403,
    ],
    ["unknown_device", async () => ({ body: await signedStatus(unknown) }), 403],
    ["banned_device", async () => ({ body: await signedStatus(banned) }), 403],
    ["unpaired_device", async () => ({ body: await signedStatus(unpaired) }), 403],
    [
      "subject_mismatch",
      async () => ({
        body: encode(
          await signV2(
            { ...statusEvent(paired, { sequence: 904n }), subject: erc721Did(CHAIN_ID, VEHICLES, 5n) },
            paired,
          ),
        ),
      }),
      403,
    ],
    [
      "producer_mismatch",
      async () => ({
        body: encode(
          await signV2(
            { ...statusEvent(paired, { sequence: 905n }), producer: erc721Did(CHAIN_ID, DEVICES, 77n) },
            paired,
          ),
        ),
      }),
      403,
    ],
  ];

  it.each(cases)("refuses %s with its reason, a message and HTTP %s", async (reason, make, status) => {
    const before = (await rejectionCounts(node.registry))[reason] ?? 0;
    const { body, headers } = await make();
    const response = await node.post("/v1/events", body, headers);
    expect(response.body).toMatchObject({ status: "rejected", reason });
    expect(response.body.message.length).toBeGreaterThan(10);
    expect(response.status).toBe(status);
    expect((await rejectionCounts(node.registry))[reason]).toBe(before + 1);
  });

  it("stored none of the refused events", async () => {
    expect(await node.count("SELECT count(*) FROM cloud_events")).toBe(0);
  });

  it("refuses a body over the request limit before reading it", async () => {
    const response = await node.post("/v1/events", "x".repeat(5 * 1024 * 1024));
    expect(response).toMatchObject({ status: 413, body: { reason: "oversized" } });
  });

  it("refuses a signature that is not the device's named in the path", async () => {
    const response = await node.post(`/v1/devices/${unpaired.address}/events`, await signedStatus(paired));
    expect(response).toMatchObject({ status: 401, body: { reason: "bad_signature" } });
  });

  it("answers 200 once committed, then duplicate for the same event", async () => {
    const bytes = await signedStatus(paired, { sequence: 1n });
    expect(await node.post("/v1/events", bytes)).toMatchObject({ status: 200, body: { status: "accepted" } });
    expect(await node.count("SELECT count(*) FROM signals")).toBe(20);
    expect(await node.post("/v1/events", bytes)).toMatchObject({
      status: 200,
      body: { status: "duplicate" },
    });
    expect(await node.count("SELECT count(*) FROM signals")).toBe(20);
  });

  it("takes a CloudEvents batch and answers per event (207 when some are refused)", async () => {
    const good = await signV2(statusEvent(paired, { sequence: 10n }), paired);
    const bad = await signV2(statusEvent(unpaired, { sequence: 11n }), unpaired);
    const body = JSON.stringify([good, bad, good]);
    const response = await node.post("/v1/events", body, { "content-type": CLOUDEVENTS_BATCH });
    expect(response.status).toBe(207);
    expect(response.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 1, errors: 0 });
    expect(response.body.results[1]).toMatchObject({ status: "rejected", reason: "unpaired_device" });
  });

  it("refuses a batch over the event limit, and a batch that is not an array", async () => {
    const tooMany = `[${Array.from({ length: 1001 }, () => "{}").join(",")}]`;
    expect(await node.post("/v1/events", tooMany, { "content-type": CLOUDEVENTS_BATCH })).toMatchObject({
      status: 413,
      body: { reason: "batch_too_large" },
    });
    expect(await node.post("/v1/events", '{"a":1}', { "content-type": CLOUDEVENTS_BATCH })).toMatchObject({
      status: 400,
      body: { reason: "malformed" },
    });
  });
});

describe("HTTP ingest under overload", () => {
  it("answers 503 overloaded with Retry-After when the queue is full", async () => {
    const node = await startTestNode(directory, { maxQueuedEvents: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${node.http.port}/v1/events`, {
        method: "POST",
        body: Buffer.from(await signedStatus(paired)),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({ reason: "overloaded" });
      expect((await rejectionCounts(node.registry)).overloaded).toBe(1);
    } finally {
      await node.close();
    }
  });
});
