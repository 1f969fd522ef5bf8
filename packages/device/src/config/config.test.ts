import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoggerConfigError } from "@dimo-open/can";
import { afterEach, describe, expect, it } from "vitest";
import { DeviceConfigError } from "../errors.ts";
import { modelDbcBytes, modelLoggerConfig, VEHICLE_MODELS } from "../simulator/models.ts";
import { DeviceConfigClient } from "./config-client.ts";
import { DeviceConfigStore } from "./config-store.ts";
import { loggerConfigFromPidDocument } from "./pid-document.ts";
import { parseVersionedUrl } from "./versioned-url.ts";

const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const toyota = VEHICLE_MODELS["toyota-prius"];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A node's device-config service: versions are changed by the test. */
async function configService() {
  const state = {
    versions: { pid: "1.0.0", dbc: "1.0.0", settings: "1.0.0" },
    documents: new Map<string, Uint8Array | string>(),
    requests: [] as string[],
  };
  const set = (kind: string, version: string, body: unknown) =>
    state.documents.set(
      `/v1/device-config/${kind}@v${version}`,
      typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
    );
  set("pids/toyota-nodsu", "1.0.0", modelLoggerConfig(toyota));
  set("dbc/toyota_nodsu_pt", "1.0.0", modelDbcBytes(toyota));
  set("settings/default", "1.0.0", {
    safety_cut_out_voltage: 12.2,
    wake_trigger_voltage_level: 12.8,
    min_voltage_obd_loggers: 13.3,
  });
  const server: Server = createServer((req, res) => {
    state.requests.push(req.url!);
    if (req.url === `/v1/device-config/eth-addr/${address}/urls`) {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          pidUrl: `/v1/device-config/pids/toyota-nodsu@v${state.versions.pid}`,
          dbcUrl: `/v1/device-config/dbc/toyota_nodsu_pt@v${state.versions.dbc}`,
          deviceSettingUrl: `/v1/device-config/settings/default@v${state.versions.settings}`,
        }),
      );
      return;
    }
    const doc = state.documents.get(req.url!);
    if (doc === undefined) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    res.end(doc);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { state, set, url };
}

describe("device configuration", () => {
  it("fetches, applies and caches the configuration, and fetches again only what changed version", async () => {
    const node = await configService();
    const dir = mkdtempSync(join(tmpdir(), "dimo-config-"));
    const store = new DeviceConfigStore({
      dir,
      client: new DeviceConfigClient({ nodeUrl: node.url, deviceAddress: address }),
    });
    const first = await store.refresh();
    expect(first.changed).toBe(true);
    expect(first.fetched).toHaveLength(3);
    expect(first.configuration.versions).toEqual({
      pid: "pid:toyota-nodsu@v1.0.0",
      dbc: "dbc:toyota_nodsu_pt@v1.0.0",
      deviceSetting: "settings:default@v1.0.0",
    });
    expect(first.configuration.database?.message("SPEED")).toBeDefined();

    node.state.requests.length = 0;
    const same = await store.refresh();
    expect(same).toMatchObject({ changed: false, fetched: [] });
    expect(node.state.requests).toEqual([`/v1/device-config/eth-addr/${address}/urls`]);

    // The node changes the power settings only: one document is fetched, and applied.
    node.set("settings/default", "1.1.0", {
      min_voltage_obd_loggers: 13.5,
      sleep_timer_event_driven_period_secs: 120,
    });
    node.state.versions.settings = "1.1.0";
    node.state.requests.length = 0;
    const bumped = await store.refresh();
    expect(bumped.changed).toBe(true);
    expect(bumped.fetched).toEqual(["settings:default@v1.1.0"]);
    expect(node.state.requests).toEqual([
      `/v1/device-config/eth-addr/${address}/urls`,
      "/v1/device-config/settings/default@v1.1.0",
    ]);
    expect(bumped.configuration.power).toMatchObject({
      minVoltageObdLoggers: 13.5,
      sleepAfterInactivityMs: 120_000,
    });

    // After a restart the cache applies at once, without the network.
    const restarted = new DeviceConfigStore({ dir });
    expect(restarted.load()?.versions.deviceSetting).toBe("settings:default@v1.1.0");
    expect(restarted.load()?.power.minVoltageObdLoggers).toBe(13.5);
  });

  it("refuses a configuration that does not check out and keeps the one in force", async () => {
    const node = await configService();
    const store = new DeviceConfigStore({
      dir: mkdtempSync(join(tmpdir(), "dimo-config-")),
      client: new DeviceConfigClient({ nodeUrl: node.url, deviceAddress: address }),
    });
    await store.refresh();
    node.set("pids/toyota-nodsu", "2.0.0", {
      version: 1,
      signals: [{ name: "speed", source: { dbc: { message: "SPEEED", signal: "SPEED" } } }],
    });
    node.state.versions.pid = "2.0.0";
    const error = await store.refresh().catch((e) => e);
    expect(error).toBeInstanceOf(LoggerConfigError);
    expect(String(error.message)).toContain("did you mean SPEED");
    expect(store.applied?.versions.pid).toBe("pid:toyota-nodsu@v1.0.0");

    node.set("settings/default", "3.0.0", { safety_cut_out_voltage: 13.1 });
    node.state.versions.pid = "1.0.0";
    node.state.versions.settings = "3.0.0";
    await expect(store.refresh()).rejects.toThrow(/cut-out 13.1 V must be below the wake trigger/);
    expect(store.applied?.versions.deviceSetting).toBe("settings:default@v1.0.0");
  });

  it("reports a node that is down or answers garbage, with the URL", async () => {
    const client = new DeviceConfigClient({
      nodeUrl: "http://127.0.0.1:1",
      deviceAddress: address,
      timeoutMs: 2000,
    });
    await expect(client.getUrls()).rejects.toThrow(
      /Fetching http:\/\/127.0.0.1:1\/v1\/device-config\/eth-addr/,
    );
    const node = await configService();
    node.state.versions.pid = "9.9.9";
    const store = new DeviceConfigStore({
      dir: mkdtempSync(join(tmpdir(), "dimo-config-")),
      client: new DeviceConfigClient({ nodeUrl: node.url, deviceAddress: address, maxDocumentBytes: 1000 }),
    });
    await expect(store.refresh()).rejects.toThrow(/answered 404/);
    node.state.versions.pid = "1.0.0";
    await expect(store.refresh()).rejects.toThrow(/larger than the 1000 bytes|more than the 1000 accepted/);
  });

  it("reads versioned URLs and refuses unversioned ones", () => {
    expect(
      parseVersionedUrl("/v1/device-config/pids/default-ice@v1.2.3", "https://node.example/"),
    ).toMatchObject({
      url: "https://node.example/v1/device-config/pids/default-ice@v1.2.3",
      versionedName: "default-ice@v1.2.3",
      version: "1.2.3",
    });
    expect(() => parseVersionedUrl("https://node.example/pids/latest")).toThrow(DeviceConfigError);
    expect(() => parseVersionedUrl("ftp://x/a@v1.0.0")).toThrow(/not http/);
  });

  it("turns DIMO's PID list into a logger configuration", () => {
    const config = loggerConfigFromPidDocument({
      requests: [
        {
          name: "fuelLevel",
          vss_covesa_name: "Vehicle.Powertrain.FuelSystem.RelativeLevel",
          header: 2015,
          mode: 1,
          pid: 47,
          formula: 'dbc: 31|8@0+ (0.392156862745098,0) [0|100] "%"',
          interval_seconds: 60,
          protocol: "CAN11_500",
        },
        { name: "speed", mode: 1, pid: 13, interval_seconds: 5, protocol: "CAN11_500" },
      ],
    });
    expect(config.obd?.protocol).toBe("CAN11_500");
    expect(config.signals.map((s) => s.name)).toEqual(["powertrainFuelSystemRelativeLevel", "speed"]);
    expect(config.signals[0]!.source).toMatchObject({ obd: { pid: 47, intervalMs: 60_000, header: 2015 } });
    expect(() =>
      loggerConfigFromPidDocument({ requests: [{ name: "dtc", mode: 3, pid: 0, interval_seconds: 60 }] }),
    ).toThrow(/mode 3 is not supported/);
  });
});
