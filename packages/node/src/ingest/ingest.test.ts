import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import {
  CHAIN_ID,
  DEVICES,
  MemoryDirectory,
  signedStatus,
  type TestDevice,
  testDevice,
  VEHICLES,
} from "./__fixtures__/devices.ts";
import { IngestCommitError } from "./errors.ts";
import { createIngest, type Ingest } from "./ingest.ts";

const origin = { transport: "http" } as const;

describe("ingest core (group commit into DuckDB)", () => {
  let db: NodeDatabase;
  let ingest: Ingest;
  let device: TestDevice;

  beforeEach(async () => {
    db = await openDatabase(":memory:");
    device = testDevice(0);
    ingest = createIngest({
      db,
      directory: new MemoryDirectory().pair(device),
      chainId: CHAIN_ID,
      vehiclesContract: VEHICLES,
      devicesContract: DEVICES,
    });
    await ingest.start();
  });
  afterEach(async () => {
    await ingest.stop();
    await db.close();
  });

  async function count(sql: string): Promise<number> {
    const c = await db.connect();
    const rows = (await c.runAndReadAll(sql)).getRows();
    return Number(rows[0]![0]);
  }

  it("stores an accepted event in the raw archive and its 20 signals in the long table", async () => {
    const outcome = await ingest.submit(await signedStatus(device, { count: 20 }), origin);
    expect(outcome).toMatchObject({ status: "accepted", subject: device.vehicleDid });
    expect(await count("SELECT count(*) FROM cloud_events")).toBe(1);
    expect(await count("SELECT count(*) FROM signals")).toBe(20);
    const c = await db.connect();
    const row = (
      await c.runAndReadAll(
        "SELECT subject, producer, name, value_number, source FROM signals ORDER BY name, timestamp LIMIT 1",
      )
    ).getRowObjects()[0];
    expect(row).toMatchObject({
      subject: device.vehicleDid,
      producer: device.did,
      name: "chassisAxleRow1WheelLeftTirePressure",
      source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
      value_number: 19,
    });
  });

  it("is idempotent: a replayed event changes nothing", async () => {
    const bytes = await signedStatus(device, { count: 20 });
    expect((await ingest.submit(bytes, origin)).status).toBe("accepted");
    const replays = await Promise.all([ingest.submit(bytes, origin), ingest.submit(bytes, origin)]);
    expect(replays.map((r) => r.status)).toEqual(["duplicate", "duplicate"]);
    expect(await count("SELECT count(*) FROM cloud_events")).toBe(1);
    expect(await count("SELECT count(*) FROM signals")).toBe(20);
  });

  it("fails a batch whose commit fails, acknowledging none of it, and recovers after", async () => {
    const c = await db.connect();
    await c.run("ALTER TABLE cloud_events RENAME TO cloud_events_away");
    const failed = await Promise.allSettled([
      ingest.submit(await signedStatus(device, { sequence: 7n }), origin),
      ingest.submit(await signedStatus(device, { sequence: 8n }), origin),
    ]);
    for (const f of failed) {
      expect(f.status).toBe("rejected");
      expect((f as PromiseRejectedResult).reason).toBeInstanceOf(IngestCommitError);
    }
    await c.run("ALTER TABLE cloud_events_away RENAME TO cloud_events");
    expect(await count("SELECT count(*) FROM signals")).toBe(0);
    expect((await ingest.submit(await signedStatus(device, { sequence: 7n }), origin)).status).toBe(
      "accepted",
    );
    expect(await count("SELECT count(*) FROM signals")).toBe(20);
  });

  it("commits concurrent events in shared batches and accepts each exactly once", async () => {
    const events = await Promise.all(
      Array.from({ length: 300 }, (_, i) => signedStatus(device, { sequence: BigInt(i + 1), count: 5 })),
    );
    const outcomes = await Promise.all(events.map((e) => ingest.submit(e, origin)));
    expect(outcomes.every((o) => o.status === "accepted")).toBe(true);
    expect(await count("SELECT count(*) FROM cloud_events")).toBe(300);
    expect(await count("SELECT count(*) FROM signals")).toBe(1500);
    const batches = await ingest.metrics.batches.get();
    const commits = batches.values.find((v) => v.metricName === "dimo_ingest_batch_events_count")!.value;
    expect(commits).toBeLessThan(300);
  });
});

describe("ingest with admission on worker threads", () => {
  it("accepts, deduplicates and refuses exactly as on the main thread", async () => {
    const db = await openDatabase(":memory:");
    const device = testDevice(1);
    const stranger = testDevice(2);
    const ingest = createIngest({
      db,
      directory: new MemoryDirectory().pair(device),
      chainId: CHAIN_ID,
      vehiclesContract: VEHICLES,
      devicesContract: DEVICES,
      admissionWorkers: 2,
    });
    await ingest.start();
    try {
      const events = await Promise.all(
        Array.from({ length: 50 }, (_, i) => signedStatus(device, { sequence: BigInt(i + 1) })),
      );
      const outcomes = await Promise.all([...events, events[0]!].map((e) => ingest.submit(e, origin)));
      expect(outcomes.filter((o) => o.status === "accepted")).toHaveLength(50);
      expect(outcomes.filter((o) => o.status === "duplicate")).toHaveLength(1);
      expect(await ingest.submit(await signedStatus(stranger), origin)).toMatchObject({
        status: "rejected",
        reason: "unknown_device",
      });
      expect(await ingest.submit(new TextEncoder().encode("{nope"), origin)).toMatchObject({
        status: "rejected",
        reason: "malformed",
      });
      const c = await db.connect();
      expect(Number((await c.runAndReadAll("SELECT count(*) FROM signals")).getRows()[0]![0])).toBe(1000);
    } finally {
      await ingest.stop();
      await db.close();
    }
  });
});
