/**
 * The agent's configuration file (`agent.json`, docs/device.md): one validated schema, paths
 * relative to the file, and a builder that turns it into a running DeviceAgent with the
 * chosen hardware edges.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { decodeDbcBytes, parseDbc, validateLoggerConfig } from "@dimo-open/can";
import { erc721Did } from "@dimo-open/protocol";
import { deviceLoginCredentials } from "@dimo-open/stream";
import type { Logger } from "pino";
import { type Address, getAddress } from "viem";
import { z } from "zod";
import type { CanSource } from "../can/can-source.ts";
import { CandumpReplaySource } from "../can/candump-replay-source.ts";
import { SocketCanSource } from "../can/socketcan-source.ts";
import { DeviceConfigClient } from "../config/config-client.ts";
import { AgentConfigError } from "../errors.ts";
import { openFileKeystore } from "../keystore/file-keystore.ts";
import { powerSettingsFromDocument } from "../power/settings.ts";
import { FileVoltageSensor, type PositionSource, type VoltageSensor } from "../sensors/sensors.ts";
import { createFleet } from "../simulator/fleet.ts";
import { VEHICLE_MODEL_KEYS } from "../simulator/models.ts";
import { simulatedPosition, simulatedVoltage } from "../simulator/sensors.ts";
import { SimulatedCanSource } from "../simulator/simulated-can-source.ts";
import { HttpUplink } from "../uplink/http-uplink.ts";
import { MqttUplink } from "../uplink/mqtt-uplink.ts";
import type { Uplink } from "../uplink/uplink.ts";
import { DeviceAgent } from "./agent.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x address");
/** "2b" batches (docs/device.md): up to maxEvents events per message, one signature each. */
const batchOption = z
  .object({
    maxEvents: z.number().int().min(1).max(1000),
    maxDelayMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict()
  .optional();

const tokenId = z
  .union([z.number().int().min(0), z.string().regex(/^\d{1,78}$/)])
  .transform((v) => BigInt(v));

export const AgentConfigSchema = z
  .object({
    dataDir: z.string().min(1),
    keystore: z
      .object({ type: z.literal("file"), path: z.string().min(1), create: z.boolean().optional() })
      .strict(),
    identity: z
      .object({
        chainId: z.number().int().positive(),
        devicesContract: address,
        deviceTokenId: tokenId,
        vehiclesContract: address,
        vehicleTokenId: tokenId,
      })
      .strict(),
    node: z.object({ url: z.url() }).strict().optional(),
    uplink: z.discriminatedUnion("type", [
      z
        .object({
          type: z.literal("mqtt"),
          url: z.string().regex(/^(mqtts?|wss?):\/\//, "an mqtt://, mqtts:// or ws(s):// URL"),
          username: z.string().optional(),
          password: z.string().optional(),
          caFile: z.string().optional(),
          batch: batchOption,
        })
        .strict(),
      z.object({ type: z.literal("http"), url: z.url().optional(), batch: batchOption }).strict(),
    ]),
    codec: z.enum(["json", "json+gzip", "protobuf", "avro"]).default("json+gzip"),
    can: z.discriminatedUnion("type", [
      z.object({ type: z.literal("socketcan"), interface: z.string().min(1).max(15) }).strict(),
      z
        .object({
          type: z.literal("candump"),
          path: z.string().min(1),
          timing: z.enum(["realtime", "fast"]).default("realtime"),
          speed: z.number().positive().optional(),
          loop: z.boolean().optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal("simulator"),
          seed: z.union([z.number(), z.string()]),
          model: z.enum(VEHICLE_MODEL_KEYS as [string, ...string[]]).optional(),
          index: z.number().int().min(0).max(9999).default(0),
          speed: z.number().positive().max(1000).default(1),
        })
        .strict(),
    ]),
    voltage: z
      .object({
        type: z.literal("file"),
        path: z.string(),
        scale: z.number().optional(),
        offset: z.number().optional(),
      })
      .strict()
      .optional(),
    /** A local logger configuration (and DBC), used until the node's arrives, or without a node. */
    logger: z.object({ config: z.string(), dbc: z.string().optional() }).strict().optional(),
    /** Local device settings (DIMO's document), with the logger configuration. */
    settings: z.record(z.string(), z.unknown()).optional(),
    bufferBudgetBytes: z.number().int().min(65_536).optional(),
    eventIntervalMs: z.number().int().min(100).optional(),
    configRefreshMs: z.number().int().min(1000).optional(),
    firmwareVersion: z.string().max(32).optional(),
    vin: z.string().length(17).optional(),
  })
  .strict()
  .refine((c) => c.node !== undefined || c.logger !== undefined, {
    message: "give either node (to fetch the configuration) or logger (a local one)",
  })
  .refine((c) => c.uplink.type !== "http" || c.uplink.url !== undefined || c.node !== undefined, {
    message: "the HTTP uplink needs uplink.url or node.url",
  })
  .refine((c) => c.uplink.batch === undefined || c.codec === "json", {
    message:
      'uplink.batch sends CloudEvents JSON batches: set "codec": "json" (protobuf, Avro and gzip\'d JSON go one event per message)',
    path: ["codec"],
  });

export type AgentConfig = z.output<typeof AgentConfigSchema>;

/** Reads and validates agent.json; paths inside are resolved against its directory. */
export function readAgentConfig(path: string): { config: AgentConfig; baseDir: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new AgentConfigError(`Cannot read agent configuration ${path}.`, { cause: error });
  }
  return { config: parseAgentConfig(json), baseDir: dirname(resolve(path)) };
}

export function parseAgentConfig(json: unknown): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new AgentConfigError("The agent configuration is invalid.", { details: lines.join("; ") });
  }
  return parsed.data;
}

/** Builds the agent the configuration describes (opening the key store, choosing the edges). */
export async function createDeviceAgent(
  config: AgentConfig,
  options: { baseDir?: string; log?: Logger } = {},
): Promise<DeviceAgent> {
  const at = (p: string) => resolve(options.baseDir ?? process.cwd(), p);
  const element = await openFileKeystore({
    path: at(config.keystore.path),
    ...(config.keystore.create !== undefined && { create: config.keystore.create }),
    ...(options.log && { warn: (m: string) => options.log!.warn(m) }),
  });
  const id = config.identity;
  const identity = {
    source: element.address,
    producer: erc721Did(id.chainId, getAddress(id.devicesContract) as Address, id.deviceTokenId),
    subject: erc721Did(id.chainId, getAddress(id.vehiclesContract) as Address, id.vehicleTokenId),
  };

  let can: CanSource;
  let voltage: VoltageSensor | undefined;
  let position: PositionSource | undefined;
  let now: (() => number) | undefined;
  let suspended: (() => boolean) | undefined;
  let vin = config.vin;
  switch (config.can.type) {
    case "socketcan":
      can = new SocketCanSource({ interface: config.can.interface });
      break;
    case "candump":
      can = new CandumpReplaySource({
        path: at(config.can.path),
        timing: config.can.timing,
        timestamps: "now",
        ...(config.can.speed !== undefined && { speed: config.can.speed }),
        ...(config.can.loop !== undefined && { loop: config.can.loop }),
      });
      break;
    case "simulator": {
      const c = config.can;
      const fleet = createFleet({
        seed: c.seed,
        size: c.index + 1,
        start: Date.now(),
        ...(c.model && { models: [c.model as (typeof VEHICLE_MODEL_KEYS)[number]] }),
      });
      const vehicle = fleet[c.index]!.vehicle;
      can = new SimulatedCanSource(vehicle, { speed: c.speed });
      voltage = simulatedVoltage(vehicle);
      position = simulatedPosition(vehicle);
      // The device clock follows the simulation (which may run faster than the wall clock),
      // skewed if the simulated device misbehaves that way; a dropout suspends the device.
      const skew = vehicle.faults.clockSkewMs;
      if (c.speed !== 1 || skew !== 0) now = () => (c.speed !== 1 ? vehicle.time : Date.now()) + skew;
      suspended = () => vehicle.silent();
      vin ??= vehicle.vin;
      break;
    }
  }
  if (config.voltage) {
    voltage = new FileVoltageSensor({
      path: at(config.voltage.path),
      ...(config.voltage.scale !== undefined && { scale: config.voltage.scale }),
      ...(config.voltage.offset !== undefined && { offset: config.voltage.offset }),
    });
  }

  let uplink: Uplink;
  if (config.uplink.type === "mqtt") {
    const { username, password } = config.uplink;
    uplink = new MqttUplink({
      url: config.uplink.url,
      deviceAddress: element.address,
      // A broker with a password gets it; a node's embedded broker gets a login signed by the
      // device key for each connection (it expires in minutes).
      ...(username !== undefined || password !== undefined
        ? {
            ...(username !== undefined && { username }),
            ...(password !== undefined && { password }),
          }
        : { credentials: () => deviceLoginCredentials(element, { chainId: id.chainId, now: now?.() }) }),
      ...(config.uplink.caFile !== undefined && { ca: readFileSync(at(config.uplink.caFile), "utf8") }),
      // With batches, refused events are learnt from the node's rejections topic, by index.
      ...(config.uplink.batch && { refusals: true }),
    });
  } else {
    uplink = new HttpUplink({ url: config.uplink.url ?? config.node!.url, deviceAddress: element.address });
  }

  let local: ConstructorParameters<typeof DeviceAgent>[0]["configuration"];
  if (config.logger) {
    const logger = validateLoggerConfig(JSON.parse(readFileSync(at(config.logger.config), "utf8")));
    const database = config.logger.dbc
      ? parseDbc(decodeDbcBytes(readFileSync(at(config.logger.dbc))), {
          file: config.logger.dbc.split("/").pop()!,
        })
      : undefined;
    local = { logger, database, power: powerSettingsFromDocument(config.settings ?? {}) };
  }

  return new DeviceAgent({
    element,
    identity,
    dataDir: at(config.dataDir),
    can,
    uplink,
    codec: config.codec,
    ...(config.uplink.batch && { batch: config.uplink.batch }),
    ...(voltage && { voltage }),
    ...(position && { position }),
    ...(config.node && {
      configClient: new DeviceConfigClient({ nodeUrl: config.node.url, deviceAddress: element.address }),
    }),
    ...(local && { configuration: local }),
    ...(config.bufferBudgetBytes !== undefined && { bufferBudgetBytes: config.bufferBudgetBytes }),
    ...(config.eventIntervalMs !== undefined && { eventIntervalMs: config.eventIntervalMs }),
    ...(config.configRefreshMs !== undefined && { configRefreshMs: config.configRefreshMs }),
    ...(config.firmwareVersion !== undefined && { firmwareVersion: config.firmwareVersion }),
    ...(vin !== undefined && { vin }),
    ...(now && { now }),
    ...(suspended && { suspended }),
    ...(options.log && { log: options.log }),
  });
}
