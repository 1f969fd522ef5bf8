import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/database.ts";
import { createTelemetrySchema } from "../../telemetry/schema.ts";
import { SerialConnection } from "../sql.ts";
import { storeSamples } from "../telemetry.test-support.ts";
import { SignalRollups } from "./rollups.ts";
import { type AggregationRequest, SignalStore } from "./store.ts";

const PREFIX = "did:erc721:1:0x0000000000000000000000000000000000000abc:";
const T0 = Date.parse("2025-01-01T00:00:00Z");

/** Deterministic pseudo-random numbers (mulberry32) so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("rollups", () => {
  it("answer exactly what the raw rows answer: rolled, unrolled, late and partial-minute data, any from, any interval", async () => {
    const database = await openDatabase(":memory:");
    await createTelemetrySchema(await database.connect());
    const rollups = await SignalRollups.open(await SerialConnection.open(database), PREFIX, {
      unrolledWindowMs: Number.MAX_SAFE_INTEGER,
    });
    const withRollups = new SignalStore(await SerialConnection.open(database), rollups);
    const rawOnly = new SignalStore(await SerialConnection.open(database));
    const next = random(42);
    const write = async (vehicle: number, n: number, spanMs: number) => {
      const samples = Array.from({ length: n }, () => ({
        name: next() < 0.5 ? "speed" : "exteriorAirTemperature",
        // distinct timestamps per batch so FIRST/LAST are unambiguous
        timestamp: T0 + Math.floor(next() * spanMs),
        value: Math.round(next() * 2000) / 10 - 50,
      }));
      const unique = [...new Map(samples.map((s) => [`${s.name}|${s.timestamp}`, s])).values()];
      await storeSamples(database, `${PREFIX}${vehicle}`, unique);
    };
    await write(7, 3000, 6 * 3_600_000);
    await write(8, 500, 6 * 3_600_000);
    expect(await rollups.catchUp()).toBeGreaterThan(0);
    await write(7, 400, 6 * 3_600_000); // late data for minutes already rolled
    await rollups.roll(100); // partly rolled
    await write(7, 300, 7 * 3_600_000); // not rolled at all
    const aggs = ["AVG", "MIN", "MAX", "FIRST", "LAST"] as const;
    const fields: AggregationRequest[] = aggs.flatMap((agg) => [
      { key: `s${agg}`, signal: "speed", type: "float", agg },
      { key: `t${agg}`, signal: "exteriorAirTemperature", type: "float", agg },
    ]);
    const compare = async (i: number) => {
      // Minute-aligned, hour-aligned and off-the-minute starts; intervals below, at and above an hour.
      const fromMs = [
        T0 + Math.floor(next() * 120) * 60_000,
        T0 + Math.floor(next() * 3) * 3_600_000,
        T0 + Math.floor(next() * 7_200_000),
        T0 + Math.floor(next() * 12) * 600_000,
      ][i % 4]!;
      const intervalMs = [60_000, 15 * 60_000, 3_600_000, 7_200_000, 90_000, 600_000, 1_200_000][i % 7]!;
      const toMs = fromMs + Math.floor(next() * 6 * 3_600_000) + 1;
      const q = { vehicleId: 7n, subject: `${PREFIX}7`, fromMs, toMs, intervalMs, fields };
      const a = await withRollups.aggregate(q);
      const b = await rawOnly.aggregate(q);
      expect(a.length).toBe(b.length);
      a.forEach((bucket, j) => {
        expect(bucket.start).toBe(b[j]!.start);
        for (const f of fields) {
          const x = bucket.values[f.key] as number | null;
          const y = b[j]!.values[f.key] as number | null;
          if (x === null || y === null) expect(x).toBe(y);
          else expect(x).toBeCloseTo(y, 9);
        }
      });
    };
    for (let i = 0; i < 28; i++) await compare(i);
    // Rewritten sorted (with a statement prepared against the old table), then more late data.
    expect(await rollups.compactIfNeeded({ minTail: 0 })).toBe(true);
    await write(7, 200, 6 * 3_600_000);
    await rollups.roll(50);
    for (let i = 28; i < 56; i++) await compare(i);
    await database.close();
  });

  it("shows a late, unrolled row older than the unrolled window from the next roll on", async () => {
    const database = await openDatabase(":memory:");
    await createTelemetrySchema(await database.connect());
    const rollups = await SignalRollups.open(await SerialConnection.open(database), PREFIX, {
      unrolledWindowMs: 60_000,
    });
    const store = new SignalStore(await SerialConnection.open(database), rollups);
    const now = T0 + 10 * 86_400_000;
    const q = {
      vehicleId: 7n,
      subject: `${PREFIX}7`,
      fromMs: T0,
      toMs: now,
      intervalMs: 86_400_000,
      fields: [{ key: "n", signal: "speed", type: "float", agg: "MAX" } as AggregationRequest],
    };
    await storeSamples(database, `${PREFIX}7`, [{ name: "speed", timestamp: T0 + 1000, value: 5 }]);
    await rollups.catchUp();
    await storeSamples(database, `${PREFIX}7`, [{ name: "speed", timestamp: T0 + 2000, value: 9 }]);
    const windowOf = (store: SignalStore) => store.aggregate(q).then((b) => b[0]?.values.n);
    // The late row is neither rolled nor recent: not counted yet, and not counted twice later.
    const before = await rollups.aggregate({ ...q, names: ["speed"], nowMs: now });
    expect(before.get("0|speed")?.max).toBe(5);
    await rollups.catchUp();
    expect(await windowOf(store)).toBe(9);
    await database.close();
  });

  it("keep every vehicle's latest values: rolled, newer unrolled rows, late older rows ignored", async () => {
    const database = await openDatabase(":memory:");
    await createTelemetrySchema(await database.connect());
    const rollups = await SignalRollups.open(await SerialConnection.open(database), PREFIX);
    const now = T0 + 86_400_000;
    const query = { nowMs: now, subject: `${PREFIX}7`, names: ["speed", "powertrainType"] };
    await storeSamples(database, `${PREFIX}7`, [
      { name: "speed", timestamp: now - 5000, value: 50 },
      { name: "powertrainType", timestamp: now - 9000, value: "HYBRID" },
      { name: "exteriorAirTemperature", timestamp: now - 1000, value: 20 },
    ]);
    await storeSamples(database, `${PREFIX}8`, [{ name: "speed", timestamp: now, value: 99 }]);
    await rollups.catchUp();
    // A newer speed not rolled yet, and an older (late) speed rolled after it: the newest wins.
    await storeSamples(database, `${PREFIX}7`, [{ name: "speed", timestamp: now - 2000, value: 60 }]);
    const unrolled = await rollups.latest(query);
    expect(unrolled.values).toEqual(
      expect.arrayContaining([
        { name: "speed", timestamp: now - 2000, value: 60 },
        { name: "powertrainType", timestamp: now - 9000, value: "HYBRID" },
      ]),
    );
    expect(unrolled.values).toHaveLength(2);
    expect(unrolled.lastSeen).toBe(now - 1000);
    await rollups.catchUp();
    await storeSamples(database, `${PREFIX}7`, [{ name: "speed", timestamp: now - 60_000, value: 1 }]);
    await rollups.catchUp();
    expect(await rollups.compactLatestIfNeeded({ minTail: 0 })).toBe(true); // one row per signal, sorted
    const rolled = await rollups.latest({ ...query, lastSeen: false });
    expect(rolled.values.find((v) => v.name === "speed")).toEqual({
      name: "speed",
      timestamp: now - 2000,
      value: 60,
    });
    expect(rolled.lastSeen).toBe(now - 2000); // only the asked signals were read
    await database.close();
  });

  it("derive hour partials and latest values once for a node that rolled before they existed", async () => {
    const database = await openDatabase(":memory:");
    await createTelemetrySchema(await database.connect());
    const old = await SignalRollups.open(await SerialConnection.open(database), PREFIX);
    await storeSamples(database, `${PREFIX}7`, [
      { name: "speed", timestamp: T0 + 1000, value: 5 },
      { name: "speed", timestamp: T0 + 3_700_000, value: 7 },
    ]);
    await old.catchUp();
    const c = await database.connect();
    await c.run("DROP TABLE signal_rollups_hour");
    await c.run("DROP TABLE signal_rollups_10m");
    await c.run("DROP TABLE signal_latest_values");
    const reopened = await SignalRollups.open(await SerialConnection.open(database), PREFIX, {
      unrolledWindowMs: 0,
    });
    const hours = (
      await c.runAndReadAll("SELECT sum(n)::INTEGER AS n, count(*)::INTEGER AS k FROM signal_rollups_hour")
    ).getRowObjectsJS();
    expect(hours).toEqual([{ n: 2, k: 2 }]);
    const tens = (
      await c.runAndReadAll(
        "SELECT sum(n)::INTEGER AS n, count(*)::INTEGER AS k, min(period) = TIMESTAMP '2025-01-01 00:00:00' AS aligned FROM signal_rollups_10m",
      )
    ).getRowObjectsJS();
    expect(tens).toEqual([{ n: 2, k: 2, aligned: true }]);
    const latest = await reopened.latest({ subject: `${PREFIX}7`, names: ["speed"], nowMs: T0 + 86_400_000 });
    expect(latest.values).toEqual([{ name: "speed", timestamp: T0 + 3_700_000, value: 7 }]);
    await database.close();
  });
});
