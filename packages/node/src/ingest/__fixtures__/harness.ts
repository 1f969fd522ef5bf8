/** An in-process ingest node for tests: DuckDB, the ingest unit, the MQTT broker and the HTTP server. */
import mqtt, { type MqttClient } from "mqtt";
import { Registry } from "prom-client";
import { type NodeDatabase, openDatabase } from "../../db/database.ts";
import type { DeviceDirectory } from "../../identity/types.ts";
import { type IngestServer, startIngestServer } from "../http.ts";
import { createIngest, type Ingest, type IngestOptions } from "../ingest.ts";
import { type MqttBroker, startMqttBroker } from "../mqtt/broker.ts";
import { deviceLoginCredentials } from "../mqtt/login.ts";
import { CHAIN_ID, DEVICES, type TestDevice, VEHICLES } from "./devices.ts";

/** An ingest HTTP answer, loosely typed for assertions. */
export interface ReplyBody {
  status?: string;
  reason?: string;
  message: string;
  results: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface TestNode {
  db: NodeDatabase;
  ingest: Ingest;
  registry: Registry;
  broker: MqttBroker;
  http: IngestServer;
  count(sql: string): Promise<number>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  post(
    path: string,
    body: Uint8Array | string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ReplyBody }>;
  close(): Promise<void>;
}

export async function startTestNode(
  directory: DeviceDirectory,
  overrides: Partial<IngestOptions> = {},
): Promise<TestNode> {
  const db = await openDatabase(overrides.db?.path ?? ":memory:");
  const registry = new Registry();
  const ingest = createIngest({
    db,
    directory,
    chainId: CHAIN_ID,
    vehiclesContract: VEHICLES,
    devicesContract: DEVICES,
    registry,
    ...overrides,
  });
  await ingest.start();
  const broker = await startMqttBroker({ ingest, directory, chainId: CHAIN_ID, port: 0 });
  const http = await startIngestServer({ ingest, port: 0 });
  const reader = await db.connect();
  return {
    db,
    ingest,
    registry,
    broker,
    http,
    async count(sql) {
      return Number((await reader.runAndReadAll(sql)).getRows()[0]![0]);
    },
    async rows(sql) {
      return (await reader.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    },
    async post(path, body, headers = { "content-type": "application/cloudevents+json" }) {
      const response = await fetch(`http://127.0.0.1:${http.port}${path}`, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : Buffer.from(body),
      });
      return { status: response.status, body: (await response.json()) as ReplyBody };
    },
    async close() {
      await broker.close();
      await http.close();
      await ingest.stop();
      await db.close();
    },
  };
}

/** A device's MQTT connection to the node, logged in by signature. */
export async function connectDevice(
  port: number,
  device: TestDevice,
  options: { password?: string; username?: string } = {},
): Promise<MqttClient> {
  const login = await deviceLoginCredentials(device.signer, { chainId: CHAIN_ID });
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: `device-${device.address}`,
    username: options.username ?? login.username,
    password: options.password ?? login.password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
}

/** Rejection reasons counted so far, as {reason: count}. */
export async function rejectionCounts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("dimo_ingest_rejections_total")!.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) out[String(v.labels.reason)] = (out[String(v.labels.reason)] ?? 0) + v.value;
  return out;
}
