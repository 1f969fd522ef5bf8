/**
 * The devnet's simulated vehicles: @dimo-open/device's fleet runner with the devnet's choices —
 * device `index` keyed by the public test mnemonic along m/44'/60'/0'/0/(1000 + index)
 * (docs/device.md), an HTTP uplink to the node's ingest, gzip'd JSON, and cars that may live
 * their day shifted so the demo shows driving whatever the hour.
 */
import {
  createFleet,
  type DeviceAgent,
  type FleetVehicle,
  type SecureElement,
  simulatedDeviceElement,
  startSimulatedFleet,
} from "@dimo-open/device";
import { DEVNET_MNEMONIC } from "@dimo-open/protocol/devnet";
import type { Logger } from "pino";

/** Where simulated device keys start on the mnemonic's path (docs/device.md). */
export const SIMULATED_DEVICE_KEY_OFFSET = 1000;

/** The secure element of simulated device `index` (its key is derived now and kept in memory only). */
export function simulatedDevice(index: number, mnemonic = DEVNET_MNEMONIC): SecureElement {
  return simulatedDeviceElement(index, mnemonic);
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
  if (o.vehicles.length === 0)
    return { vehicles: [], agents: [], devices: [], eventsSigned: () => 0, stop: async () => {} };
  const now = Date.now();
  const byIndex = new Map(o.vehicles.map((v) => [v.index, v]));
  const first = o.vehicles[0];
  const fleet = await startSimulatedFleet({
    seed: o.seed,
    // createFleet derives each vehicle from the seed and its index alone, so a larger fleet
    // holds the same cars at the same indexes.
    size: Math.max(0, ...o.vehicles.map((v) => v.index + 1)),
    indexes: o.vehicles.map((v) => v.index),
    start: now,
    localTimeOffsetMs: o.departAtStart && first ? departureOffset(o.seed, first.index, now) : 0,
    misbehavingShare: o.misbehavingShare ?? 0,
    dataDir: o.dataDir,
    uplink: { type: "http", url: o.ingestUrl },
    codec: "json+gzip",
    identityFor: (index) => {
      const v = byIndex.get(index)!;
      return { producer: v.producer, subject: v.subject };
    },
    eventIntervalMs: o.eventIntervalMs ?? 5000,
    mnemonic: DEVNET_MNEMONIC,
    log: o.log,
  });
  return {
    vehicles: fleet.vehicles,
    agents: fleet.agents,
    devices: fleet.elements,
    eventsSigned: fleet.eventsSigned,
    stop: fleet.stop,
  };
}
