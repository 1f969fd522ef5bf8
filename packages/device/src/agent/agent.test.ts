import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvent, verifyEventSignature } from "@dimo-open/stream";
import { pino } from "pino";
import { generatePrivateKey } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { EventBuffer } from "../buffer/event-buffer.ts";
import { DeviceConfigClient } from "../config/config-client.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import type { SecureElement } from "../keystore/secure-element.ts";
import { DEFAULT_POWER_SETTINGS } from "../power/settings.ts";
import { createFleet } from "../simulator/fleet.ts";
import { modelDatabase, modelDbcBytes, modelLoggerConfig, VEHICLE_MODELS } from "../simulator/models.ts";
import { simulatedPosition, simulatedVoltage } from "../simulator/sensors.ts";
import { SimulatedCanSource } from "../simulator/simulated-can-source.ts";
import { MqttUplink } from "../uplink/mqtt-uplink.ts";
import { startTestBroker } from "../uplink/test-broker.test-support.ts";
import { DeviceAgent } from "./agent.ts";

const element = privateKeyElement(generatePrivateKey());
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function configService(settings: Record<string, unknown>) {
  const model = VEHICLE_MODELS["toyota-prius"];
  const state = { settingsVersion: "1.0.0", settings, requests: [] as string[] };
  const server: Server = createServer((req, res) => {
    state.requests.push(req.url!);
    if (req.url!.endsWith("/urls")) {
      res.end(
        JSON.stringify({
          pidUrl: "/v1/device-config/pids/toyota@v1.0.0",
          dbcUrl: "/v1/device-config/dbc/toyota_nodsu_pt@v1.0.0",
          deviceSettingUrl: `/v1/device-config/settings/default@v${state.settingsVersion}`,
        }),
      );
    } else if (req.url!.includes("/pids/")) res.end(JSON.stringify(modelLoggerConfig(model)));
    else if (req.url!.includes("/dbc/")) res.end(modelDbcBytes(model));
    else res.end(JSON.stringify(state.settings));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { state, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe("device agent", () => {
  it("drives with a simulated car: decodes, polls, signs and uploads; applies new settings; sleeps when parked", async () => {
    const broker = await startTestBroker();
    closers.push(() => broker.close());
    const node = await configService({ sleep_timer_event_driven_period_secs: 60 });
    const { vehicle } = createFleet({
      seed: "agent",
      size: 1,
      start: Date.UTC(2026, 0, 5, 6),
      models: ["toyota-prius"],
      misbehavingShare: 0,
    })[0]!;
    const trip = vehicle.trips[0]!;
    vehicle.advance(trip.start - 30_000, () => {});
    const can = new SimulatedCanSource(vehicle, { mode: "manual" });
    const uplink = new MqttUplink({
      url: broker.url,
      deviceAddress: element.address,
      reconnectPeriodMs: 100,
    });
    const agent = new DeviceAgent({
      element,
      identity: {
        source: element.address,
        producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:3",
        subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:9",
      },
      dataDir: mkdtempSync(join(tmpdir(), "dimo-agent-")),
      can,
      uplink,
      codec: "json",
      voltage: simulatedVoltage(vehicle),
      position: simulatedPosition(vehicle),
      configClient: new DeviceConfigClient({ nodeUrl: node.url, deviceAddress: element.address }),
      now: () => vehicle.time,
      vin: vehicle.vin,
      log: pino({ level: "silent" }),
    });
    closers.push(() => agent.stop());
    await agent.start({ loop: false });

    // Five minutes of simulated time, one tick per simulated second.
    const run = async (ms: number) => {
      const end = vehicle.time + ms;
      while (vehicle.time < end) {
        for (let i = 0; i < 10; i++) can.advance(vehicle.time + 100);
        await agent.tick();
      }
    };
    await run(5 * 60_000);
    await agent.forwarder.drained();
    expect(agent.status.configuration).toEqual({
      pid: "pid:toyota@v1.0.0",
      dbc: "dbc:toyota_nodsu_pt@v1.0.0",
      deviceSetting: "settings:default@v1.0.0",
    });
    expect(agent.status.logger.polls).toBeGreaterThan(0);
    const events = broker.received.map((r) => {
      const parsed = parseEvent(r.payload, { now: vehicle.time });
      verifyEventSignature(parsed, { chainId: 31337, expectedSigner: element.address });
      return parsed.event as unknown as {
        data: {
          vin: string;
          signals: { name: string; value: unknown }[];
          device: { config: { deviceSetting: string }; power: string };
        };
      };
    });
    expect(events.length).toBeGreaterThanOrEqual(20);
    const names = new Set(events.flatMap((e) => e.data.signals.map((s) => s.name)));
    for (const n of [
      "speed",
      "powertrainCombustionEngineSpeed",
      "powertrainFuelSystemRelativeLevel",
      "lowVoltageBatteryCurrentVoltage",
      "currentLocationCoordinates",
    ]) {
      expect(names).toContain(n);
    }
    expect(events[0]!.data.vin).toBe(vehicle.vin);
    expect(events.at(-1)!.data.device.config.deviceSetting).toBe("settings:default@v1.0.0");

    // The node publishes new device settings; the agent applies them and reports the version.
    node.state.settingsVersion = "1.1.0";
    node.state.settings = { sleep_timer_event_driven_period_secs: 30 };
    expect(await agent.refreshConfiguration()).toBe(true);
    await agent.flush({ heartbeat: true });
    await agent.forwarder.drained();
    const last = parseEvent(broker.received.at(-1)!.payload, { now: vehicle.time }).event as unknown as {
      data: { device: { config: { deviceSetting: string } } };
    };
    expect(last.data.device.config.deviceSetting).toBe("settings:default@v1.1.0");

    // Park: after the trip and 30 s without activity the agent sleeps, stops polling and uploading.
    await run(trip.end - vehicle.time + 90_000);
    expect(agent.status.power.mode).toBe("sleeping");
    expect(agent.status.uplinkOn).toBe(false);
    const polls = agent.status.logger.polls;
    const received = broker.received.length;
    await run(60_000);
    expect(agent.status.logger.polls).toBe(polls);
    expect(broker.received.length).toBe(received);
  });
});

describe("device agent: event size", () => {
  it("splits a long burst of readings into events of at most 500 signals", async () => {
    const { vehicle } = createFleet({
      seed: "burst",
      size: 1,
      start: Date.UTC(2026, 0, 5, 6),
      models: ["honda-civic"],
      misbehavingShare: 0,
    })[0]!;
    vehicle.advance(vehicle.trips[0]!.start + 60_000, () => {});
    const can = new SimulatedCanSource(vehicle, { mode: "manual" });
    const model = VEHICLE_MODELS["honda-civic"];
    const config = modelLoggerConfig(model);
    const agent = new DeviceAgent({
      element,
      identity: {
        source: element.address,
        producer: `did:ethr:31337:${element.address}`,
        subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:9",
      },
      dataDir: mkdtempSync(join(tmpdir(), "dimo-agent-")),
      can,
      uplink: new MqttUplink({
        url: "mqtt://127.0.0.1:1",
        deviceAddress: element.address,
        reconnectPeriodMs: 60_000,
      }),
      codec: "json",
      // Every value through, no delivery rules: a burst.
      configuration: {
        logger: { ...config, delivery: {}, signals: config.signals.map(({ delivery: _, ...s }) => s) },
        database: modelDatabase(model),
        power: DEFAULT_POWER_SETTINGS,
      },
      now: () => vehicle.time,
      log: pino({ level: "silent" }),
    });
    closers.push(() => agent.stop());
    await agent.start({ loop: false });
    can.advance(vehicle.time + 6_000);
    const readings = agent.status.logger.readings;
    expect(readings).toBeGreaterThan(1000);
    await agent.flush();
    const events = agent.buffer.pending(100);
    expect(events).toHaveLength(Math.ceil(readings / 500));
    const sizes = events.map(
      (e) =>
        (JSON.parse(new TextDecoder().decode(e.bytes)) as { data: { signals: unknown[] } }).data.signals
          .length,
    );
    expect(Math.max(...sizes)).toBe(500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(readings);
  });
});

describe("device agent: its loop", () => {
  it("logs a pass that failed and keeps going, its readings kept for the next event (a secure element that refuses a few times)", async () => {
    const { vehicle } = createFleet({
      seed: "loop",
      size: 1,
      start: Date.UTC(2026, 0, 5, 6),
      models: ["toyota-prius"],
      misbehavingShare: 0,
    })[0]!;
    vehicle.advance(vehicle.trips[0]!.start + 60_000, () => {});
    let refusals = 3;
    const busy: SecureElement = {
      address: element.address,
      custody: element.custody,
      signDigest: async (digest) => {
        if (refusals > 0) {
          refusals--;
          throw new Error("secure element busy");
        }
        return element.signDigest(digest);
      },
    };
    const lines: string[] = [];
    const model = VEHICLE_MODELS["toyota-prius"];
    const dataDir = mkdtempSync(join(tmpdir(), "dimo-agent-"));
    const agent = new DeviceAgent({
      element: busy,
      identity: {
        source: element.address,
        producer: `did:ethr:31337:${element.address}`,
        subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:9",
      },
      dataDir,
      can: new SimulatedCanSource(vehicle, { speed: 20 }),
      uplink: new MqttUplink({ url: "mqtt://127.0.0.1:1", deviceAddress: element.address }),
      codec: "json",
      configuration: {
        logger: modelLoggerConfig(model),
        database: modelDatabase(model),
        power: DEFAULT_POWER_SETTINGS,
      },
      eventIntervalMs: 1000,
      tickMs: 20,
      now: () => vehicle.time,
      log: pino({ level: "error" }, { write: (line: string) => lines.push(line) }),
    });
    closers.push(() => agent.stop());
    await agent.start();
    const end = Date.now() + 10_000;
    while (agent.buffer.stats.pending < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await agent.stop();
    expect(refusals).toBe(0);
    expect(agent.buffer.stats.pending).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.includes("secure element busy"))).toHaveLength(3);
    // The readings of the events that failed to sign went with later events: none was lost.
    const reopened = EventBuffer.open({ dir: join(dataDir, "buffer"), budgetBytes: 8 * 1024 * 1024 });
    const sent = reopened
      .pending(1000)
      .reduce(
        (n, e) =>
          n +
          (JSON.parse(new TextDecoder().decode(e.bytes)) as { data: { signals: unknown[] } }).data.signals
            .length,
        0,
      );
    reopened.close();
    const { readings, overflowed } = agent.status.logger;
    expect(readings).toBeGreaterThan(0);
    expect(sent + agent.logger.take().length).toBe(readings - overflowed);
  });
});
