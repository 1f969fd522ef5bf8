import { describe, expect, it } from "vitest";
import payload from "../__fixtures__/autopi-status-v2.json" with { type: "json" };
import { isKnownSignal } from "../catalogue.ts";
import type { Coordinates } from "../types.ts";
import { validateSignalValue } from "../validation.ts";
import {
  type NormalizedSourceSignal,
  normalizeSourceSignal,
  SOURCE_MAPPINGS,
  SourceValueError,
} from "./normalize.ts";

function mapped(result: NormalizedSourceSignal): { name: string; value: number | string } {
  if (result.status !== "mapped") throw new Error(`expected mapped, got ${JSON.stringify(result)}`);
  return { name: result.name, value: result.value };
}

describe("AutoPi status v2 (real payload)", () => {
  const expected: Record<string, string> = {
    vehicleSpeed: "speed",
    engineLoad: "obdEngineLoad",
    commandedEgr: "obdCommandedEGR",
    throttlePosition: "powertrainCombustionEngineTPS",
    intakeTemp: "obdIntakeTemp",
    intakePressure: "obdMAP",
    rpm: "powertrainCombustionEngineSpeed",
    coolantTemp: "powertrainCombustionEngineECT",
    runTime: "obdRunTime",
    maf: "powertrainCombustionEngineMAF",
  };
  const coordinates = ["latitude", "longitude", "hdop"];
  // Not in autopi_definitions.yaml (DIMO's definitions call the fuel trim `shortTermFuelTrim1`;
  // nsat, wpa_state and ssid are device diagnostics with no catalogue signal).
  const unmapped = ["shortFuelTrim", "nsat", "wpa_state", "ssid"];

  const signals = payload.data.vehicle.signals;

  it("covers every field of the payload in one of the three lists", () => {
    const names = signals.map((s) => s.name).sort();
    expect(names).toEqual([...Object.keys(expected), ...coordinates, ...unmapped].sort());
  });

  it.each(signals.map((s) => [s.name, s.value] as const))("normalises %s", (name, value) => {
    const result = normalizeSourceSignal("autopi", name, value);
    if (name in expected) {
      expect(mapped(result)).toEqual({ name: expected[name], value });
      expect(isKnownSignal(expected[name] ?? "")).toBe(true);
    } else if (coordinates.includes(name)) {
      expect(result).toEqual({ status: "coordinate", name: "currentLocationCoordinates", part: name, value });
    } else {
      expect(unmapped).toContain(name);
      expect(result).toMatchObject({
        status: "unmapped",
        source: "autopi",
        field: name,
        reason: "unknownField",
      });
    }
  });

  it("assembles the coordinate parts into a valid currentLocationCoordinates", () => {
    const parts: Partial<Coordinates> = {};
    for (const s of signals) {
      const r = normalizeSourceSignal("autopi", s.name, s.value);
      if (r.status === "coordinate") parts[r.part] = r.value;
    }
    expect(validateSignalValue("currentLocationCoordinates", parts)).toEqual({
      ok: true,
      value: { latitude: 42.26172693660968, longitude: -83.71029708818693, hdop: 0.8 },
    });
  });

  it("maps the device battery voltage too", () => {
    expect(
      mapped(normalizeSourceSignal("autopi", "batteryVoltage", payload.data.device.batteryVoltage)),
    ).toEqual({
      name: "lowVoltageBatteryCurrentVoltage",
      value: 13.9,
    });
  });
});

describe("AutoPi conversions", () => {
  it("scales the fields AutoPi sends as fractions or kilowatts", () => {
    expect(mapped(normalizeSourceSignal("autopi", "oil", 0.57))).toEqual({
      name: "powertrainCombustionEngineEngineOilRelativeLevel",
      value: 57,
    });
    expect(mapped(normalizeSourceSignal("autopi", "fuelPercentRemaining", 0.5)).value).toBe(50);
    expect(mapped(normalizeSourceSignal("autopi", "chargeLimit", 0.8)).value).toBe(80);
    expect(mapped(normalizeSourceSignal("autopi", "charger.power", 7.2))).toEqual({
      name: "powertrainTractionBatteryCurrentPower",
      value: 7200,
    });
  });

  it("turns booleans into 0/1 floats", () => {
    expect(mapped(normalizeSourceSignal("autopi", "charging", true)).value).toBe(1);
    expect(mapped(normalizeSourceSignal("autopi", "charging", false)).value).toBe(0);
    expect(normalizeSourceSignal("autopi", "charging", "yes").status).toBe("invalid");
  });

  it("explains why a defined field is not mapped", () => {
    expect(normalizeSourceSignal("autopi", "isRedacted", true)).toMatchObject({
      status: "unmapped",
      reason: "notInCatalogue",
    });
    const fuel = normalizeSourceSignal("autopi", "fuelType", "Gasoline");
    expect(fuel).toMatchObject({ status: "unmapped", reason: "unsupportedConversion" });
    if (fuel.status === "unmapped") expect(fuel.detail).toMatch(/powertrainType is an enumeration/);
  });

  it("rejects values of the wrong shape with a typed error", () => {
    const r = normalizeSourceSignal("autopi", "vehicleSpeed", "42");
    expect(r.status).toBe("invalid");
    if (r.status === "invalid") {
      expect(r.error).toBeInstanceOf(SourceValueError);
      expect(r.error.message).toMatch(/Bad autopi value "42" for "vehicleSpeed": expected a finite number/);
    }
    expect(normalizeSourceSignal("autopi", "latitude", 91)).toMatchObject({
      status: "invalid",
      name: "currentLocationCoordinates",
    });
    expect(normalizeSourceSignal("autopi", "vehicleSpeed", Number.NaN).status).toBe("invalid");
  });

  it("validates the converted value against the catalogue", () => {
    const r = normalizeSourceSignal("autopi", "soc", 140);
    expect(r).toMatchObject({ status: "invalid", name: "powertrainTractionBatteryStateOfChargeCurrent" });
    if (r.status === "invalid") expect(r.error.message).toMatch(/outOfRange/);
  });
});

describe("Ruptela conversions (hex I/O values per oids.csv)", () => {
  it.each([
    ["signals.95", "5a", "speed", 90], // km/h
    ["signals.210", "3c00", "speed", 60], // 15360/256 km/h
    ["signals.29", "3070", "lowVoltageBatteryCurrentVoltage", 12.4], // 12400 mV
    ["signals.96", "7b", "powertrainCombustionEngineECT", 83], // 123 - 40 °C
    ["signals.89", "24a0", "exteriorAirTemperature", 20], // 9376 * 0.03125 - 273
    ["signals.114", "2710", "powertrainTransmissionTravelledDistance", 50], // 10000 * 5 m
    ["signals.960", "0280", "chassisAxleRow1WheelLeftTirePressure", 220.632233381], // 32 psi
    ["signals.515", "c8", "powertrainTractionBatteryStateOfChargeCurrent", 100],
    ["signals.98", "80", "powertrainFuelSystemRelativeLevel", 50.1960784314],
    ["signals.520", "ffffffc4", "serviceTimeToService", -3600], // signed: -60 min
    ["signals.366", "fb", "powertrainTransmissionSelectedGear", 126], // 251 - 125: park
    ["signals.409", "01", "isIgnitionOn", 1],
    ["signals.409", "00", "isIgnitionOn", 0],
    ["signals.538", "01", "bodyLockIsLocked", 1],
    ["signals.1190", "00001c20", "powertrainTractionBatteryChargingPower", 7.2], // 7200 * 0.001 kW
  ])("%s %s → %s %d", (field, raw, name, value) => {
    expect(mapped(normalizeSourceSignal("ruptela", field, raw))).toEqual({ name, value });
  });

  it("scales the position fields", () => {
    expect(mapped(normalizeSourceSignal("ruptela", "pos.alt", 1234))).toEqual({
      name: "currentLocationAltitude",
      value: 123.4,
    });
    expect(mapped(normalizeSourceSignal("ruptela", "pos.dir", 18000)).value).toBe(180);
    expect(mapped(normalizeSourceSignal("ruptela", "pos.spd", 88)).value).toBe(88);
    expect(normalizeSourceSignal("ruptela", "pos.dir", 36100).status).toBe("invalid"); // 361°
  });

  it.each([
    ["signals.95", "ff"], // all bits set
    ["signals.89", "fe00"], // error range 65024..65279
    ["signals.39", "c8"], // 200 > declared max 125
    ["signals.362", "02"], // parking brake: 2 = error
    ["signals.517", "02"], // charging state: other codes are unknown
    ["pos.alt", 0x8000],
    ["pos.spd", 0xffff],
  ])("reports %s %j as not available", (field, raw) => {
    expect(normalizeSourceSignal("ruptela", field, raw).status).toBe("notAvailable");
  });

  it.each([
    ["signals.95", "zz", /hex text/],
    ["signals.95", "0x5a", /hex text/],
    ["signals.95", 90, /hex text/],
    ["signals.95", "1ff", /does not fit in 1 byte/],
    ["signals.95", "f".repeat(17), /hex text/],
    ["pos.alt", "1234", /finite number/],
  ])("rejects %s %j", (field, raw, message) => {
    const r = normalizeSourceSignal("ruptela", field, raw);
    expect(r.status).toBe("invalid");
    if (r.status === "invalid") expect(r.error.message).toMatch(message);
  });

  it("rejects a converted value outside the signal's range", () => {
    // 0xc9 * 0.5 = 100.5 %
    expect(normalizeSourceSignal("ruptela", "signals.515", "c9")).toMatchObject({
      status: "invalid",
      name: "powertrainTractionBatteryStateOfChargeCurrent",
    });
  });

  it("decodes zero for every applicable I/O mapping without a unit or type error", () => {
    for (const m of SOURCE_MAPPINGS) {
      if (m.conversion.form !== "ruptelaHex") continue;
      const r = normalizeSourceSignal("ruptela", m.field, "0");
      expect(["mapped", "notAvailable"], `${m.field}: ${JSON.stringify(r)}`).toContain(r.status);
    }
  });
});

describe("mapping table", () => {
  it("gives each applicable mapping a catalogue target, at most one per device field", () => {
    const seen = new Set<string>();
    for (const m of SOURCE_MAPPINGS) {
      const form = m.conversion.form;
      if (form === "unsupported") continue;
      if (form === "coordinate") {
        expect(m.signal).toBeUndefined();
        continue;
      }
      expect(isKnownSignal(m.signal ?? ""), m.field).toBe(true);
      const key = `${m.source} ${m.field}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it("says which mappings it does not apply, and why", () => {
    // Each of these is in the definitions but cannot be applied without guessing; docs/signals.md
    // explains the classes. A change here must be a reviewed one.
    const unsupported = SOURCE_MAPPINGS.filter((m) => m.conversion.form === "unsupported").map(
      (m) => `${m.source} ${m.field} → ${m.signal ?? m.vssPath}`,
    );
    expect(unsupported).toEqual([
      "autopi oil → powertrainCombustionEngineEngineOilLevel",
      "autopi oilLife → powertrainCombustionEngineEngineOilLevel",
      "autopi fuelType → powertrainFuelSystemSupportedFuelTypes",
      "autopi fuelType → powertrainType",
      "autopi isRedacted → Vehicle.CurrentLocation.IsRedacted",
      "autopi obdDTCList → obdDTCList",
      "ruptela signals.964 → powertrainCombustionEngineEngineOilLevel",
      "ruptela signals.1187 → powertrainCombustionEngineEngineOilLevel",
      "ruptela signals.99 → powertrainType",
      "ruptela signals.483 → powertrainType",
      "ruptela dtc_codes → obdDTCList",
      "ruptela signals.985 → obdIsPluggedIn",
      "ruptela signals.405 → obdIsEngineBlocked",
      "ruptela signals.99 → obdFuelTypeName",
      "ruptela signals.38 → obdIsPTOActive",
      "ruptela signals.35 → Vehicle.Powertrain.combustionEngine.IsClutchSwitchOperated",
      "ruptela signals.313 → chassisBrakeABSIsWarningOn",
      "ruptela signals.347 → bodyLightsIsAirbagWarningOn",
      "ruptela signals.316 → chassisTireSystemIsWarningOn",
      "ruptela signals.518 → cabinDoorRow1DriverSideIsOpen",
      "ruptela signals.518 → cabinDoorRow1PassengerSideIsOpen",
      "ruptela signals.518 → cabinDoorRow2PassengerSideIsOpen",
      "ruptela signals.518 → cabinDoorRow2DriverSideIsOpen",
      "ruptela signals.518 → bodyTrunkFrontIsOpen",
      "ruptela signals.518 → bodyTrunkRearIsOpen",
      "ruptela signals.109 → cabinSeatRow1DriverSideIsBelted",
      "ruptela signals.109 → cabinSeatRow1PassengerSideIsBelted",
      "ruptela signals.109 → cabinSeatRow2DriverSideIsBelted",
      "ruptela signals.109 → cabinSeatRow2PassengerSideIsBelted",
      "ruptela signals.109 → cabinSeatRow2MiddleIsBelted",
      "ruptela signals.109 → cabinSeatRow3DriverSideIsBelted",
      "ruptela signals.109 → cabinSeatRow3PassengerSideIsBelted",
      "ruptela signals.359 → powertrainTransmissionRetarderTorqueMode",
      "ruptela signals.1232 → powertrainTransmissionActualGear",
      "ruptela signals.1232 → powertrainTransmissionActualGearRatio",
    ]);
  });

  it("still normalises a field whose other targets are unsupported", () => {
    // signals.964 feeds EngineOilLevel (an enumeration: unsupported) and EngineOilRelativeLevel (percent).
    expect(mapped(normalizeSourceSignal("ruptela", "signals.964", "39"))).toEqual({
      name: "powertrainCombustionEngineEngineOilRelativeLevel",
      value: 57,
    });
  });
});
