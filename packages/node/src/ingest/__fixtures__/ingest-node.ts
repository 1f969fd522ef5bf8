/**
 * A small ingest node for the crash test: a DuckDB file, the ingest unit, the MQTT broker and the
 * HTTP server, devices DIMO_TEST_DEVICE_BASE… (40…) paired by an in-memory directory. Prints "READY <mqtt> <http>" once
 * listening; SIGTERM stops it cleanly (SIGKILL, of course, does not).
 *   DIMO_TEST_DB=<file> DIMO_TEST_DEVICES=<n> node --import tsx ingest-node.ts
 */
import { openDatabase } from "../../db/database.ts";
import { startIngestServer } from "../http.ts";
import { createIngest } from "../ingest.ts";
import { startMqttBroker } from "../mqtt/broker.ts";
import { CHAIN_ID, DEVICES, MemoryDirectory, testDevice, VEHICLES } from "./devices.ts";

const path = process.env.DIMO_TEST_DB;
if (!path) throw new Error("set DIMO_TEST_DB to the database file");
const directory = new MemoryDirectory();
const base = Number(process.env.DIMO_TEST_DEVICE_BASE ?? 40);
for (let i = 0; i < Number(process.env.DIMO_TEST_DEVICES ?? 4); i++) directory.pair(testDevice(base + i));

const db = await openDatabase(path, {
  ...(process.env.DIMO_TEST_DUCKDB_MEMORY ? { memoryLimit: process.env.DIMO_TEST_DUCKDB_MEMORY } : {}),
  ...(process.env.DIMO_TEST_DUCKDB_THREADS ? { threads: Number(process.env.DIMO_TEST_DUCKDB_THREADS) } : {}),
});
const ingest = createIngest({
  db,
  directory,
  chainId: CHAIN_ID,
  vehiclesContract: VEHICLES,
  devicesContract: DEVICES,
  admissionWorkers: Number(process.env.DIMO_TEST_ADMISSION_WORKERS ?? 0),
});
await ingest.start();
const broker = await startMqttBroker({ ingest, directory, chainId: CHAIN_ID, port: 0 });
const http = await startIngestServer({ ingest, port: 0 });
process.stdout.write(`READY ${broker.port} ${http.port}\n`);

process.once("SIGTERM", async () => {
  await broker.close();
  await http.close();
  await ingest.stop();
  await db.close();
  process.exit(0);
});
