/**
 * A fleet of simulated vehicles, deterministic from one seed: models, VINs, homes scattered
 * around a city, and a share of devices that misbehave on purpose (dropouts, skewed clocks,
 * garbage on the bus) for a performance service to catch.
 */

import { VEHICLE_MODEL_KEYS, VEHICLE_MODELS, type VehicleModel } from "./models.ts";
import { Random } from "./random.ts";
import { NO_FAULTS, SimulatedVehicle, type VehicleFaults } from "./vehicle.ts";

export type Misbehaviour = "dropout" | "clock-skew" | "garbage";

export interface FleetOptions {
  seed: number | string;
  size: number;
  /** Simulation start (ms since the epoch). */
  start: number;
  /** Share of vehicles that misbehave (default 0.1). */
  misbehavingShare?: number;
  /** Centre of the area the vehicles live in (default: Berlin). */
  centre?: { latitude: number; longitude: number };
  models?: readonly VehicleModel["key"][];
  /** Emit the rest of each DBC's messages (realistic bus load). Default true. */
  background?: boolean;
}

export interface FleetVehicle {
  index: number;
  vehicle: SimulatedVehicle;
  misbehaviour: Misbehaviour | undefined;
}

const VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
/** ISO 3779 transliteration of letters for the check digit (I, O, Q are never used). */
const VIN_VALUES: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** A VIN with a valid ISO 3779 / North American check digit (position 9). */
export function makeVin(wmi: string, year: number, rng: Random): string {
  const yearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789";
  const chars = [...wmi];
  while (chars.length < 8) chars.push(rng.pick([...VIN_CHARS]));
  chars.push("0");
  chars.push(yearCodes[(year - 2010 + 30) % 30]!);
  while (chars.length < 17) chars.push(rng.pick([..."0123456789"]));
  const sum = chars.reduce((n, c, i) => n + (/\d/.test(c) ? Number(c) : VIN_VALUES[c]!) * VIN_WEIGHTS[i]!, 0);
  const check = sum % 11;
  chars[8] = check === 10 ? "X" : String(check);
  return chars.join("");
}

export function createFleet(options: FleetOptions): FleetVehicle[] {
  if (!Number.isInteger(options.size) || options.size < 1 || options.size > 100_000) {
    throw new RangeError(`A fleet has 1 to 100000 vehicles, not ${options.size}.`);
  }
  const root = new Random(options.seed);
  const centre = options.centre ?? { latitude: 52.52, longitude: 13.405 };
  const models = options.models ?? VEHICLE_MODEL_KEYS;
  const share = options.misbehavingShare ?? 0.1;
  return Array.from({ length: options.size }, (_, index) => {
    const r = root.fork(`vehicle-${index}`);
    const model = VEHICLE_MODELS[models[index % models.length]!];
    const home = {
      latitude: centre.latitude + r.normal() * 0.08,
      longitude: centre.longitude + r.normal() * 0.12,
    };
    const misbehaviour: Misbehaviour | undefined = r.chance(share)
      ? r.pick(["dropout", "clock-skew", "garbage"] as const)
      : undefined;
    const faults = faultsFor(misbehaviour, options.start, r.fork("faults"));
    const vehicle = new SimulatedVehicle({
      model,
      random: r,
      start: options.start,
      home,
      faults,
      vin: makeVin(model.wmi, model.year, r.fork("vin")),
      ...(options.background !== undefined && { background: options.background }),
    });
    return { index, vehicle, misbehaviour };
  });
}

function faultsFor(m: Misbehaviour | undefined, start: number, r: Random): VehicleFaults {
  switch (m) {
    case undefined:
      return NO_FAULTS;
    case "dropout": {
      // Silent for hours at a time, a few times a week.
      const dropouts = Array.from({ length: 6 }, (_, i) => {
        const from = start + i * 28 * 3_600_000 + r.range(0, 20) * 3_600_000;
        return { from, to: from + r.range(2, 10) * 3_600_000 };
      });
      return { dropouts, clockSkewMs: 0, garbageRate: 0 };
    }
    case "clock-skew":
      // Minutes ahead (future timestamps a node refuses) or hours behind.
      return {
        dropouts: [],
        clockSkewMs: r.chance(0.5) ? r.range(6, 30) * 60_000 : -r.range(1, 48) * 3_600_000,
        garbageRate: 0,
      };
    case "garbage":
      return { dropouts: [], clockSkewMs: 0, garbageRate: r.range(0.02, 0.2) };
  }
}
