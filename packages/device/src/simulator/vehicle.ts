/**
 * One simulated vehicle: plausible days of driving (a few trips between morning and evening,
 * nights parked), speed following the road (city, suburb, highway; traffic lights), engine
 * speed from the gear, fuel and hybrid battery, odometer, a position on a random walk around
 * home, and the 12 V battery (charging while the engine runs, a dip when cranking, a slow
 * decline while parked). It emits the CAN frames a car of its model sends and answers OBD-II
 * requests while its ignition is on. Everything is derived from a seed.
 */
import { buildObdResponse, type Database, type ObdFrame, type RawFrame } from "@dimo-open/can";
import { backgroundFrames, FrameEncoder } from "./frames.ts";
import { modelDatabase, type VehicleModel, type VehicleReadout } from "./models.ts";
import type { Random } from "./random.ts";

/** Ways a device misbehaves on purpose, so a performance service has something to catch. */
export interface VehicleFaults {
  /** Windows (ms since the epoch) when the device is silent: no frames, no uplink. */
  dropouts: { from: number; to: number }[];
  /** Offset of the device's clock from true time (ms). */
  clockSkewMs: number;
  /** Share of frames replaced by garbage (random ids and payloads, broken checksums, absurd values). */
  garbageRate: number;
}

export const NO_FAULTS: VehicleFaults = Object.freeze({
  dropouts: [],
  clockSkewMs: 0,
  garbageRate: 0,
}) as VehicleFaults;

export interface VehicleTruth extends VehicleReadout {
  time: number;
  ignition: boolean;
  driving: boolean;
  latitude: number;
  longitude: number;
  headingDeg: number;
}

const DAY = 86_400_000;
const ROADS = [
  { kind: "city", limit: 50 },
  { kind: "suburb", limit: 70 },
  { kind: "highway", limit: 110 },
] as const;

interface Trip {
  start: number;
  end: number;
  homeward: boolean;
}

export interface SimulatedVehicleOptions {
  model: VehicleModel;
  /** Seed material: the fleet seed and the vehicle's index. */
  random: Random;
  /** Simulation start (ms since the epoch). */
  start: number;
  home: { latitude: number; longitude: number };
  faults?: VehicleFaults;
  /** Emit the rest of the DBC's messages too (realistic bus load). Default true. */
  background?: boolean;
  vin: string;
}

export class SimulatedVehicle {
  readonly model: VehicleModel;
  readonly vin: string;
  readonly faults: VehicleFaults;
  readonly database: Database;
  readonly #rng: Random;
  readonly #garbage: Random;
  readonly #encoders: { frame: VehicleModel["frames"][number]; encoder: FrameEncoder; next: number }[];
  readonly #background: { id: number; extended: boolean; payloads: Uint8Array[]; i: number; next: number }[];
  readonly #home: { latitude: number; longitude: number };
  #t: number;
  #s: VehicleTruth;
  #trips: Trip[] = [];
  #road: (typeof ROADS)[number] = ROADS[0];
  #roadUntil = 0;
  #target = 0;
  #stopUntil = 0;
  #crankUntil = 0;
  #pending: { at: number; frame: RawFrame }[] = [];
  readonly stats = { frames: 0, garbage: 0, obdAnswers: 0 };

  constructor(o: SimulatedVehicleOptions) {
    this.model = o.model;
    this.vin = o.vin;
    this.faults = o.faults ?? NO_FAULTS;
    this.#rng = o.random.fork("drive");
    this.#garbage = o.random.fork("garbage");
    this.#home = o.home;
    this.database = modelDatabase(o.model);
    this.#t = o.start;
    const r = o.random.fork("initial");
    this.#s = {
      time: o.start,
      speedKmh: 0,
      rpm: 0,
      engineRunning: false,
      ignition: false,
      driving: false,
      odometerKm: Math.round(r.range(8_000, 120_000) * 10) / 10,
      fuelPercent: r.range(30, 95),
      socPercent: o.model.hybrid ? r.range(45, 70) : 0,
      batteryVolts: 12.6,
      latitude: o.home.latitude,
      longitude: o.home.longitude,
      headingDeg: r.range(0, 360),
    };
    this.#encoders = o.model.frames.map((frame, i) => {
      const message = this.database.message(frame.message);
      if (!message) throw new Error(`${o.model.dbcFile} has no message ${frame.message}`);
      return { frame, encoder: new FrameEncoder(this.database, message), next: o.start + i };
    });
    const own = new Set(this.#encoders.map((e) => e.encoder.message.id));
    this.#background =
      o.background === false
        ? []
        : backgroundFrames(this.database, own).map((b, i) => ({ ...b, i: 0, next: o.start + (i % 100) }));
    this.#planDay(o.start);
  }

  /** The vehicle's true state now (what a perfect device would report). */
  get truth(): VehicleTruth {
    return { ...this.#s };
  }

  get time(): number {
    return this.#t;
  }

  /** True while a dropout fault keeps the device silent. */
  silent(at = this.#t): boolean {
    return this.faults.dropouts.some((d) => at >= d.from && at < d.to);
  }

  /** Trips of the current day (for tests and tools). */
  get trips(): readonly Trip[] {
    return this.#trips;
  }

  #planDay(from: number): void {
    const dayStart = Math.floor(from / DAY) * DAY;
    const trips: Trip[] = [];
    const n = this.#rng.int(2, 4);
    let t = dayStart + this.#rng.range(6.5, 8.5) * 3_600_000;
    for (let i = 0; i < n; i++) {
      const duration = this.#rng.range(8, 40) * 60_000;
      trips.push({ start: t, end: t + duration, homeward: i === n - 1 });
      t += duration + this.#rng.range(1, 5) * 3_600_000;
      if (t > dayStart + 21.5 * 3_600_000) break;
    }
    this.#trips = trips.filter((trip) => trip.end > from);
    if (this.#trips.length === 0) this.#planDay(dayStart + DAY);
  }

  /** Runs the vehicle up to `to` (ms), handing each frame it sends to `emit`. */
  advance(to: number, emit: (frame: RawFrame) => void): void {
    while (this.#t < to) {
      // Parked: nothing changes quickly, so step in minutes rather than 100 ms.
      const parked = !this.#s.ignition && this.#pending.length === 0;
      const nextStart = this.#trips[0]?.start ?? Number.POSITIVE_INFINITY;
      const step =
        parked && nextStart - this.#t > 100
          ? Math.min(60_000, nextStart - this.#t, to - this.#t)
          : Math.min(100, to - this.#t);
      this.#physics(step);
      this.#t += step;
      this.#s.time = this.#t;
      this.#emitFrames(emit);
    }
  }

  #physics(dtMs: number): void {
    const s = this.#s;
    const t = this.#t;
    const trip = this.#trips[0];
    const dt = dtMs / 1000;
    if (trip && t >= trip.start && t < trip.end) {
      if (!s.ignition) {
        s.ignition = true;
        s.engineRunning = true;
        this.#crankUntil = t + 400;
        if (s.fuelPercent < 12) s.fuelPercent = this.#rng.range(90, 100); // filled up on the way
      }
      s.driving = true;
      this.#drive(dt, t, trip);
    } else {
      if (s.ignition && s.speedKmh > 0) {
        // Trip over: come to a stop first.
        s.speedKmh = Math.max(0, s.speedKmh - 12 * dt);
      } else if (s.ignition) {
        s.ignition = false;
        s.engineRunning = false;
        s.driving = false;
        s.rpm = 0;
      }
      if (trip && t >= trip.end && s.speedKmh === 0) {
        this.#trips.shift();
        if (this.#trips.length === 0) this.#planDay(Math.floor(t / DAY) * DAY + DAY);
      }
    }
    // The 12 V battery.
    if (t < this.#crankUntil) s.batteryVolts = 10.4 + this.#rng.range(0, 0.6);
    else if (s.engineRunning) s.batteryVolts = 14.1 + 0.15 * Math.sin(t / 60_000) + this.#rng.normal() * 0.02;
    else if (s.ignition) s.batteryVolts = 12.4;
    else s.batteryVolts = Math.max(12.25, s.batteryVolts > 12.75 ? 12.7 : s.batteryVolts - dtMs * 2e-9);
  }

  #drive(dt: number, t: number, trip: Trip): void {
    const s = this.#s;
    const rng = this.#rng;
    if (t >= this.#roadUntil) {
      this.#road = trip.end - t < 3 * 60_000 ? ROADS[0] : rng.pick(ROADS);
      this.#roadUntil = t + rng.range(1, 6) * 60_000;
      this.#target = this.#road.limit * rng.range(0.8, 1.1);
    }
    if (t < this.#stopUntil) this.#target = 0;
    else if (this.#target === 0) this.#target = this.#road.limit * rng.range(0.8, 1.1);
    else if (this.#road.kind !== "highway" && rng.chance(dt / 90))
      this.#stopUntil = t + rng.range(10, 60) * 1000;
    this.#target = Math.max(0, this.#target + rng.normal() * 0.8 * dt);
    const diff = this.#target - s.speedKmh;
    const accel = diff > 0 ? Math.min(diff, 8 * dt) : Math.max(diff, -14 * dt);
    s.speedKmh = Math.max(0, Math.min(180, s.speedKmh + accel));

    const m = this.model;
    const hybridElectric = m.hybrid && s.speedKmh < 30 && accel < 2 * dt && s.socPercent > 40;
    s.engineRunning = !hybridElectric;
    if (s.engineRunning) {
      const gear = Math.min(6, Math.max(1, Math.ceil(s.speedKmh / 22)));
      const perKmh = [0, 95, 60, 42, 33, 27, 23][gear]!;
      s.rpm = Math.max(m.idleRpm, s.speedKmh * perKmh + (accel > 0 ? 400 : 0)) + rng.normal() * 15;
    } else s.rpm = 0;

    const km = (s.speedKmh * dt) / 3600;
    s.odometerKm += km;
    const litres = (km * m.consumption) / 100 + (s.engineRunning ? (0.7 * dt) / 3600 : 0);
    s.fuelPercent = Math.max(
      0,
      s.fuelPercent - ((100 * litres) / m.tankLitres) * (m.hybrid && !s.engineRunning ? 0 : 1),
    );
    if (m.hybrid) {
      const drift = s.engineRunning ? 0.02 : -0.03;
      s.socPercent = Math.min(80, Math.max(35, s.socPercent + drift * dt * (1 + rng.normal() * 0.2)));
    }

    // Heading: a random walk, pulled home on the last trip of the day or when far out.
    const dLat = this.#home.latitude - s.latitude;
    const dLon = (this.#home.longitude - s.longitude) * Math.cos((s.latitude * Math.PI) / 180);
    const distanceKm = Math.hypot(dLat, dLon) * 111.32;
    if (trip.homeward || distanceKm > 25) {
      const homeBearing = (Math.atan2(dLon, dLat) * 180) / Math.PI;
      const delta = ((homeBearing - s.headingDeg + 540) % 360) - 180;
      s.headingDeg += Math.sign(delta) * Math.min(Math.abs(delta), 20 * dt);
    }
    s.headingDeg = (s.headingDeg + rng.normal() * (s.speedKmh < 40 ? 6 : 1.5) * dt + 360) % 360;
    const h = (s.headingDeg * Math.PI) / 180;
    const meters = km * 1000;
    s.latitude += (meters * Math.cos(h)) / 111_320;
    s.longitude += (meters * Math.sin(h)) / (111_320 * Math.cos((s.latitude * Math.PI) / 180));
  }

  #emitFrames(emit: (frame: RawFrame) => void): void {
    const t = this.#t;
    while (this.#pending.length > 0 && this.#pending[0]!.at <= t)
      this.#deliver(this.#pending.shift()!.frame, emit);
    // A car's bus is quiet with the ignition off.
    if (!this.#s.ignition || this.silent(t)) {
      for (const e of this.#encoders) e.next = Math.max(e.next, t);
      for (const b of this.#background) b.next = Math.max(b.next, t);
      return;
    }
    const readout: VehicleReadout = this.#s;
    for (const e of this.#encoders) {
      if (e.next > t) continue;
      // One set of values per physics step: the encoder reuses its payloads for them.
      const values = e.frame.values(readout);
      while (e.next <= t) {
        this.#deliver(
          {
            id: e.encoder.message.id,
            extended: e.encoder.message.extended,
            data: e.encoder.encode(values),
            timestamp: e.next,
          },
          emit,
        );
        e.next += e.frame.periodMs;
      }
    }
    for (const b of this.#background) {
      while (b.next <= t) {
        this.#deliver({ id: b.id, extended: b.extended, data: b.payloads[b.i]!, timestamp: b.next }, emit);
        b.i = (b.i + 1) % b.payloads.length;
        b.next += 100;
      }
    }
  }

  #deliver(frame: RawFrame, emit: (frame: RawFrame) => void): void {
    this.stats.frames++;
    if (this.faults.garbageRate > 0 && this.#garbage.chance(this.faults.garbageRate)) {
      this.stats.garbage++;
      emit(this.#garbageFrame(frame));
      return;
    }
    emit(frame);
  }

  #garbageFrame(frame: RawFrame): RawFrame {
    const g = this.#garbage;
    const data = new Uint8Array(frame.data.length || 8);
    for (let i = 0; i < data.length; i++) data[i] = g.int(0, 255);
    // Half keep their id (a corrupted payload: usually a broken checksum, sometimes an absurd
    // value that passes), half are ids no DBC knows.
    return g.chance(0.5) ? { ...frame, data } : { ...frame, id: g.int(0x001, 0x7ff), data };
  }

  /** The bus carries a frame from the device: the engine ECU answers OBD-II requests (ignition on). */
  receive(frame: ObdFrame): void {
    const s = this.#s;
    if (!s.ignition || this.silent()) return;
    const d = frame.data;
    const functional = frame.id === 0x7df || frame.id === 0x7e0;
    if (!functional || frame.extended || d[1] !== 0x01) return;
    const count = Math.min(6, Math.max(0, d[0]! - 1));
    for (let i = 0; i < count; i++) {
      const pid = d[2 + i]!;
      if (!this.model.obdPids.includes(pid)) continue;
      const values: Record<number, Record<string, number>> = {
        12: { engineSpeed: Math.max(0, Math.min(16383, s.rpm)) },
        13: { vehicleSpeed: Math.min(255, Math.round(s.speedKmh)) },
        47: { fuelTankLevel: s.fuelPercent },
        66: { controlModuleVoltage: s.batteryVolts },
        91: { hybridBatteryRemainingLife: s.socPercent },
        166: { odometer: Math.floor(s.odometerKm * 10) / 10 },
      };
      const answer = buildObdResponse(pid, values[pid]!);
      // ECUs answer within tens of milliseconds.
      const at = this.#t + this.#rng.int(5, 40);
      this.#pending.push({
        at,
        frame: { id: answer.id, extended: answer.extended, data: answer.data, timestamp: at },
      });
      this.stats.obdAnswers++;
    }
    this.#pending.sort((a, b) => a.at - b.at);
  }
}
