/**
 * Durability: a child node process is killed with SIGKILL while devices stream to it over MQTT
 * (QoS 1). Every event acknowledged before the kill must be in the file it left. Then the node is
 * restarted on the same DuckDB file and the devices send everything again (as a device resends what
 * was not acknowledged, and here also what was): every event must be stored exactly once, with
 * exactly its signals.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.ts";
import { signedStatus, type TestDevice, testDevice } from "./__fixtures__/devices.ts";
import { connectDevice } from "./__fixtures__/harness.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./__fixtures__/ingest-node.ts", import.meta.url));
const DEVICE_COUNT = 4;
const EVENTS_PER_DEVICE = 150;
const SIGNALS_PER_EVENT = 20;

interface RunningNode {
  child: ChildProcess;
  mqttPort: number;
  exited: Promise<number | null>;
}

function startNode(dbPath: string): Promise<RunningNode> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: ROOT,
    env: { ...process.env, DIMO_TEST_DB: dbPath, DIMO_TEST_DEVICES: String(DEVICE_COUNT) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\d+) (\d+)/.exec(out);
      if (m) resolve({ child, mqttPort: Number(m[1]), exited });
    });
    child.once("exit", (code) => reject(new Error(`ingest node exited (${code}) before it was ready`)));
  });
}

describe("crash safety (SIGKILL mid-stream)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dimo-ingest-crash-"));
  const dbPath = join(dir, "node.duckdb");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every acknowledged event, and stores each event exactly once after a restart", async () => {
    const devices: TestDevice[] = Array.from({ length: DEVICE_COUNT }, (_, i) => testDevice(40 + i));
    const events = await Promise.all(
      devices.map((d) =>
        Promise.all(
          Array.from({ length: EVENTS_PER_DEVICE }, (_, i) =>
            signedStatus(d, { sequence: BigInt(i + 1), count: SIGNALS_PER_EVENT, id: `${d.address}-${i}` }),
          ),
        ),
      ),
    );
    const total = DEVICE_COUNT * EVENTS_PER_DEVICE;
    const topic = (d: TestDevice) => `devices/${d.address}/status`;

    // Run 1: stream everything, kill the node once a fair share is acknowledged.
    const first = await startNode(dbPath);
    const acked = new Set<string>();
    const clients: MqttClient[] = await Promise.all(devices.map((d) => connectDevice(first.mqttPort, d)));
    let killed = false;
    const killAt = new Promise<void>((resolve) => {
      devices.forEach((d, di) => {
        events[di]!.forEach((bytes, i) => {
          clients[di]!.publish(topic(d), Buffer.from(bytes), { qos: 1 }, (error) => {
            if (error || killed) return;
            acked.add(`${d.address}-${i}`);
            if (acked.size >= total / 4 && !killed) {
              killed = true;
              first.child.kill("SIGKILL");
              resolve();
            }
          });
        });
      });
    });
    await killAt;
    const ackedBeforeKill = new Set(acked);
    expect(await first.exited).toBe(null); // died by signal
    for (const c of clients) c.end(true);
    expect(ackedBeforeKill.size).toBeGreaterThanOrEqual(total / 4);
    expect(ackedBeforeKill.size).toBeLessThan(total);

    // What the killed node left on disk (DuckDB replays its WAL on open): every acknowledged event.
    const afterCrash = await openDatabase(dbPath);
    try {
      const c = await afterCrash.connect();
      const ids = new Set(
        (await c.runAndReadAll("SELECT id FROM cloud_events")).getRows().map((r) => String(r[0])),
      );
      const lost = [...ackedBeforeKill].filter((id) => !ids.has(id));
      expect(lost, "acknowledged before the kill but not stored").toEqual([]);
    } finally {
      await afterCrash.close();
    }

    // Run 2: the devices send everything again; all must be acknowledged.
    const second = await startNode(dbPath);
    const again = await Promise.all(devices.map((d) => connectDevice(second.mqttPort, d)));
    await Promise.all(
      devices.flatMap((d, di) =>
        events[di]!.map((bytes) => again[di]!.publishAsync(topic(d), Buffer.from(bytes), { qos: 1 })),
      ),
    );
    await Promise.all(again.map((c) => c.endAsync()));
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const db = await openDatabase(dbPath);
    try {
      const c = await db.connect();
      const rows = (
        await c.runAndReadAll("SELECT id, count(*) AS n FROM cloud_events GROUP BY id")
      ).getRowObjectsJS();
      const stored = new Map(rows.map((r) => [r.id as string, Number(r.n)]));
      for (const id of ackedBeforeKill) expect(stored.get(id), `acknowledged ${id}`).toBe(1);
      expect(stored.size).toBe(total);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
      const perEvent = (
        await c.runAndReadAll("SELECT event_id, count(*) AS n FROM signals GROUP BY event_id")
      ).getRowObjectsJS();
      expect(perEvent.length).toBe(total);
      expect(perEvent.every((r) => Number(r.n) === SIGNALS_PER_EVENT)).toBe(true);
    } finally {
      await db.close();
    }
  }, 60_000);
});
