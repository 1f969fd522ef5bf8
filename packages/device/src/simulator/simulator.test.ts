import { createHash } from "node:crypto";
import { LoggerPipeline, type ObdFrame, type RawFrame, type SignalReading } from "@dimo-open/can";
import { describe, expect, it } from "vitest";
import { createFleet, makeVin } from "./fleet.ts";
import { modelDatabase, modelLoggerConfig, VEHICLE_MODELS } from "./models.ts";
import { Random } from "./random.ts";
import { SimulatedCanSource } from "./simulated-can-source.ts";
import type { SimulatedVehicle, VehicleTruth } from "./vehicle.ts";

const MONDAY_6AM = Date.UTC(2026, 0, 5, 6, 0, 0);
const HOUR = 3_600_000;

function digest(vehicle: SimulatedVehicle, until: number): string {
  const h = createHash("sha256");
  vehicle.advance(until, (f) => h.update(`${f.id}:${f.timestamp}:${Buffer.from(f.data).toString("hex")};`));
  return h.digest("hex");
}

describe("fleet simulator", () => {
  it("is deterministic with a seed", () => {
    const a = createFleet({ seed: 7, size: 3, start: MONDAY_6AM, background: false });
    const b = createFleet({ seed: 7, size: 3, start: MONDAY_6AM, background: false });
    const c = createFleet({ seed: 8, size: 3, start: MONDAY_6AM, background: false });
    const until = a[1]!.vehicle.trips[0]!.start + 3 * 60_000;
    expect(a.map((v) => v.vehicle.vin)).toEqual(b.map((v) => v.vehicle.vin));
    const da = digest(a[1]!.vehicle, until);
    expect(da).toBe(digest(b[1]!.vehicle, until));
    expect(da).not.toBe(digest(c[1]!.vehicle, until));
  });

  it("drives plausible days: trips by day, nights parked, consistent odometer, fuel and position", () => {
    const { vehicle } = createFleet({ seed: "days", size: 1, start: MONDAY_6AM, background: false })[0]!;
    const start = vehicle.truth;
    let ignitionCycles = 0;
    let wasOn = false;
    let maxSpeed = 0;
    let maxFromHomeKm = 0;
    let nightDriving = 0;
    let prev: VehicleTruth = start;
    for (let t = MONDAY_6AM; t < MONDAY_6AM + 48 * HOUR; t += 10_000) {
      vehicle.advance(t, () => {});
      const s = vehicle.truth;
      if (s.ignition && !wasOn) ignitionCycles++;
      wasOn = s.ignition;
      maxSpeed = Math.max(maxSpeed, s.speedKmh);
      const hour = new Date(t).getUTCHours();
      if ((hour >= 23 || hour < 5) && s.driving) nightDriving++;
      expect(s.odometerKm).toBeGreaterThanOrEqual(prev.odometerKm);
      maxFromHomeKm = Math.max(
        maxFromHomeKm,
        Math.hypot(
          s.latitude - start.latitude,
          (s.longitude - start.longitude) * Math.cos((s.latitude * Math.PI) / 180),
        ) * 111.32,
      );
      if (!s.engineRunning && !s.ignition) expect(s.batteryVolts).toBeLessThan(12.8);
      if (s.engineRunning) expect(s.batteryVolts).toBeGreaterThan(13.3);
      prev = s;
    }
    const end = vehicle.truth;
    const km = end.odometerKm - start.odometerKm;
    expect(ignitionCycles).toBeGreaterThanOrEqual(4);
    expect(ignitionCycles).toBeLessThanOrEqual(10);
    expect(nightDriving).toBe(0);
    expect(km).toBeGreaterThan(20);
    expect(km).toBeLessThan(600);
    expect(maxSpeed).toBeGreaterThan(45);
    expect(maxSpeed).toBeLessThanOrEqual(180);
    expect(maxFromHomeKm).toBeGreaterThan(1);
    expect(maxFromHomeKm).toBeLessThan(60);
    expect(end.fuelPercent).not.toBe(start.fuelPercent);
  });

  it("writes VINs with a valid check digit", () => {
    const vin = makeVin("2HG", 2018, new Random(1));
    expect(vin).toMatch(/^2HG[A-HJ-NPR-Z0-9]{14}$/);
    expect(vin[9]).toBe("J");
    const values: Record<string, number> = {
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
    const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    const sum = [...vin].reduce((n, c, i) => n + (/\d/.test(c) ? Number(c) : values[c]!) * weights[i]!, 0);
    expect(vin[8]).toBe(sum % 11 === 10 ? "X" : String(sum % 11));
  });

  for (const key of ["toyota-prius", "honda-civic"] as const) {
    it(`${key}: the logger decodes the frames back to the simulated values within DBC resolution`, () => {
      const model = VEHICLE_MODELS[key];
      const fleet = createFleet({
        seed: `decode-${key}`,
        size: 1,
        start: MONDAY_6AM,
        models: [key],
        misbehavingShare: 0,
      });
      const vehicle = fleet[0]!.vehicle;
      // Start at the first trip.
      vehicle.advance(vehicle.trips[0]!.start + 60_000, () => {});
      const source = new SimulatedCanSource(vehicle, { mode: "manual" });
      const sent: ObdFrame[] = [];
      // Every value through: no delivery rules.
      const config = modelLoggerConfig(model);
      const pipeline = new LoggerPipeline(
        { ...config, delivery: {}, signals: config.signals.map(({ delivery: _, ...s }) => s) },
        { database: modelDatabase(model), send: (f) => sent.push(f) },
      );
      const checked = new Map<string, number>();
      const tolerance: Record<string, number> = {
        speed: 0.005 + 1e-9,
        powertrainCombustionEngineSpeed: key === "toyota-prius" ? 0.78125 / 2 + 1e-9 : 0.5 + 1e-9,
        powertrainTransmissionTravelledDistance: 1,
        powertrainFuelSystemRelativeLevel: 100 / 255 / 2 + 0.05,
        powertrainTractionBatteryStateOfChargeCurrent: 100 / 255 / 2 + 0.05,
        lowVoltageBatteryCurrentVoltage: 0.0005 + 0.1,
      };
      const truthOf = (t: VehicleTruth, name: string) =>
        ({
          speed: t.speedKmh,
          powertrainCombustionEngineSpeed: t.rpm,
          powertrainTransmissionTravelledDistance: t.odometerKm,
          powertrainFuelSystemRelativeLevel: t.fuelPercent,
          powertrainTractionBatteryStateOfChargeCurrent: t.socPercent,
          lowVoltageBatteryCurrentVoltage: t.batteryVolts,
        })[name]!;
      source.start((frame: RawFrame) => {
        const truth = vehicle.truth;
        for (const r of pipeline.push(frame) as SignalReading[]) {
          const expected = truthOf(truth, r.name);
          const tol = tolerance[r.name]!;
          if (Math.abs((r.value as number) - expected) > tol) {
            throw new Error(`${r.name}: decoded ${r.value}, simulated ${expected} (tolerance ${tol})`);
          }
          checked.set(r.name, (checked.get(r.name) ?? 0) + 1);
        }
      });
      let t = vehicle.time;
      for (let i = 0; i < 600; i++) {
        t += 100;
        if (i % 20 === 0) for (const p of pipeline.obdPolls) source.send(p.frame);
        source.advance(t);
      }
      const expectedSignals = modelLoggerConfig(model).signals.map((s) => s.name);
      expect([...checked.keys()].sort()).toEqual([...expectedSignals].sort());
      expect(checked.get("speed")).toBeGreaterThan(100);
      expect(pipeline.stats.invalid).toBe(0);
    });
  }

  it("misbehaving devices: garbage is caught by checksums or shows as implausible, dropouts go silent", () => {
    const fleet = createFleet({ seed: "faults", size: 16, start: MONDAY_6AM, misbehavingShare: 0.5 });
    const garbage = fleet.find((v) => v.misbehaviour === "garbage")!.vehicle;
    const dropout = fleet.find((v) => v.misbehaviour === "dropout")!.vehicle;
    const skewed = fleet.find((v) => v.misbehaviour === "clock-skew")!.vehicle;
    expect(Math.abs(skewed.faults.clockSkewMs)).toBeGreaterThan(5 * 60_000);

    const model = garbage.model;
    const pipeline = new LoggerPipeline(
      { ...modelLoggerConfig(model), delivery: {} },
      { database: modelDatabase(model) },
    );
    garbage.advance(garbage.trips[0]!.start + 2 * 60_000, (f) => pipeline.push(f));
    expect(garbage.stats.garbage).toBeGreaterThan(0);
    expect(pipeline.stats.invalid).toBeGreaterThan(0);

    const window = dropout.faults.dropouts[0]!;
    let framesInWindow = 0;
    dropout.advance(window.from, () => {});
    dropout.advance(Math.min(window.to, window.from + 2 * HOUR), () => framesInWindow++);
    expect(framesInWindow).toBe(0);
    expect(dropout.silent(window.from + 1)).toBe(true);
  });
});
