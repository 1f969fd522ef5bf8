/**
 * Runs a simulated fleet end to end: each vehicle gets a device agent with its own key (derived
 * at run time from the development mnemonic, never stored), its own data directory, and the
 * vehicle's faults (a skewed clock, dropouts, garbage on the bus), all sending to one node.
 * What a node operator or a performance service runs to see a fleet's traffic.
 */
import { pbkdf2Sync } from "node:crypto";
import { join } from "node:path";
import type { ObdFrame } from "@dimo-open/can";
import { parseDid } from "@dimo-open/protocol";
import { type CodecName, deviceLoginCredentials } from "@dimo-open/stream";
import type { Logger } from "pino";
import { pino } from "pino";
import { bytesToHex } from "viem";
import { HDKey } from "viem/accounts";
import { DeviceAgent } from "../agent/agent.ts";
import type { CanSource } from "../can/can-source.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import type { SecureElement } from "../keystore/secure-element.ts";
import { powerSettingsFromDocument } from "../power/settings.ts";
import { HttpUplink } from "../uplink/http-uplink.ts";
import { MqttUplink } from "../uplink/mqtt-uplink.ts";
import type { EventIdentity } from "../uplink/outbox.ts";
import { createFleet, type FleetOptions, type FleetVehicle } from "./fleet.ts";
import { modelDatabase, modelLoggerConfig } from "./models.ts";
import { simulatedPosition, simulatedVoltage } from "./sensors.ts";
import { SimulatedCanSource } from "./simulated-can-source.ts";

export const DEVELOPMENT_MNEMONIC = "test test test test test test test test test test test junk";

const roots = new Map<string, HDKey>();

/**
 * The development key of simulated device `index` (HD path m/44'/60'/0'/0/(1000 + index)),
 * derived now and kept in memory only. The mnemonic's seed is stretched once (BIP-39 PBKDF2,
 * native) and cached, so a fleet of thousands derives its keys in milliseconds.
 */
export function simulatedDeviceElement(index: number, mnemonic = DEVELOPMENT_MNEMONIC): SecureElement {
  if (!Number.isSafeInteger(index) || index < 0 || index > 1_000_000)
    throw new RangeError(`A simulated device index is 0 to 1000000, not ${index}.`);
  let root = roots.get(mnemonic);
  if (!root) {
    root = HDKey.fromMasterSeed(pbkdf2Sync(mnemonic.normalize("NFKD"), "mnemonic", 2048, 64, "sha512"));
    roots.set(mnemonic, root);
  }
  const key = root.derive(`m/44'/60'/0'/0/${1000 + index}`).privateKey!;
  return privateKeyElement(bytesToHex(key));
}

export interface SimulatedFleetOptions extends Omit<FleetOptions, "start"> {
  start?: number;
  dataDir: string;
  uplink: { type: "mqtt"; url: string } | { type: "http"; url: string };
  codec?: CodecName;
  /** Send "2b" batches (DeviceAgentOptions.batch); needs codec json. */
  batch?: { maxEvents: number; maxDelayMs?: number };
  /** Simulated ms per real ms (default 1). */
  speed?: number;
  /** The producer and subject DIDs of device `index` (its NFTs, minted by whoever sets up the fleet). */
  identityFor: (index: number, deviceAddress: `0x${string}`) => Omit<EventIdentity, "source">;
  /**
   * Run only these vehicles of the fleet (default: all `size`). A vehicle is derived from the
   * seed and its index alone, so vehicle 7 is the same car whichever others run.
   */
  indexes?: readonly number[];
  /**
   * The cars live their simulated day this far ahead of the fleet's clock (their trips and
   * nights follow the shifted clock) while everything they send is stamped without the shift:
   * a demo started at night can still show cars on their morning trip. Default 0.
   */
  localTimeOffsetMs?: number;
  eventIntervalMs?: number;
  /** The mnemonic device keys derive from (default: the development mnemonic). */
  mnemonic?: string;
  log?: Logger;
}

export interface SimulatedFleet {
  /** The vehicles that run, in the order of `indexes`; agents[i] and elements[i] are theirs. */
  vehicles: FleetVehicle[];
  agents: DeviceAgent[];
  elements: SecureElement[];
  /** Events the agents have signed and buffered so far. */
  eventsSigned(): number;
  stop(): Promise<void>;
}

export async function startSimulatedFleet(o: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const start = o.start ?? Date.now();
  const speed = o.speed ?? 1;
  const indexes = o.indexes ?? Array.from({ length: o.size }, (_, i) => i);
  for (const index of indexes)
    if (!Number.isSafeInteger(index) || index < 0 || index >= o.size)
      throw new RangeError(`Vehicle index ${index} is outside a fleet of ${o.size}.`);
  const offset = o.localTimeOffsetMs ?? 0;
  const fleet = createFleet({ ...o, start: start + offset });
  const vehicles = indexes.map((index) => fleet[index]!);
  const log = o.log ?? pino({ level: "warn", name: "dimo-fleet" });
  const elements: SecureElement[] = [];
  const agents: DeviceAgent[] = [];
  const stop = async () => {
    for (const a of agents) await a.stop();
  };
  const wall0 = Date.now();
  for (const { index, vehicle } of vehicles) {
    const element = simulatedDeviceElement(index, o.mnemonic);
    elements.push(element);
    const identity = { source: element.address, ...o.identityFor(index, element.address) };
    const skew = vehicle.faults.clockSkewMs;
    const now = () => start + (Date.now() - wall0) * speed + skew;
    // A node's broker takes a login signed for the chain of the device's NFT, on the device's clock.
    const chainId = parseDid(identity.producer).chainId;
    const uplink =
      o.uplink.type === "mqtt"
        ? new MqttUplink({
            url: o.uplink.url,
            deviceAddress: element.address,
            credentials: () => deviceLoginCredentials(element, { chainId, now: now() }),
            ...(o.batch && { refusals: true }),
          })
        : new HttpUplink({ url: o.uplink.url, deviceAddress: element.address });
    const agent = new DeviceAgent({
      element,
      identity,
      dataDir: join(o.dataDir, `device-${index}`),
      can: shifted(new SimulatedCanSource(vehicle, { speed }), offset),
      uplink,
      codec: o.codec ?? (o.batch ? "json" : "json+gzip"),
      ...(o.batch && { batch: o.batch }),
      voltage: simulatedVoltage(vehicle),
      // Positions are stamped by the agent's own clock when sampled: no shift to undo.
      position: simulatedPosition(vehicle),
      configuration: {
        logger: modelLoggerConfig(vehicle.model),
        database: modelDatabase(vehicle.model),
        power: powerSettingsFromDocument({}),
      },
      now,
      suspended: () => vehicle.silent(),
      vin: vehicle.vin,
      tickMs: Math.max(10, Math.round(1000 / speed)),
      ...(o.eventIntervalMs !== undefined && { eventIntervalMs: o.eventIntervalMs }),
      log: log.child({ device: index }),
    });
    try {
      await agent.start();
    } catch (error) {
      // Leave nothing running behind a fleet that did not start.
      await agent.stop().catch(() => {});
      await stop();
      throw error;
    }
    agents.push(agent);
  }
  return {
    vehicles,
    agents,
    elements,
    eventsSigned: () => agents.reduce((n, a) => n + a.status.events, 0),
    stop,
  };
}

/** A car living `offsetMs` ahead of the fleet's clock, its frames stamped back without the shift. */
function shifted(inner: CanSource, offsetMs: number): CanSource {
  if (offsetMs === 0) return inner;
  return {
    name: inner.name,
    start: (onFrame) => inner.start((f) => onFrame({ ...f, timestamp: f.timestamp - offsetMs })),
    ...(inner.send && { send: (frame: ObdFrame) => inner.send?.(frame) }),
    stop: () => inner.stop(),
  };
}
