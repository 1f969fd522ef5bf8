import { readFileSync } from "node:fs";
import { join } from "node:path";
import { erc721Did } from "@dimo-open/protocol";
import { jsonCodec, signDeviceEvent } from "@dimo-open/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SerialConnection } from "../../api/sql.ts";
import { createIngest } from "../../ingest/index.ts";
import { InvalidDeviceConfigError } from "../errors.ts";
import { createDeviceServicesHandler } from "../index.ts";
import { type DeviceWorld, startDeviceWorld } from "../world.test-support.ts";
import { DeviceConfigService } from "./config-service.ts";
import { FingerprintProtocols, IdentityVehicleProfiles } from "./vehicle-profile.ts";

const REPO = join(import.meta.dirname, "../../../../..");
const DBC_DIR = join(REPO, "packages/device/dbc");
const PRIUS_LOGGER = JSON.parse(
  readFileSync(join(REPO, "packages/device/logger-configs/toyota_nodsu_pt.logger.json"), "utf8"),
);
const CIVIC_LOGGER = JSON.parse(
  readFileSync(join(REPO, "packages/device/logger-configs/honda_civic_touring_2016_can.logger.json"), "utf8"),
);
const OBD_PIDS = {
  requests: [
    { name: "speed", mode: 1, pid: 13, interval_seconds: 10, protocol: "CAN11_500" },
    {
      name: "engine rpm",
      vss_covesa_name: "Vehicle.Powertrain.CombustionEngine.Speed",
      mode: 1,
      pid: 12,
      header: 2015,
      formula: 'dbc: 31|16@0+ (0.25,0) [0|16383.75] "rpm"',
      interval_seconds: 10,
      protocol: "CAN11_500",
    },
  ],
};
const EV_PIDS = {
  requests: [
    {
      name: "soc",
      vss_covesa_name: "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
      mode: 1,
      pid: 91,
      interval_seconds: 60,
      protocol: "CAN29_500",
    },
  ],
};
const OPERATOR = "operator-token-for-device-services-tests";

let w: DeviceWorld;
let config: DeviceConfigService;
let handler: ReturnType<typeof createDeviceServicesHandler>;
let fingerprints: FingerprintProtocols;

beforeAll(async () => {
  w = await startDeviceWorld([
    { make: "Toyota", model: "Prius", year: 2019 },
    { make: "Honda", model: "Civic", year: 2018 },
    { make: "Tesla", model: "Model 3", year: 2021 },
    { make: "Ford", model: "Focus", year: 2015, definitionURI: "ipfs://definitions/ford_focus_2015_eu" },
    null,
  ]);
  const sql = await SerialConnection.open(w.db);
  fingerprints = new FingerprintProtocols(sql);
  config = await DeviceConfigService.open({
    sql,
    profiles: new IdentityVehicleProfiles(w.identity, fingerprints),
  });
  handler = createDeviceServicesHandler({ config, operatorToken: OPERATOR, publicUrl: "https://node.test" });
  await config.syncDbcDirectory(DBC_DIR);
  await config.setPowertrain({ make: "Tesla", powertrain: "BEV" });
  await config.setPowertrain({
    make: "Toyota",
    model: "Prius",
    yearFrom: 2010,
    yearTo: 2022,
    powertrain: "HEV",
  });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  handler(new Request(`https://node.test${path}`, { headers }));

describe("device configuration", () => {
  it("resolves templates device → definition → make/model/year range → default per powertrain and protocol", async () => {
    const [prius, civic, tesla, focus, unpaired] = w.devices;
    await config.putTemplate("default-ice", { pids: OBD_PIDS });
    await config.putTemplate("default-ev", { pids: EV_PIDS, powertrain: "BEV" });
    await config.putTemplate("toyota-hybrid", { pids: PRIUS_LOGGER, dbc: "toyota_nodsu_pt_generated" });
    await config.putTemplate("honda-civic", {
      pids: CIVIC_LOGGER,
      dbc: "honda_civic_touring_2016_can_generated",
    });
    await config.putTemplate("focus-eu", { pids: OBD_PIDS });
    await config.putTemplate("bench-unit", { pids: OBD_PIDS });
    await config.setRule({ match: "default", powertrain: "*", protocol: "*", template: "default-ice" });
    await config.setRule({ match: "default", powertrain: "BEV", protocol: "*", template: "default-ev" });
    await config.setRule({
      match: "vehicle",
      make: "toyota",
      model: "prius",
      yearFrom: 2016,
      yearTo: 2022,
      template: "toyota-hybrid",
    });
    await config.setRule({
      match: "vehicle",
      make: "Honda",
      model: "Civic",
      yearFrom: 2010,
      yearTo: 2030,
      template: "default-ice",
    });
    // The narrower range wins over the wider one.
    await config.setRule({
      match: "vehicle",
      make: "Honda",
      model: "Civic",
      yearFrom: 2016,
      yearTo: 2019,
      template: "honda-civic",
    });
    await config.setRule({ match: "definition", definitionId: "ford_focus_2015_eu", template: "focus-eu" });

    const via = async (i: number) => {
      const r = await config.resolve(w.devices[i]!.address);
      return `${r.template} (${r.via})`;
    };
    expect(await via(0)).toBe("toyota-hybrid (vehicle)");
    expect(await via(1)).toBe("honda-civic (vehicle)");
    expect(await via(2)).toBe("default-ev (default)");
    expect(await via(3)).toBe("focus-eu (definition)");
    expect(await via(4)).toBe("default-ice (default)");
    expect((await config.resolve(prius!.address)).powertrain).toBe("HEV");
    expect((await config.resolve(tesla!.address)).powertrain).toBe("BEV");
    expect((await config.resolve(unpaired!.address)).profile.vehicle).toBeUndefined();

    // The device itself beats everything; removing the rule falls back.
    await config.setRule({ match: "device", device: civic!.address, template: "bench-unit" });
    expect(await via(1)).toBe("bench-unit (device)");
    expect(await config.removeRule({ match: "device", device: civic!.address, template: "bench-unit" })).toBe(
      true,
    );
    expect(await via(1)).toBe("honda-civic (vehicle)");
    expect(focus).toBeDefined();
  });

  it("a fingerprint's bus protocol picks the default template for that protocol", async () => {
    const unpaired = w.devices[4]!;
    const ford = w.devices[3]!;
    await config.putTemplate("default-ice-can29", {
      pids: { requests: [{ name: "speed", mode: 1, pid: 13, interval_seconds: 10, protocol: "CAN29_500" }] },
    });
    await config.setRule({
      match: "default",
      powertrain: "ICE",
      protocol: "CAN29_500",
      template: "default-ice-can29",
    });
    expect((await config.resolve(ford.address)).protocol).toBe("CAN11_500");

    // The Ford's device reports ELM protocol 7 (29-bit, 500 kbit/s) in a real signed fingerprint.
    const chainNow = await w.chainNowMs();
    const ingest = createIngest({
      db: w.db,
      directory: w.identity,
      chainId: w.chainId,
      vehiclesContract: w.f.addresses.vehicleId,
      devicesContract: w.f.addresses.aftermarketDeviceId,
      now: () => chainNow + 60_000,
    });
    await ingest.start();
    const event = await signDeviceEvent(
      {
        specversion: "1.0",
        id: "fp-1",
        source: ford.address,
        producer: erc721Did(w.chainId, w.f.addresses.aftermarketDeviceId, ford.deviceId),
        subject: erc721Did(w.chainId, w.f.addresses.vehicleId, ford.vehicleId!),
        time: new Date(chainNow + 30_000).toISOString(),
        type: "dimo.fingerprint",
        dimosequence: 1n,
        data: { vin: "1FADP3K20FL000001", protocol: "7" },
      },
      ford.signer,
      { limits: { maxFutureSkewMs: 400 * 86_400_000 } },
    );
    const outcome = await ingest.submit(jsonCodec.encode(event), {
      transport: "mqtt",
      deviceAddress: ford.address,
    });
    await ingest.stop();
    expect(outcome.status).toBe("accepted");
    const resolved = await config.resolve(ford.address);
    // Its definition rule still wins; the protocol is known now.
    expect(resolved).toMatchObject({ template: "focus-eu", via: "definition", protocol: "CAN29_500" });
    await config.removeRule({
      match: "definition",
      definitionId: "ford_focus_2015_eu",
      template: "focus-eu",
    });
    expect(await config.resolve(ford.address)).toMatchObject({
      template: "default-ice-can29",
      via: "default",
    });
    expect((await config.resolve(unpaired.address)).template).toBe("default-ice");
  });

  it("serves DIMO's URLs, versioned; a changed template gets a new version and the old one stays servable", async () => {
    const prius = w.devices[0]!;
    const first = await get(`/v1/device-config/eth-addr/${prius.address.toLowerCase()}/urls`);
    expect(first!.status).toBe(200);
    const urls = (await first!.json()) as { pidUrl: string; dbcUrl: string; deviceSettingUrl: string };
    expect(urls).toEqual({
      pidUrl: "https://node.test/v1/device-config/pids/toyota-hybrid@v1.0.0",
      dbcUrl: "https://node.test/v1/device-config/dbc/toyota_nodsu_pt_generated@v1.0.0",
      deviceSettingUrl: "https://node.test/v1/device-config/settings/default@v1.0.0",
    });
    for (const url of Object.values(urls))
      expect(decodeURIComponent(url)).toMatch(/\/[A-Za-z0-9._-]+@v\d+\.\d+\.\d+$/);

    const dbc = await get(new URL(urls.dbcUrl).pathname);
    expect(dbc!.headers.get("cache-control")).toContain("immutable");
    expect(
      Buffer.from(await dbc!.arrayBuffer()).equals(
        readFileSync(join(DBC_DIR, "toyota_nodsu_pt_generated.dbc")),
      ),
    ).toBe(true);
    const pids = await (await get(new URL(urls.pidUrl).pathname))!.json();
    expect(pids).toMatchObject({ version: 1, name: "toyota-nodsu-hybrid" });

    // The same content again changes nothing; a change moves only the template's version.
    expect(
      await config.putTemplate("toyota-hybrid", { pids: PRIUS_LOGGER, dbc: "toyota_nodsu_pt_generated" }),
    ).toEqual({
      name: "toyota-hybrid",
      version: "1.0.0",
      changed: false,
    });
    const changed = structuredClone(PRIUS_LOGGER);
    changed.delivery.minIntervalMs = 2000;
    expect(
      await config.putTemplate("toyota-hybrid", { pids: changed, dbc: "toyota_nodsu_pt_generated" }, "minor"),
    ).toEqual({ name: "toyota-hybrid", version: "1.1.0", changed: true });
    // Settings change separately: only their URL moves.
    await config.putSettings("hybrid-settings", {
      min_voltage_obd_loggers: 13.5,
      location_frequency_secs: 10,
    });
    await config.putTemplate("toyota-hybrid", {
      pids: changed,
      dbc: "toyota_nodsu_pt_generated",
      settings: "hybrid-settings",
    });
    const second = (await (await get(
      `/v1/device-config/eth-addr/${prius.address}/urls`,
    ))!.json()) as typeof urls;
    expect(second.pidUrl).toBe("https://node.test/v1/device-config/pids/toyota-hybrid@v1.1.1");
    expect(second.dbcUrl).toBe(urls.dbcUrl);
    expect(second.deviceSettingUrl).toBe(
      "https://node.test/v1/device-config/settings/hybrid-settings@v1.0.0",
    );
    // The old version is still served as it was; an unknown one is a 404 that names the latest.
    expect(
      ((await (await get(new URL(urls.pidUrl).pathname))!.json()) as typeof PRIUS_LOGGER).delivery
        .minIntervalMs,
    ).toBe(PRIUS_LOGGER.delivery.minIntervalMs);
    const missing = await get("/v1/device-config/pids/toyota-hybrid@v9.9.9");
    expect(missing!.status).toBe(404);
    expect(((await missing!.json()) as { details: string }).details).toContain("toyota-hybrid@v1.1.1");
    expect(await config.versions("pids", "toyota-hybrid")).toEqual(["1.1.1", "1.1.0", "1.0.0"]);
  });

  it("a DBC pinned by SHA-256 keeps its version; a changed DBC that breaks a template is refused", async () => {
    const bytes = readFileSync(join(DBC_DIR, "toyota_nodsu_pt_generated.dbc"));
    const sha256 = (await config.latest("dbc", "toyota_nodsu_pt_generated"))!.sha256;
    const pinned = { ...PRIUS_LOGGER, dbc: { name: "toyota_nodsu_pt_generated.dbc", sha256 } };
    await config.putTemplate("toyota-pinned", { pids: pinned, dbc: "toyota_nodsu_pt_generated" });
    // A new revision of the DBC with one comment more: templates that do not pin follow it.
    const revised = Buffer.concat([bytes, Buffer.from('\nCM_ "revised";\n')]);
    expect(await config.putDbc("toyota_nodsu_pt_generated", revised)).toMatchObject({
      version: "1.0.1",
      changed: true,
    });
    expect((await config.resolve(w.devices[0]!.address)).dbc).toEqual({
      name: "toyota_nodsu_pt_generated",
      version: "1.0.1",
    });
    await config.setRule({ match: "device", device: w.devices[0]!.address, template: "toyota-pinned" });
    expect((await config.resolve(w.devices[0]!.address)).dbc).toEqual({
      name: "toyota_nodsu_pt_generated",
      version: "1.0.0",
    });
    await config.removeRule({ match: "device", device: w.devices[0]!.address, template: "toyota-pinned" });

    // A DBC without the SPEED message would break toyota-hybrid (which decodes it): refused.
    const broken = Buffer.from(
      bytes.toString("latin1").replace(/BO_ 180 SPEED:/, "BO_ 180 SPEEED:"),
      "latin1",
    );
    const error = await config.putDbc("toyota_nodsu_pt_generated", broken).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidDeviceConfigError);
    expect(error.shortMessage).toContain("would break template toyota-hybrid");
    expect((await config.latest("dbc", "toyota_nodsu_pt_generated"))!.version).toBe("1.0.1");
  });

  it("refuses templates, settings and rules a device would refuse, saying what is wrong", async () => {
    const refused = async (work: Promise<unknown>, text: string | RegExp) => {
      const error = await work.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidDeviceConfigError);
      expect(`${(error as Error).message}`).toMatch(text);
    };
    await refused(
      config.putTemplate("bad", {
        pids: { requests: [{ name: "speeed", mode: 1, pid: 13, interval_seconds: 1 }] },
      }),
      /"speeed", not a catalogue signal/,
    );
    await refused(
      config.putTemplate("bad", {
        pids: { requests: [{ name: "speed", mode: 2, pid: 13, interval_seconds: 1 }] },
      }),
      /mode must be 1/,
    );
    await refused(
      config.putTemplate("bad", {
        pids: { requests: [{ name: "speed", mode: 1, pid: 13, interval_seconds: 1, formula: "dbc: 31|x" }] },
      }),
      /formula does not parse/,
    );
    await refused(
      config.putTemplate("bad", {
        pids: {
          requests: [
            { name: "speed", mode: 1, pid: 13, interval_seconds: 1, protocol: "CAN11_500" },
            { name: "obdEngineLoad", mode: 1, pid: 4, interval_seconds: 1, protocol: "CAN29_500" },
          ],
        },
      }),
      /mixes bus protocols/,
    );
    await refused(config.putTemplate("bad", { pids: PRIUS_LOGGER }), /names no DBC/);
    await refused(
      config.putTemplate("bad", { pids: PRIUS_LOGGER, dbc: "honda_civic_touring_2016_can_generated" }),
      /does not fit its DBC/,
    );
    await refused(
      config.putTemplate("bad name!", { pids: OBD_PIDS }),
      /template name "bad name!" is not allowed/,
    );
    await refused(
      config.putSettings("bad", { safety_cut_out_voltage: 13 }),
      /must be below wake_trigger_voltage_level/,
    );
    await refused(config.putSettings("bad", { safety_cut_out_volt: 12 }), /Unrecognized key|unrecognized/i);
    await refused(
      config.setRule({
        match: "vehicle",
        make: "Kia",
        model: "Niro",
        yearFrom: 2022,
        yearTo: 2019,
        template: "default-ice",
      }),
      /Year range 2022–2019/,
    );
    await refused(
      config.setRule({ match: "default", powertrain: "ICE", protocol: "*", template: "nope" }),
      /does not exist/,
    );
    expect(await config.getTemplate("bad")).toBeUndefined();
  });

  it("answers 404 for a device not on chain, and keeps management behind the operator token", async () => {
    const unknown = await get("/v1/device-config/eth-addr/0x000000000000000000000000000000000000dEaD/urls");
    expect(unknown!.status).toBe(404);
    expect(((await unknown!.json()) as { error: string }).error).toBe("device_service_not_found");
    expect((await get("/v1/device-config/eth-addr/not-an-address/urls"))!.status).toBe(422);

    const put = (token?: string) =>
      handler(
        new Request("https://node.test/v1/device-config/settings/night", {
          method: "PUT",
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ location_frequency_secs: 60 }),
        }),
      );
    expect((await put())!.status).toBe(403);
    expect((await put("wrong-token-wrong-token-wrong-token-wr"))!.status).toBe(403);
    const ok = await put(OPERATOR);
    expect(ok!.status).toBe(200);
    expect(await ok!.json()).toEqual({ name: "night", version: "1.0.0", changed: true });
    expect(await get("/v1/elsewhere")).toBeUndefined();
  });
});
