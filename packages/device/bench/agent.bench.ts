/**
 * The device agent's cost per 1,000 CAN frames/s, the store-and-forward buffer's throughput,
 * and how many vehicles the simulator runs in real time on one core. Single process, one
 * thread; the MQTT broker runs in a child process so its CPU is not counted.
 */
import { fork } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoggerPipeline, type RawFrame } from "@dimo-open/can";
import { pino } from "pino";
import { generatePrivateKey } from "viem/accounts";
import type { CanSource, FrameListener } from "../src/can/can-source.ts";
import {
  createFleet,
  DeviceAgent,
  EventBuffer,
  MqttUplink,
  modelDatabase,
  modelLoggerConfig,
  powerSettingsFromDocument,
  privateKeyElement,
  VEHICLE_MODELS,
} from "../src/index.ts";

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const MONDAY_6AM = Date.UTC(2026, 0, 5, 6);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function startBrokerProcess(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "dimo-bench-broker-"));
  const script = join(dir, "broker.mjs");
  writeFileSync(
    script,
    `import { createServer } from "node:net";
     import { Aedes } from ${JSON.stringify(import.meta.resolve("aedes"))};
     const aedes = await Aedes.createBroker();
     const server = createServer(aedes.handle).listen(0, "127.0.0.1", () => process.send(server.address().port));`,
  );
  const child = fork(script, [], { stdio: "ignore" });
  const port = await new Promise<number>((resolve) => child.once("message", (m) => resolve(m as number)));
  return { url: `mqtt://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** A drive recorded from the simulator, replayed into the agent: all the CPU measured is the agent's. */
class RecordedDrive implements CanSource {
  readonly name = "recorded-drive";
  #listener: FrameListener | undefined;
  requests = 0;
  async start(onFrame: FrameListener): Promise<void> {
    this.#listener = onFrame;
  }
  deliver(frames: readonly RawFrame[]): void {
    for (const f of frames) this.#listener!(f);
  }
  send(): void {
    this.requests++;
  }
  async stop(): Promise<void> {}
}

async function agentCost(): Promise<string> {
  const broker = await startBrokerProcess();
  const simSeconds = 600;
  const warmSeconds = 60;
  const model = VEHICLE_MODELS["toyota-prius"];
  const vehicle = createFleet({
    seed: "bench",
    size: 1,
    start: MONDAY_6AM,
    models: [model.key],
    misbehavingShare: 0,
  })[0]!.vehicle;
  vehicle.advance(vehicle.trips[0]!.start + 60_000, () => {});
  // Record 100 ms slots of bus traffic, with the ECU answering OBD-II requests every 10 s.
  const polls = new LoggerPipeline(modelLoggerConfig(model), { database: modelDatabase(model) }).obdPolls;
  const slots: { at: number; frames: RawFrame[]; volts: number }[] = [];
  for (let i = 0; i < (simSeconds + warmSeconds) * 10; i++) {
    if (i % 100 === 0) for (const p of polls) vehicle.receive(p.frame);
    const frames: RawFrame[] = [];
    vehicle.advance(vehicle.time + 100, (f) => frames.push(f));
    slots.push({ at: vehicle.time, frames, volts: vehicle.truth.batteryVolts });
  }
  const frames = slots.slice(warmSeconds * 10).reduce((n, s) => n + s.frames.length, 0);

  let clock = slots[0]!.at;
  let volts = 14;
  const element = privateKeyElement(generatePrivateKey());
  const can = new RecordedDrive();
  const agent = new DeviceAgent({
    element,
    identity: {
      source: element.address,
      producer: "did:erc721:137:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:3",
      subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:9",
    },
    dataDir: mkdtempSync(join(tmpdir(), "dimo-bench-agent-")),
    can,
    uplink: new MqttUplink({ url: broker.url, deviceAddress: element.address }),
    codec: "json+gzip",
    voltage: { read: async () => volts },
    position: { read: async () => ({ latitude: 52.5, longitude: 13.4, hdop: 0.9, timestamp: clock }) },
    configuration: {
      logger: modelLoggerConfig(model),
      database: modelDatabase(model),
      power: powerSettingsFromDocument({}),
    },
    eventIntervalMs: 5000,
    now: () => clock,
    log: pino({ level: "silent" }),
  });
  await agent.start({ loop: false });
  const drive = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const slot = slots[i]!;
      clock = slot.at;
      volts = slot.volts;
      can.deliver(slot.frames);
      if (i % 10 === 9) await agent.tick();
    }
  };
  await drive(0, warmSeconds * 10);
  await agent.forwarder.drained();
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const c1 = cpuMs();
  const w1 = performance.now();
  await drive(warmSeconds * 10, slots.length);
  await agent.forwarder.drained();
  const agentCpu = cpuMs() - c1;
  const wall = performance.now() - w1;
  const mem = process.memoryUsage();
  const status = agent.status;
  const pipeline = agent.logger.pipeline!.stats;
  await agent.stop();
  broker.stop();

  const fps = frames / simSeconds;
  const perSecond = agentCpu / simSeconds;
  const per1000 = (perSecond * 1000) / fps;
  return [
    "### Agent CPU and memory per 1,000 CAN frames/s",
    "",
    `A ${model.make} ${model.model} drive recorded from the simulator (${fmt(frames)} frames in ${simSeconds} s = ${fmt(fps)} frames/s:`,
    "its DBC's messages with counters and checksums, every other message of the DBC as background, OBD-II answers) is",
    "replayed into a DeviceAgent with the model's logger configuration (3 DBC signals, 3 OBD-II PIDs), ticking once per",
    "simulated second, one signed status event every 5 s (json+gzip) stored in the buffer and published with QoS 1 to an",
    "aedes broker in another process. CPU is the process's user+system time over the drive after a 60 s warm-up.",
    "",
    "| figure | value |",
    "|---|---|",
    `| agent CPU per second of driving | ${fmt(perSecond, 2)} ms (${fmt(perSecond / 10, 2)} % of one core) |`,
    `| **agent CPU at 1,000 frames/s** | **${fmt(per1000, 2)} ms per second = ${fmt(per1000 / 10, 2)} % of one core** |`,
    `| frames processed per CPU second | ${fmt((frames / agentCpu) * 1000)} (of all frames, ${fmt((100 * pipeline.filtered) / pipeline.frames, 1)} % are dropped by the id filter; ${fmt(pipeline.decoded)} decoded, checksums and counters checked) |`,
    `| events signed, stored and acknowledged | ${status.forwarder.acknowledged} (${status.logger.readings} readings) |`,
    `| heap growth over the drive | ${fmt((mem.heapUsed - heap0) / 2 ** 20, 1)} MiB (process: heap ${fmt(mem.heapUsed / 2 ** 20, 1)} MiB, RSS ${fmt(mem.rss / 2 ** 20, 1)} MiB, both including the recorded drive) |`,
    `| wall time for ${simSeconds} s of driving | ${fmt(wall)} ms |`,
  ].join("\n");
}

async function bufferThroughput(): Promise<string> {
  const payload = new Uint8Array(1200).map((_, i) => i & 0xff); // a signed 20-signal status event
  const meta = (i: number) => ({ id: `e${i}`, type: "dimo.status", codec: "json" as const });
  const rows: string[] = [];
  // Within budget: append, then drain (read pending + ack) everything.
  {
    const b = EventBuffer.open({
      dir: mkdtempSync(join(tmpdir(), "dimo-bench-buf-")),
      budgetBytes: 256 * 2 ** 20,
    });
    const n = 50_000;
    let t = performance.now();
    for (let i = 0; i < n; i++) b.append(meta(i), payload);
    const append = n / ((performance.now() - t) / 1000);
    t = performance.now();
    let drained = 0;
    for (;;) {
      const batch = b.pending(64);
      if (batch.length === 0) break;
      for (const e of batch) b.ack(e.key);
      drained += batch.length;
    }
    const drain = drained / ((performance.now() - t) / 1000);
    b.close();
    rows.push(`| within budget (256 MiB) | ${fmt(append)} | ${fmt(drain)} |`);
  }
  // Over budget: every append past the budget thins old segments.
  {
    const b = EventBuffer.open({
      dir: mkdtempSync(join(tmpdir(), "dimo-bench-buf-")),
      budgetBytes: 4 * 2 ** 20,
    });
    const n = 50_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) b.append(meta(i), payload);
    const append = n / ((performance.now() - t) / 1000);
    rows.push(
      `| over budget (4 MiB, ${fmt((n * 1217) / 2 ** 20)} MiB offered: thinning) | ${fmt(append)} | — (${fmt(b.stats.pending)} kept, ${fmt(b.stats.thinned)} thinned) |`,
    );
    b.close();
  }
  return [
    "### Store-and-forward buffer",
    "",
    "1,200-byte events (a signed 20-signal status event); drain = read the oldest 64 unacknowledged, acknowledge each",
    "(one in-place flag write), repeat; segments are deleted as they empty. No fsync per append (the default).",
    "",
    "| case | appended events/s | drained events/s |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}

function simulatorCapacity(): string {
  const size = 12;
  // All driving: each vehicle's first ten minutes on the road.
  const fleet = createFleet({ seed: "capacity", size, start: MONDAY_6AM, misbehavingShare: 0 });
  for (const { vehicle } of fleet) vehicle.advance(vehicle.trips[0]!.start, () => {});
  let frames = 0;
  const c0 = cpuMs();
  for (const { vehicle } of fleet) vehicle.advance(vehicle.time + 600_000, () => frames++);
  const drivingCpu = cpuMs() - c0;
  const drivingVehicles = (size * 600_000) / drivingCpu;

  // A whole day: trips, parking, nights.
  const day = createFleet({ seed: "capacity-day", size, start: MONDAY_6AM, misbehavingShare: 0.1 });
  let dayFrames = 0;
  const c1 = cpuMs();
  for (const { vehicle } of day) vehicle.advance(MONDAY_6AM + 86_400_000, () => dayFrames++);
  const dayCpu = cpuMs() - c1;
  const dayVehicles = (size * 86_400_000) / dayCpu;
  return [
    "### Simulator: vehicles in real time on one core",
    "",
    `${size} vehicles (Toyota and Honda, full bus: the model's frames plus every other DBC message at 10 Hz, real`,
    "counters and checksums), frames handed to a no-op listener. Vehicles in real time = simulated vehicle-ms per CPU-ms.",
    "",
    "| case | frames | CPU | vehicles in real time on one core |",
    "|---|---|---|---|",
    `| all driving (10 min each) | ${fmt(frames)} | ${fmt(drivingCpu)} ms | **${fmt(drivingVehicles)}** (${fmt(frames / (size * 600))} frames/s per vehicle) |`,
    `| a whole day (trips, parking, night) | ${fmt(dayFrames)} | ${fmt(dayCpu)} ms | **${fmt(dayVehicles)}** |`,
  ].join("\n");
}

export default async function (): Promise<string> {
  const agent = await agentCost();
  const buffer = await bufferThroughput();
  const simulator = simulatorCapacity();
  return [
    "## Device agent, buffer and fleet simulator (`npm run bench -- agent`)",
    "",
    "packages/device/bench/agent.bench.ts; one thread on the shared project machine (figures move with its load).",
    "",
    agent,
    "",
    buffer,
    "",
    simulator,
  ].join("\n");
}
