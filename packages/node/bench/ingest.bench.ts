/**
 * End-to-end ingest: signed events (v2, ~20 signals each) published over MQTT QoS 1 to a node in
 * a child process (embedded broker → parse → verify → chain index → normalise → DuckDB group
 * commit → PUBACK). Throughput counts PUBACKs, which leave only after the commit; latency is
 * publish → PUBACK; memory is the node process's RSS (sampled) and peak (VmHWM). The raw
 * secp256k1 recovery rate of one core is measured first, so ingest ÷ recovery is visible.
 *
 * The node's CPU time per committed event (all its threads, from /proc) and the publisher's are
 * measured over the same window: on a shared machine they, not events/s, are the comparable part.
 *
 * Default: three 20 s runs at full speed with pre-signed events — v2 one event per PUBLISH, v2
 * 50 per PUBLISH (CloudEvents JSON batch), "2b" (one signature per 50) 50 per PUBLISH.
 * Soak: DIMO_BENCH_INGEST_SECONDS=600 runs 10 minutes of the first at DIMO_BENCH_INGEST_RATE
 * events/s (default 2000) with events signed on the fly, and reports each minute.
 * Exploring: DIMO_BENCH_INGEST_RUNS=1,3 picks columns; DIMO_BENCH_INGEST_WORKERS, _WINDOW, _BATCH,
 * _BATCH_WINDOW, _DUCKDB_THREADS, _POOL_RATE change the set-up; DIMO_BENCH_NODE_ARGS passes node
 * flags to the node process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DimoCloudEvent, parseEvent, recoverAddress, recoveryBackend } from "@dimo-open/stream";
import type { MqttClient } from "mqtt";
import { getAddress } from "viem";
import { openDatabase } from "../src/db/database.ts";
import {
  CHAIN_ID,
  DEVICES as DEVICES_CONTRACT,
  MemoryDirectory,
  statusEvent,
  type TestDevice,
  testDevice,
  VEHICLES,
} from "../src/ingest/__fixtures__/devices.ts";
import { connectDevice } from "../src/ingest/__fixtures__/harness.ts";
import { bindToChain, verifyMessage } from "../src/ingest/admit.ts";
import { normalizePayload } from "../src/ingest/normalize.ts";
import { signV2Batch, v2Digest, verifyDeviceSignature } from "../src/ingest/signature.ts";
import { TelemetryWriter } from "../src/telemetry/writer.ts";

interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}
const native = createRequire(import.meta.url)("secp256k1") as NativeSecp256k1;

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("../src/ingest/__fixtures__/ingest-node.ts", import.meta.url));
const SECONDS = Number(process.env.DIMO_BENCH_INGEST_SECONDS ?? 20);
const SOAK = SECONDS > 60;
const RATE = Number(process.env.DIMO_BENCH_INGEST_RATE ?? 2000);
const DEVICES = 16;
const WINDOW = Number(process.env.DIMO_BENCH_INGEST_WINDOW ?? 16); // unacknowledged publishes per device connection
const SIGNALS = 20;
const WORKERS = Number(process.env.DIMO_BENCH_INGEST_WORKERS ?? 1);
/** Events per PUBLISH in the batch runs, and unacknowledged batch publishes per connection. */
const BATCH = Number(process.env.DIMO_BENCH_INGEST_BATCH ?? 50);
const BATCH_WINDOW = Number(process.env.DIMO_BENCH_INGEST_BATCH_WINDOW ?? 2);
/** DuckDB threads of the node (1: small commits gain nothing from parallelism; see db/database.ts). */
const DUCKDB_THREADS = Number(process.env.DIMO_BENCH_INGEST_DUCKDB_THREADS ?? 1);
/** Presigned events per second of run (the pool a run can use up; it then ends early). */
const POOL_RATE = Number(process.env.DIMO_BENCH_INGEST_POOL_RATE ?? 4000);

/** A v2-signed status event from a device (digest as the node computes it, native signing). */
function unsignedEvent(device: TestDevice, sequence: bigint, timeMs: number, version: "2" | "2b") {
  const unsigned = statusEvent(device, {
    sequence,
    timeMs,
    count: SIGNALS,
    id: `${device.address}-${sequence}`,
  });
  return {
    ...unsigned,
    dimosequence: String(sequence),
    dimosigversion: version,
    dimosigner: getAddress(device.address),
  } as unknown as DimoCloudEvent;
}

/** 65-byte r‖s‖v by the native binding (RFC 6979, low-s). */
function nativeSign(digest: Uint8Array, key: Uint8Array): Uint8Array {
  const { signature, recid } = native.ecdsaSign(digest, key);
  const out = new Uint8Array(65);
  out.set(signature);
  out[64] = 27 + recid;
  return out;
}

function signEvent(device: TestDevice, key: Uint8Array, sequence: bigint, timeMs: number): Buffer {
  const event = unsignedEvent(device, sequence, timeMs, "2");
  const hex = `0x${Buffer.from(nativeSign(v2Digest(event), key)).toString("hex")}`;
  return Buffer.from(JSON.stringify({ ...event, signature: hex }));
}

/** `count` consecutive events signed as one "2b" batch (one signature, a proof each). */
function signBatch(
  device: TestDevice,
  key: Uint8Array,
  first: bigint,
  count: number,
  timeMs: number,
): Buffer[] {
  const events = Array.from({ length: count }, (_, i) =>
    unsignedEvent(device, first + BigInt(i), timeMs + i, "2b"),
  );
  return signV2Batch(events, (digest) => nativeSign(digest, key)).map((e) => Buffer.from(JSON.stringify(e)));
}

function recoveryRate(): number {
  const device = testDevice(0);
  const key = Buffer.from(device.privateKey.slice(2), "hex");
  const samples = Array.from({ length: 256 }, (_, i) => {
    const digest = new Uint8Array(32).fill(i);
    const { signature, recid } = native.ecdsaSign(digest, key);
    const sig = new Uint8Array(65);
    sig.set(signature);
    sig[64] = 27 + recid;
    return { digest, sig };
  });
  let n = 0;
  const end = performance.now() + 3000;
  while (performance.now() < end) {
    for (const s of samples) recoverAddress(s.digest, s.sig);
    n += samples.length;
  }
  return n / 3;
}

/** Single-thread cost of each stage per event (µs), on the same events, in this process. */
async function stageCosts(): Promise<Record<string, number>> {
  const device = testDevice(199);
  const key = Buffer.from(device.privateKey.slice(2), "hex");
  const n = 3000;
  const t0 = Date.now() - 600_000;
  const messages = Array.from({ length: n }, (_, i) => signEvent(device, key, BigInt(i + 1), t0 + i));
  const policy = {
    chainId: CHAIN_ID,
    vehiclesContract: VEHICLES,
    devicesContract: DEVICES_CONTRACT,
    directory: new MemoryDirectory().pair(device),
  };
  const origin = { transport: "mqtt" as const };
  // CPU time of this process (all threads), not wall time: the machine is shared.
  const cpuMicros = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const time = (f: () => void) => {
    const start = cpuMicros();
    f();
    return (cpuMicros() - start) / n;
  };
  for (const m of messages.slice(0, 300)) bindToChain(verifyMessage(m, origin, policy), policy); // warm-up
  const parsed = messages.map((m) => parseEvent(m));
  const parse = time(() => {
    for (const m of messages) parseEvent(m);
  });
  const verify = time(() => {
    for (const p of parsed) verifyDeviceSignature(p, { chainId: CHAIN_ID });
  });
  const normalise = time(() => {
    for (const p of parsed) normalizePayload(p);
  });
  let admitted: ReturnType<typeof bindToChain>[] = [];
  const admit = time(() => {
    admitted = messages.map((m) => bindToChain(verifyMessage(m, origin, policy), policy));
  });
  const dir = mkdtempSync(join(tmpdir(), "dimo-ingest-stage-"));
  const db = await openDatabase(join(dir, "stage.duckdb"), { memoryLimit: "256MB", threads: DUCKDB_THREADS });
  const writer = await TelemetryWriter.open(db);
  const start = cpuMicros();
  for (let i = 0; i < n; i += 500) await writer.write(admitted.slice(i, i + 500).map((a) => a.stored));
  const store = (cpuMicros() - start) / n;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return { parse, verify, normalise, admit, store };
}

interface Node {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

function startNode(dbPath: string): Promise<Node> {
  // DIMO_BENCH_NODE_ARGS: extra node flags for the node process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
  const extra = (process.env.DIMO_BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--import", "tsx", ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env,
      DIMO_TEST_DB: dbPath,
      DIMO_TEST_DEVICES: String(DEVICES),
      DIMO_TEST_DEVICE_BASE: "200",
      DIMO_TEST_ADMISSION_WORKERS: String(WORKERS),
      DIMO_TEST_DUCKDB_MEMORY: "256MB",
      DIMO_TEST_DUCKDB_THREADS: String(DUCKDB_THREADS),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exited });
    });
    child.once("exit", (code) => reject(new Error(`node exited (${code}) before it was ready`)));
  });
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/**
 * CPU seconds (user + system) of each thread of a process: `main` (the event loop), and the
 * others by thread id (Node 20 leaves worker, libuv and DuckDB threads unnamed).
 */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended
    }
    const name = Number(tid) === pid ? "main" : `t${tid}`;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const seconds = (Number(fields[11]) + Number(fields[12])) / tick;
    out.set(name, (out.get(name) ?? 0) + seconds);
  }
  return out;
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface RunResult {
  rate: number;
  acked: number;
  events: number;
  signals: number;
  p50: number;
  p99: number;
  peak: number;
  memory: { t: number; rss: number; acked: number }[];
  nodeCpuPerEvent: number;
  coresBusy: number;
  threads: string;
  publisherCpuPerEvent: number;
}

/**
 * One end-to-end run on a fresh node: each device publishes `batch` events per PUBLISH (1: one
 * event per message) with up to WINDOW unacknowledged publishes. Presigned events, or (soak)
 * events signed on the fly at RATE.
 */
interface Mode {
  /** Events per PUBLISH. */
  batch: number;
  /** Unacknowledged publishes per device connection. */
  window: number;
  scheme: "2" | "2b";
}

async function runIngest(mode: Mode, presigned: Buffer[][], devices: TestDevice[], keys: Buffer[]) {
  const { batch, window } = mode;
  const dir = mkdtempSync(join(tmpdir(), "dimo-ingest-bench-"));
  const dbPath = join(dir, "node.duckdb");
  const node = await startNode(dbPath);
  const clients: MqttClient[] = await Promise.all(devices.map((d) => connectDevice(node.port, d)));
  const total = presigned.reduce((n, list) => n + list.length, 0);
  // A batch PUBLISH is a CloudEvents JSON batch: the events' exact bytes in a JSON array.
  const payloads = presigned.map((list) => {
    if (batch === 1) return list;
    const out: Buffer[] = [];
    for (let i = 0; i + batch <= list.length; i += batch) {
      const parts: Buffer[] = [OPEN];
      for (let j = i; j < i + batch; j++) parts.push(...(j === i ? [list[j]!] : [COMMA, list[j]!]));
      parts.push(CLOSE);
      out.push(Buffer.concat(parts));
    }
    return out;
  });
  const latencies = new Float64Array(SOAK ? SECONDS * RATE + 100_000 : Math.ceil(total / batch) + 1);
  let acked = 0;
  let measuredFrom = 0;
  let measuredAcks = 0;
  let measuredPublishes = 0;
  let nodeCpuFrom = new Map<string, number>();
  let publisherCpuFrom = process.cpuUsage();
  const warmupMs = SOAK ? 0 : 3000;
  const started = performance.now();
  const deadline = started + warmupMs + SECONDS * 1000;
  const memory: { t: number; rss: number; acked: number }[] = [];
  const sampler = setInterval(() => {
    memory.push({ t: (performance.now() - started) / 1000, rss: memoryOf(node.child.pid!).rss, acked });
  }, 1000);

  await new Promise<void>((resolve) => {
    let running = devices.length;
    devices.forEach((device, d) => {
      const client = clients[d]!;
      const topic = `devices/${device.address}/status`;
      let next = 0;
      let inflight = 0;
      let sequence = 1_000_000n;
      let budget = 0;
      let exhausted = false;
      let finished = false;
      const pump = () => {
        const now = performance.now();
        if (now >= deadline || exhausted) {
          if (inflight === 0 && !finished) {
            finished = true;
            if (--running === 0) resolve();
          }
          return;
        }
        while (inflight < window) {
          let payload: Buffer | undefined;
          if (SOAK) {
            // Rate-limited: this device's share of RATE, signed now.
            const allowed = ((now - started) / 1000) * (RATE / devices.length);
            if (budget >= allowed) {
              setTimeout(pump, 5);
              return;
            }
            budget++;
            payload = signEvent(device, keys[d]!, sequence++, Date.now() - 1000);
          } else {
            payload = payloads[d]![next++];
          }
          if (!payload) {
            exhausted = true;
            if (inflight === 0) pump();
            return;
          }
          inflight++;
          const sent = performance.now();
          const count = SOAK ? 1 : batch;
          client.publish(topic, payload, { qos: 1 }, (error) => {
            inflight--;
            if (!error) {
              const at = performance.now();
              acked += count;
              if (at >= started + warmupMs) {
                // The first PUBACK after the warm-up opens the window; its events are not counted.
                if (measuredFrom === 0) {
                  measuredFrom = at;
                  nodeCpuFrom = threadCpu(node.child.pid!);
                  publisherCpuFrom = process.cpuUsage();
                } else measuredAcks += count;
                if (measuredPublishes < latencies.length) latencies[measuredPublishes] = at - sent;
                measuredPublishes++;
              }
            }
            pump();
          });
        }
      };
      pump();
    });
  });
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const nodeCpu = cpuDelta(nodeCpuFrom, threadCpu(node.child.pid!));
  const publisherCpu = process.cpuUsage(publisherCpuFrom);
  clearInterval(sampler);
  const { peak } = memoryOf(node.child.pid!);
  await Promise.all(clients.map((c) => c.endAsync()));
  node.child.kill("SIGTERM");
  await node.exited;

  const db = await openDatabase(dbPath);
  const c = await db.connect();
  const events = Number((await c.runAndReadAll("SELECT count(*) FROM cloud_events")).getRows()[0]![0]);
  const signals = Number((await c.runAndReadAll("SELECT count(*) FROM signals")).getRows()[0]![0]);
  await db.close();
  rmSync(dir, { recursive: true, force: true });

  const sorted = latencies.slice(0, Math.min(measuredPublishes, latencies.length)).sort();
  const perEvent = (seconds: number) => (seconds / measuredAcks) * 1e6;
  const nodeTotal = [...nodeCpu.values()].reduce((a, b) => a + b, 0);
  const threads = [...nodeCpu.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, v]) => `${k} ${perEvent(v).toFixed(0)}`)
    .join(", ");
  return {
    rate: measuredAcks / elapsed,
    acked,
    events,
    signals,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    peak,
    memory,
    nodeCpuPerEvent: perEvent(nodeTotal),
    coresBusy: nodeTotal / elapsed,
    threads,
    publisherCpuPerEvent: perEvent((publisherCpu.user + publisherCpu.system) / 1e6),
  } satisfies RunResult;
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

export default async function ingestBench(): Promise<string> {
  const loadBefore = loadavg();
  const recovery = recoveryRate();
  const stages = await stageCosts();
  const devices = Array.from({ length: DEVICES }, (_, i) => testDevice(200 + i));
  const keys = devices.map((d) => Buffer.from(d.privateKey.slice(2), "hex"));
  const all: Mode[] = [
    { batch: 1, window: WINDOW, scheme: "2" },
    { batch: BATCH, window: BATCH_WINDOW, scheme: "2" },
    { batch: BATCH, window: BATCH_WINDOW, scheme: "2b" },
  ];
  // DIMO_BENCH_INGEST_RUNS=1,3 runs only those columns (exploring); the soak runs the first.
  const picked = (process.env.DIMO_BENCH_INGEST_RUNS ?? (SOAK ? "1" : "1,2,3")).split(",").map(Number);
  const modes = all.filter((_, i) => picked.includes(i + 1));

  // Events for the fixed-length runs, signed before they start (signing is the device's work);
  // each run gets its own (a node starts empty, but the ids would repeat otherwise).
  const perRun = SOAK ? 0 : Math.ceil(((SECONDS + 3) * POOL_RATE) / DEVICES / BATCH) * BATCH;
  const signStart = performance.now();
  const t0 = Date.now() - 60_000;
  const pools = modes.map((mode, run) =>
    devices.map((device, d) => {
      const base = BigInt(run * 10_000_000 + 1);
      if (mode.scheme === "2b") {
        const out: Buffer[] = [];
        for (let i = 0; i < perRun; i += mode.batch)
          out.push(...signBatch(device, keys[d]!, base + BigInt(i), mode.batch, t0 + i));
        return out;
      }
      return Array.from({ length: perRun }, (_, i) => signEvent(device, keys[d]!, base + BigInt(i), t0 + i));
    }),
  );
  const signSeconds = (performance.now() - signStart) / 1000;

  const results: RunResult[] = [];
  for (let m = 0; m < modes.length; m++) results.push(await runIngest(modes[m]!, pools[m]!, devices, keys));

  const f0 = (n: number) => n.toFixed(0);
  const row = (label: string, cell: (r: RunResult) => string) =>
    `| ${label} | ${results.map(cell).join(" | ")} |`;
  const rssAt = (r: RunResult, frac: number) =>
    r.memory[Math.min(r.memory.length - 1, Math.floor(frac * r.memory.length))]?.rss ?? 0;
  const header = modes.map((m) =>
    m.batch === 1
      ? "v2, one event per PUBLISH"
      : m.scheme === "2"
        ? `v2 (each event signed), ${m.batch} per PUBLISH`
        : `2b (one signature per ${m.batch}), ${m.batch} per PUBLISH`,
  );
  const first = results[0]!;
  const perMinute = first.memory.filter((_, i) => i % 60 === 59);
  const minutes = SOAK
    ? `\n\nEach minute of the soak: node RSS at its end (MiB) / events committed during it:
${perMinute
  .map((m, i) => `${f0(m.t / 60)} min ${f0(m.rss)} / ${m.acked - (perMinute[i - 1]?.acked ?? 0)}`)
  .join("; ")}. Lowest / highest RSS after the first minute: ${f0(
        Math.min(...first.memory.slice(60).map((m) => m.rss)),
      )} / ${f0(Math.max(...first.memory.slice(60).map((m) => m.rss)))} MiB.`
    : "";
  const cores = cpus().length;
  return `## Ingest end to end (MQTT → verified → committed)

What: ${DEVICES} device connections publish signed \`dimo.status\` events (${SIGNALS} signals, ~2.3 KB JSON) with
QoS 1 to a node in a child process
(embedded aedes broker → parse and limits → signature verification (native secp256k1) → chain-index lookup →
catalogue validation → DuckDB group commit → PUBACK), admission on ${WORKERS} worker thread(s)
(\`DIMO_BENCH_INGEST_WORKERS\`), DuckDB memory_limit 256MB, checkpoint_threshold 128MB, threads ${DUCKDB_THREADS}. A PUBACK leaves only after
its events are committed, so acknowledged events/s = committed events/s. The publisher shares the machine's ${cores}
cores with the node. ${
    SOAK
      ? `Soak: ${SECONDS} s at a target of ${RATE} events/s, one event per PUBLISH, events signed on the fly.`
      : `Runs: ${SECONDS} s measured after a 3 s warm-up each, events signed beforehand (${f0(signSeconds)} s of native signing).
Columns: (1) the per-event path: each event v2-signed on its own, one event per PUBLISH, up to ${WINDOW}
unacknowledged publishes per connection; (2) the same v2 events sent as CloudEvents JSON batches (a JSON array of
${BATCH} per PUBLISH, up to ${BATCH_WINDOW} unacknowledged, one PUBACK once all are committed), each still checked against
its own signature; (3) batches whose ${BATCH} events share one "2b" signature over their Merkle root, each event
carrying its proof (docs/streaming.md): every event is still verified, with one recovery per batch.`
  }

| figure | ${header.join(" | ")} |
|---|${modes.map(() => "---|").join("")}
${row("ingest, verified + committed", (r) => `**${f0(r.rate)} events/s** (${f0(r.rate * SIGNALS)} signal rows/s)`)}
${row("ingest ÷ one-core recovery limit", (r) => (r.rate / recovery).toFixed(2))}
${row("node CPU per committed event, all threads", (r) => `${f0(r.nodeCpuPerEvent)} µs (${r.coresBusy.toFixed(2)} cores busy)`)}
${row("publisher CPU per event (this process, MQTT client)", (r) => `${f0(r.publisherCpuPerEvent)} µs`)}
${row(`capacity of ${cores} cores at that CPU cost (node + publisher)`, (r) => `${f0((cores * 1e6) / (r.nodeCpuPerEvent + r.publisherCpuPerEvent))} events/s`)}
${row("latency publish → PUBACK p50 / p99", (r) => `${r.p50.toFixed(1)} ms / ${r.p99.toFixed(1)} ms`)}
${row("node RSS at 10% / 50% / 100% of the run", (r) => `${f0(rssAt(r, 0.1))} / ${f0(rssAt(r, 0.5))} / ${f0(rssAt(r, 1))} MiB`)}
${row("node peak RSS (VmHWM)", (r) => `${f0(r.peak)} MiB`)}
${row("events / signal rows in the DuckDB file afterwards", (r) => `${r.events} / ${r.signals} (acknowledged: ${r.acked})`)}

Raw secp256k1 recovery on one core of this machine in the same run (${recoveryBackend()}): ${f0(recovery)} /s.
Node CPU per event by thread (µs; \`main\` is the event loop; the others, by thread id, are the admission
worker(s), DuckDB's, libuv's and V8's helper threads): ${results.map((r, i) => `${header[i]}: ${r.threads}`).join("; ")}.${minutes}

CPU cost per event of each stage alone, in this process, same run (µs of CPU time): parse and limits ${stages.parse!.toFixed(0)},
signature ${stages.verify!.toFixed(0)}, normalise ${stages.normalise!.toFixed(0)}; the whole admission
(parse + signature + chain lookup + normalise) ${stages.admit!.toFixed(0)}; the store (staging + DuckDB commit to a file,
batches of 500, no checkpoint within them) ${stages.store!.toFixed(0)} of JavaScript and DuckDB time. Admission plus store is
${(stages.admit! + stages.store!).toFixed(0)} µs of CPU per event; the rest of the node's CPU per event above is the broker, the
hand-over to and from the worker, promises, GC and checkpoints.

Load average of the (shared) machine before / after: ${loadBefore.map((l) => l.toFixed(1)).join(", ")} /
${loadavg()
  .map((l) => l.toFixed(1))
  .join(", ")}. Events/s fall in proportion to other work on the machine; CPU per event and the ratios
within one run are the comparable part.

Goal: ≥ 20,000 verified events/s and flat memory over 10 minutes (\`DIMO_BENCH_INGEST_SECONDS=600\`).`;
}
