/**
 * The vehicle models the simulator drives, each bound to a real opendbc DBC (copied, with its
 * MIT notice, into packages/device/dbc/) and the logger configuration a device uses for it
 * (packages/device/logger-configs/). Each model says which frames it sends, how often, and how
 * the vehicle's state becomes signal values.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Database,
  decodeDbcBytes,
  type LoggerConfig,
  parseDbc,
  validateLoggerConfig,
} from "@dimo-open/can";

/** What the frames are made of: the simulated vehicle's physical state. */
export interface VehicleReadout {
  speedKmh: number;
  rpm: number;
  engineRunning: boolean;
  odometerKm: number;
  fuelPercent: number;
  socPercent: number;
  batteryVolts: number;
}

export interface ModelFrame {
  message: string;
  periodMs: number;
  values: (s: VehicleReadout) => Record<string, number>;
}

export interface VehicleModel {
  key: "toyota-prius" | "honda-civic";
  make: string;
  model: string;
  year: number;
  /** World manufacturer identifier of its VINs. */
  wmi: string;
  dbcFile: string;
  loggerConfigFile: string;
  hybrid: boolean;
  tankLitres: number;
  /** Litres per 100 km at a steady pace. */
  consumption: number;
  idleRpm: number;
  /** Frames that carry the vehicle's state. */
  frames: readonly ModelFrame[];
  /** OBD-II service 01 PIDs its engine ECU answers. */
  obdPids: readonly number[];
}

const DBC_DIR = fileURLToPath(new URL("../../dbc/", import.meta.url));
const CONFIG_DIR = fileURLToPath(new URL("../../logger-configs/", import.meta.url));

export const VEHICLE_MODELS: Readonly<Record<VehicleModel["key"], VehicleModel>> = {
  "toyota-prius": {
    key: "toyota-prius",
    make: "Toyota",
    model: "Prius",
    year: 2019,
    wmi: "JTD",
    dbcFile: "toyota_nodsu_pt_generated.dbc",
    loggerConfigFile: "toyota_nodsu_pt.logger.json",
    hybrid: true,
    tankLitres: 43,
    consumption: 4.5,
    idleRpm: 1000,
    frames: [
      { message: "SPEED", periodMs: 20, values: (s) => ({ SPEED: s.speedKmh, ENCODER: 0 }) },
      {
        message: "ENGINE_RPM",
        periodMs: 20,
        values: (s) => ({ RPM: s.rpm, ENGINE_RUNNING: s.engineRunning ? 1 : 0 }),
      },
      // The odometer as the cluster shows it: whole kilometres, UNITS 1 = km.
      {
        message: "UI_SETTING",
        periodMs: 1000,
        values: (s) => ({ ODOMETER: Math.floor(s.odometerKm), UNITS: 1 }),
      },
    ],
    obdPids: [0x0c, 0x0d, 0x2f, 0x42, 0x5b, 0xa6],
  },
  "honda-civic": {
    key: "honda-civic",
    make: "Honda",
    model: "Civic",
    year: 2018,
    wmi: "2HG",
    dbcFile: "honda_civic_touring_2016_can_generated.dbc",
    loggerConfigFile: "honda_civic_touring_2016_can.logger.json",
    hybrid: false,
    tankLitres: 47,
    consumption: 6.8,
    idleRpm: 750,
    frames: [
      {
        message: "ENGINE_DATA",
        periodMs: 10,
        values: (s) => ({
          XMISSION_SPEED: s.speedKmh,
          XMISSION_SPEED2: s.speedKmh,
          ENGINE_RPM: Math.round(s.rpm),
          // A rolling 0–2550 m trip counter in 10 m steps.
          ODOMETER: Math.floor(((s.odometerKm * 1000) % 2560) / 10) * 10,
        }),
      },
      { message: "POWERTRAIN_DATA", periodMs: 10, values: (s) => ({ ENGINE_RPM: Math.round(s.rpm) }) },
      { message: "ODOMETER", periodMs: 1000, values: (s) => ({ ODOMETER: Math.floor(s.odometerKm) }) },
    ],
    obdPids: [0x0c, 0x0d, 0x2f, 0x42, 0xa6],
  },
};

export const VEHICLE_MODEL_KEYS = Object.keys(VEHICLE_MODELS) as VehicleModel["key"][];

const databases = new Map<string, Database>();

/** The model's DBC, parsed once per process. */
export function modelDatabase(model: VehicleModel): Database {
  let db = databases.get(model.dbcFile);
  if (!db) {
    db = parseDbc(decodeDbcBytes(readFileSync(DBC_DIR + model.dbcFile)), { file: model.dbcFile });
    databases.set(model.dbcFile, db);
  }
  return db;
}

/** The DBC file's bytes (what a node serves at the dbcUrl). */
export function modelDbcBytes(model: VehicleModel): Uint8Array {
  return readFileSync(DBC_DIR + model.dbcFile);
}

/** The logger configuration a device uses for this model. */
export function modelLoggerConfig(model: VehicleModel): LoggerConfig {
  return validateLoggerConfig(JSON.parse(readFileSync(CONFIG_DIR + model.loggerConfigFile, "utf8")));
}
