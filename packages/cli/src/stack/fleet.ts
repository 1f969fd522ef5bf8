/**
 * The devnet's simulated vehicles: one reference device agent per vehicle, with the device key
 * of simulated device `index` (derived at run time from the public test mnemonic along
 * m/44'/60'/0'/0/(1000 + index), as docs/device.md specifies), a simulated car on its CAN bus,
 * and an HTTP uplink to the node's ingest.
 *
 * @dimo-open/device's public entry does not export its fleet runner (startSimulatedFleet,
 * simulatedDeviceElement), so this composes the same agent from the parts it does export.
 */
import { pbkdf2Sync } from "node:crypto";
import { join } from "node:path";
import {
  type CanSource,
  createFleet,
  DeviceAgent,
  type FleetVehicle,
  HttpUplink,
  modelDatabase,
  modelLoggerConfig,
  powerSettingsFromDocument,
  privateKeyElement,
  type SecureElement,
  SimulatedCanSource,
  simulatedPosition,
  simulatedVoltage,
} from "@dimo-open/device";
import { DEVNET_MNEMONIC } from "@dimo-open/protocol/devnet";
import type { Logger } from "pino";
import { bytesToHex } from "viem";
import { HDKey } from "viem/accounts";

/** Where simulated device keys start on the mnemonic's path (docs/device.md). */
export const SIMULATED_DEVICE_KEY_OFFSET = 1000;

const roots = new Map<string, HDKey>();

/** The secure element of simulated device `index` (its key is derived now and kept in memory only). */
export function simulatedDevice(index: number, mnemonic = DEVNET_MNEMONIC): SecureElement {
  if (!Number.isSafeInteger(index) || index < 0 || index > 1_000_000)
    throw new RangeError(`A simulated device index is 0 to 1000000, not ${index}.`);
  let root = roots.get(mnemonic);
  if (!root) {
    // One PBKDF2 stretch (native) for all devices instead of one per device in JavaScript.
    root = HDKey.fromMasterSeed(pbkdf2Sync(mnemonic.normalize("NFKD"), "mnemonic", 2048, 64, "sha512"));
    roots.set(mnemonic, root);
  }
  const key = root.derive(`m/44'/60'/0'/0/${SIMULATED_DEVICE_KEY_OFFSET + index}`).privateKey!;
  return privateKeyElement(bytesToHex(key));
}

export interface SimulatedVehicleIdentity {
  /** The simulator's vehicle index (also its device key index). */
  index: number;
  /** The device NFT's DID. */
  producer: string;
  /** The vehicle NFT's DID. */
  subject: string;
}

export interface SimulatedVehiclesOptions {
  /** The simulated fleet's seed: vehicle `index` is the same car for the same seed. */
  seed: string;
  vehicles: readonly SimulatedVehicleIdentity[];
  /** Each device keeps its buffer, sequence numbers and configuration under `<dataDir>/device-<index>`. */
  dataDir: string;
  /** The node's ingest base URL (`POST <url>/v1/devices/<address>/events`). */
  ingestUrl: string;
  /** How often a device turns its readings into a signed status event (default 5 s). */
  eventIntervalMs?: number;
  /** Share of vehicles with faults (dropouts, skewed clocks, bus garbage); default 0. */
  misbehavingShare?: number;
  /**
   * Live the fleet's simulated day in a time zone where the first vehicle is setting off on its
   * first trip of the day as the fleet starts, whatever the hour here: the simulated cars drive
   * on a day plan (trips between morning and evening, nights parked), so a demo started at night
   * would otherwise show only parked cars (and earn no rewards). Data is stamped with the wall clock.
   */
  departAtStart?: boolean;
  log: Logger;
}

const DAY_MS = 86_400_000;

/** How far the fleet's local clock runs ahead of the wall clock so that `index` departs now. */
function departureOffset(seed: string, index: number, now: number): number {
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const probe = createFleet({ seed, size: index + 1, start: dayStart, misbehavingShare: 0 })[index]!;
  const departure = probe.vehicle.trips[0]?.start ?? now;
  // A few seconds into the trip: the engine is cranked and the car is rolling.
  return departure + 5_000 - now;
}

/** GNSS fixes of a zoned car, stamped back in wall time. */
function zonedPosition(inner: ReturnType<typeof simulatedPosition>, offsetMs: number) {
  if (offsetMs === 0) return inner;
  return {
    read: async () => {
      const fix = await inner.read();
      return fix && { ...fix, timestamp: fix.timestamp - offsetMs };
    },
  };
}

/** A simulated car whose local clock runs `offsetMs` ahead of the wall clock, its frames stamped back in wall time. */
class ZonedCanSource implements CanSource {
  readonly name: string;
  constructor(
    private readonly inner: SimulatedCanSource,
    private readonly offsetMs: number,
  ) {
    this.name = inner.name;
  }
  start(onFrame: Parameters<CanSource["start"]>[0]): Promise<void> {
    return this.inner.start((f) => onFrame({ ...f, timestamp: f.timestamp - this.offsetMs }));
  }
  send(frame: Parameters<NonNullable<CanSource["send"]>>[0]): void {
    this.inner.send(frame);
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
}

export interface SimulatedVehicles {
  vehicles: FleetVehicle[];
  agents: DeviceAgent[];
  devices: SecureElement[];
  /** Events the agents have signed and buffered so far. */
  eventsSigned(): number;
  stop(): Promise<void>;
}

/** Starts one device agent per vehicle, each driving its simulated car in real time. */
export async function startSimulatedVehicles(o: SimulatedVehiclesOptions): Promise<SimulatedVehicles> {
  const now = Date.now();
  const size = Math.max(0, ...o.vehicles.map((v) => v.index + 1));
  const offset = o.departAtStart && o.vehicles[0] ? departureOffset(o.seed, o.vehicles[0].index, now) : 0;
  const start = now + offset;
  // createFleet derives each vehicle from the seed and its index alone, so a larger fleet
  // holds the same cars at the same indexes.
  const fleet =
    size === 0 ? [] : createFleet({ seed: o.seed, size, start, misbehavingShare: o.misbehavingShare ?? 0 });
  const vehicles: FleetVehicle[] = [];
  const agents: DeviceAgent[] = [];
  const devices: SecureElement[] = [];
  try {
    for (const identity of o.vehicles) {
      const { vehicle } = fleet[identity.index]!;
      const device = simulatedDevice(identity.index);
      const skew = vehicle.faults.clockSkewMs;
      const agent = new DeviceAgent({
        element: device,
        identity: { source: device.address, producer: identity.producer, subject: identity.subject },
        dataDir: join(o.dataDir, `device-${identity.index}`),
        can:
          offset === 0
            ? new SimulatedCanSource(vehicle, { speed: 1 })
            : new ZonedCanSource(new SimulatedCanSource(vehicle, { speed: 1 }), offset),
        uplink: new HttpUplink({ url: o.ingestUrl, deviceAddress: device.address }),
        codec: "json+gzip",
        voltage: simulatedVoltage(vehicle),
        position: zonedPosition(simulatedPosition(vehicle), offset),
        configuration: {
          logger: modelLoggerConfig(vehicle.model),
          database: modelDatabase(vehicle.model),
          power: powerSettingsFromDocument({}),
        },
        now: () => Date.now() + skew,
        suspended: () => vehicle.silent(),
        vin: vehicle.vin,
        eventIntervalMs: o.eventIntervalMs ?? 5000,
        log: o.log.child({ device: identity.index }),
      });
      await agent.start();
      agents.push(agent);
      vehicles.push(fleet[identity.index]!);
      devices.push(device);
    }
  } catch (error) {
    for (const a of agents) await a.stop();
    throw error;
  }
  return {
    vehicles,
    agents,
    devices,
    eventsSigned: () => agents.reduce((n, a) => n + a.status.events, 0),
    stop: async () => {
      for (const a of agents) await a.stop();
    },
  };
}
