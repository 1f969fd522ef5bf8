import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeDatabase, openDatabase } from "../../db/database.ts";
import {
  CHAIN_ID,
  DEVICES,
  encode,
  MemoryDirectory,
  signV2,
  statusEvent,
  testDevice,
  VEHICLES,
} from "../../ingest/__fixtures__/devices.ts";
import { createIngest, type Ingest } from "../../ingest/ingest.ts";
import { RawArchive } from "../../telemetry/archive.ts";
import { createFetchApi } from "./api.ts";
import { staticTestTokenAuthorizer } from "./auth.ts";

interface Header {
  id: string;
  [field: string]: unknown;
}
interface QueryResult {
  data: {
    cloudEvents: { header: Header; data: unknown }[];
    indexes: { indexKey: string; header: Header }[];
    latestIndex: { header: Header };
    latestCloudEvent: unknown;
    availableCloudEventTypes: unknown[];
  } | null;
  errors?: { message: string; extensions: { code: string } }[];
}

const device = testDevice(50);
const neighbour = testDevice(51);
const TOKEN = "test-token-0123456789abcdef";

describe("Fetch API over the raw archive", () => {
  let db: NodeDatabase;
  let ingest: Ingest;
  let api: ReturnType<typeof createFetchApi>;
  const sent: Awaited<ReturnType<typeof signV2>>[] = [];
  const t0 = Date.now() - 60_000;

  beforeAll(async () => {
    db = await openDatabase(":memory:");
    const directory = new MemoryDirectory().pair(device).pair(neighbour);
    ingest = createIngest({
      db,
      directory,
      chainId: CHAIN_ID,
      vehiclesContract: VEHICLES,
      devicesContract: DEVICES,
    });
    await ingest.start();
    for (let i = 0; i < 5; i++) {
      const event = await signV2(
        statusEvent(device, { sequence: BigInt(i + 1), timeMs: t0 + i * 1000, count: 3 }),
        device,
      );
      sent.push(event);
      await ingest.submit(encode(event), { transport: "http" });
    }
    const fingerprint = await signV2(
      {
        specversion: "1.0",
        id: "fp-1",
        source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
        producer: device.did,
        subject: device.vehicleDid,
        time: new Date(t0 + 10_000).toISOString(),
        type: "dimo.fingerprint",
        dimosequence: 99n,
        data: { vin: "1HGCM82633A004352" },
      },
      device,
    );
    await ingest.submit(encode(fingerprint), { transport: "http" });
    await ingest.submit(encode(await signV2(statusEvent(neighbour), neighbour)), { transport: "http" });
    api = createFetchApi({
      archive: await RawArchive.open(db),
      chainId: CHAIN_ID,
      vehiclesContract: VEHICLES,
      authorize: staticTestTokenAuthorizer({
        token: TOKEN,
        vehicleTokenId: device.vehicleId,
        privileges: [7],
      }),
    });
  });
  afterAll(async () => {
    await ingest.stop();
    await db.close();
  });

  async function query(text: string, token = TOKEN) {
    const response = await api.fetch("http://node/query", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text }),
    });
    return { status: response.status, body: (await response.json()) as QueryResult };
  }

  it("lists the vehicle's events newest first, with header and data as sent", async () => {
    const { body } = await query(
      `{ cloudEvents(did: "${device.vehicleDid}", limit: 3, filter: { type: "dimo.status" }) { header { id time subject producer signature dataversion tags } data } }`,
    );
    expect(body.errors).toBeUndefined();
    const events = body.data!.cloudEvents;
    expect(events.map((e) => e.header.id)).toEqual([sent[4]!.id, sent[3]!.id, sent[2]!.id]);
    expect(events[0]!.header).toMatchObject({
      subject: device.vehicleDid,
      producer: device.did,
      signature: sent[4]!.signature,
      time: sent[4]!.time,
      dataversion: "default/v1.0",
      tags: [],
    });
    expect(events[0]!.data).toEqual(sent[4]!.data);
  });

  it("answers latestCloudEvent, indexes, latestIndex and availableCloudEventTypes", async () => {
    const { body } = await query(`{
      latestCloudEvent(did: "${device.vehicleDid}") { header { type id } data }
      indexes(did: "${device.vehicleDid}", filter: { after: "${new Date(t0 + 2500).toISOString()}" , type: "dimo.status" }) { indexKey header { id } }
      latestIndex(did: "${device.vehicleDid}", filter: { id: "${sent[1]!.id}" }) { header { id } }
      availableCloudEventTypes(did: "${device.vehicleDid}") { type count firstSeen lastSeen }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.latestCloudEvent).toMatchObject({
      header: { type: "dimo.fingerprint", id: "fp-1" },
      data: { vin: "1HGCM82633A004352" },
    });
    expect(body.data!.indexes.map((i) => i.header.id)).toEqual([sent[4]!.id, sent[3]!.id]);
    expect(body.data!.indexes[0]!.indexKey).toMatch(/^[0-9a-f]{32}$/);
    expect(body.data!.latestIndex.header.id).toBe(sent[1]!.id);
    expect(body.data!.availableCloudEventTypes).toEqual([
      {
        type: "dimo.fingerprint",
        count: 1,
        firstSeen: new Date(t0 + 10_000).toISOString(),
        lastSeen: new Date(t0 + 10_000).toISOString(),
      },
      {
        type: "dimo.status",
        count: 5,
        firstSeen: new Date(t0).toISOString(),
        lastSeen: new Date(t0 + 4000).toISOString(),
      },
    ]);
  });

  it("refuses a request without the token with 401, and another vehicle's DID", async () => {
    const anonymous = await query(
      `{ cloudEvents(did: "${device.vehicleDid}") { header { id } } }`,
      "wrong-token-0123456789",
    );
    expect(anonymous.status).toBe(401);
    const other = await query(`{ cloudEvents(did: "${neighbour.vehicleDid}") { header { id } } }`);
    expect(other.body.errors![0]!.message).toMatch(/^unauthorized: the token is not for/);
    expect(other.body.data).toBeNull();
  });

  it("needs GetRawData, or both location and non-location history", async () => {
    const limited = createFetchApi({
      archive: await RawArchive.open(db),
      chainId: CHAIN_ID,
      vehiclesContract: VEHICLES,
      authorize: staticTestTokenAuthorizer({
        token: TOKEN,
        vehicleTokenId: device.vehicleId,
        privileges: [1],
      }),
    });
    const response = await limited.fetch("http://node/query", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: `{ cloudEvents(did: "${device.vehicleDid}") { header { id } } }` }),
    });
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toMatch(/missing required privilege\(s\) privilege:GetRawData/);
  });

  it("says NOT_FOUND when nothing matches, and refuses limits over 1000", async () => {
    const { body } = await query(
      `{ latestIndex(did: "${device.vehicleDid}", filter: { id: "nope" }) { indexKey } }`,
    );
    expect(body.errors![0]!.extensions.code).toBe("NOT_FOUND");
    const big = await query(`{ cloudEvents(did: "${device.vehicleDid}", limit: 1001) { header { id } } }`);
    expect(big.body.errors![0]!.message).toMatch(/limit must be from 1 to 1000/);
  });

  it("refuses to build a static test authorizer with a short token", () => {
    expect(() => staticTestTokenAuthorizer({ token: "short", vehicleTokenId: 1n, privileges: [7] })).toThrow(
      /16/,
    );
  });
});
