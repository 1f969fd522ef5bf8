/**
 * Standard OBD-II service 01 PIDs (SAE J1979 / ISO 15031-5): how many data bytes each answers
 * with and how to turn them into physical values. Every field is a DIMO PID formula over the
 * response frame (see formula.ts), so the table is data a device config can carry as is.
 * `signal` suggests the catalogue signal (VSS name, lowerCamelCase) the value maps to.
 */
import { FormulaSet, type PidFormula, parsePidFormula } from "./formula.ts";

export interface ObdPidField {
  /** Field name in decoded output (the PID's name for single-value PIDs). */
  readonly name: string;
  readonly formula: string;
  /** Suggested catalogue signal (lowerCamelCase VSS name), when there is an obvious one. */
  readonly signal?: string;
}

export interface ObdPid {
  readonly pid: number;
  readonly name: string;
  readonly description: string;
  /** Data bytes in the response (after service and PID). */
  readonly bytes: number;
  readonly fields: readonly ObdPidField[];
  /** Names of enumerated values (fuel system status, fuel type…), by raw value. */
  readonly choices?: Readonly<Record<number, string>>;
}

/** Motorola start bit of data byte A (0), B (1)… in a single-frame response. */
const at = (dataByte: number) => (3 + dataByte) * 8 + 7;

const f = (
  byte: number,
  length: number,
  factor: number,
  offset: number,
  min: number,
  max: number,
  unit: string,
  signed = false,
): string =>
  `dbc: ${at(byte)}|${length}@0${signed ? "-" : "+"} (${factor},${offset}) [${min}|${max}] "${unit}"`;

const one = (
  pid: number,
  name: string,
  description: string,
  bytes: number,
  formula: string,
  signal?: string,
): ObdPid => ({
  pid,
  name,
  description,
  bytes,
  fields: [{ name, formula, ...(signal ? { signal } : {}) }],
});

const percent = (pid: number, name: string, description: string, signal?: string) =>
  one(pid, name, description, 1, f(0, 8, 100 / 255, 0, 0, 100, "%"), signal);
const temperature = (pid: number, name: string, description: string, signal?: string) =>
  one(pid, name, description, 1, f(0, 8, 1, -40, -40, 215, "degC"), signal);
const trim = (pid: number, name: string, description: string, signal?: string) =>
  one(pid, name, description, 1, f(0, 8, 100 / 128, -100, -100, 99.21875, "%"), signal);
const supported = (pid: number) =>
  one(
    pid,
    `supportedPids${(pid + 1).toString(16).toUpperCase().padStart(2, "0")}`,
    `PIDs supported [${(pid + 1).toString(16)}–${(pid + 0x20).toString(16)}]`,
    4,
    f(0, 32, 1, 0, 0, 4294967295, ""),
  );

const o2 = (pid: number, sensor: number): ObdPid => ({
  pid,
  name: `o2Sensor${sensor}`,
  description: `Oxygen sensor ${sensor}: voltage and short term fuel trim`,
  bytes: 2,
  fields: [
    {
      name: `o2Sensor${sensor}Voltage`,
      formula: f(0, 8, 0.005, 0, 0, 1.275, "V"),
      signal: `obdO2Sensor${sensor}Voltage`,
    },
    {
      name: `o2Sensor${sensor}ShortTermFuelTrim`,
      formula: f(1, 8, 100 / 128, -100, -100, 99.21875, "%"),
      signal: `obdO2Sensor${sensor}ShortTermFuelTrim`,
    },
  ],
});

const o2WideVoltage = (pid: number, sensor: number): ObdPid => ({
  pid,
  name: `o2WideRangeSensor${sensor}`,
  description: `Oxygen sensor ${sensor} (wide range): equivalence ratio and voltage`,
  bytes: 4,
  fields: [
    { name: `o2WideRangeSensor${sensor}Lambda`, formula: f(0, 16, 2 / 65536, 0, 0, 2, "ratio") },
    {
      name: `o2WideRangeSensor${sensor}Voltage`,
      formula: f(2, 16, 8 / 65536, 0, 0, 8, "V"),
      signal: `obdO2WRSensor${sensor}Voltage`,
    },
  ],
});

const o2WideCurrent = (pid: number, sensor: number): ObdPid => ({
  pid,
  name: `o2WideRangeSensor${sensor}Current`,
  description: `Oxygen sensor ${sensor} (wide range): equivalence ratio and current`,
  bytes: 4,
  fields: [
    { name: `o2WideRangeSensor${sensor}CurrentLambda`, formula: f(0, 16, 2 / 65536, 0, 0, 2, "ratio") },
    {
      name: `o2WideRangeSensor${sensor}Current`,
      formula: f(2, 16, 1 / 256, -128, -128, 128, "mA"),
      signal: `obdO2WRSensor${sensor}Current`,
    },
  ],
});

const catalyst = (pid: number, bank: number, sensor: number) =>
  one(
    pid,
    `catalystTemperatureBank${bank}Sensor${sensor}`,
    `Catalyst temperature, bank ${bank} sensor ${sensor}`,
    2,
    f(0, 16, 0.1, -40, -40, 6513.5, "degC"),
    `obdCatalystBank${bank}Temperature${sensor}`,
  );

const FUEL_SYSTEM_STATUS: Record<number, string> = {
  0: "none",
  1: "open loop: insufficient engine temperature",
  2: "closed loop: oxygen sensor feedback",
  4: "open loop: engine load or fuel cut",
  8: "open loop: system failure",
  16: "closed loop: feedback fault",
};

const FUEL_TYPES: Record<number, string> = {
  0: "not available",
  1: "gasoline",
  2: "methanol",
  3: "ethanol",
  4: "diesel",
  5: "LPG",
  6: "CNG",
  7: "propane",
  8: "electric",
  9: "bifuel gasoline",
  10: "bifuel methanol",
  11: "bifuel ethanol",
  12: "bifuel LPG",
  13: "bifuel CNG",
  14: "bifuel propane",
  15: "bifuel electricity",
  16: "bifuel electric and combustion",
  17: "hybrid gasoline",
  18: "hybrid ethanol",
  19: "hybrid diesel",
  20: "hybrid electric",
  21: "hybrid electric and combustion",
  22: "hybrid regenerative",
  23: "bifuel diesel",
};

export const OBD_PIDS: readonly ObdPid[] = [
  supported(0x00),
  {
    pid: 0x01,
    name: "monitorStatus",
    description: "Monitor status since DTCs cleared (MIL and DTC count)",
    bytes: 4,
    fields: [
      { name: "milOn", formula: f(0, 1, 1, 0, 0, 1, ""), signal: "obdStatusIsMILOn" },
      { name: "dtcCount", formula: `dbc: ${at(0) - 1}|7@0+ (1,0) [0|127] ""`, signal: "obdStatusDTCCount" },
    ],
  },
  {
    pid: 0x03,
    name: "fuelSystemStatus",
    description: "Fuel system status (systems 1 and 2)",
    bytes: 2,
    fields: [
      { name: "fuelSystem1Status", formula: f(0, 8, 1, 0, 0, 255, "") },
      { name: "fuelSystem2Status", formula: f(1, 8, 1, 0, 0, 255, "") },
    ],
    choices: FUEL_SYSTEM_STATUS,
  },
  percent(0x04, "engineLoad", "Calculated engine load", "obdEngineLoad"),
  temperature(0x05, "coolantTemperature", "Engine coolant temperature", "powertrainCombustionEngineECT"),
  trim(0x06, "shortTermFuelTrimBank1", "Short term fuel trim, bank 1", "obdShortTermFuelTrim1"),
  trim(0x07, "longTermFuelTrimBank1", "Long term fuel trim, bank 1", "obdLongTermFuelTrim1"),
  trim(0x08, "shortTermFuelTrimBank2", "Short term fuel trim, bank 2", "obdShortTermFuelTrim2"),
  trim(0x09, "longTermFuelTrimBank2", "Long term fuel trim, bank 2", "obdLongTermFuelTrim2"),
  one(0x0a, "fuelPressure", "Fuel pressure (gauge)", 1, f(0, 8, 3, 0, 0, 765, "kPa"), "obdFuelPressure"),
  one(
    0x0b,
    "intakeManifoldPressure",
    "Intake manifold absolute pressure",
    1,
    f(0, 8, 1, 0, 0, 255, "kPa"),
    "obdMAP",
  ),
  one(
    0x0c,
    "engineSpeed",
    "Engine speed",
    2,
    f(0, 16, 0.25, 0, 0, 16383.75, "rpm"),
    "powertrainCombustionEngineSpeed",
  ),
  one(0x0d, "vehicleSpeed", "Vehicle speed", 1, f(0, 8, 1, 0, 0, 255, "km/h"), "speed"),
  one(
    0x0e,
    "timingAdvance",
    "Timing advance (before TDC)",
    1,
    f(0, 8, 0.5, -64, -64, 63.5, "deg"),
    "obdTimingAdvance",
  ),
  temperature(0x0f, "intakeAirTemperature", "Intake air temperature", "obdIntakeTemp"),
  one(
    0x10,
    "mafAirFlowRate",
    "Mass air flow rate",
    2,
    f(0, 16, 0.01, 0, 0, 655.35, "g/s"),
    "powertrainCombustionEngineMAF",
  ),
  percent(0x11, "throttlePosition", "Throttle position", "powertrainCombustionEngineTPS"),
  one(0x12, "commandedSecondaryAirStatus", "Commanded secondary air status", 1, f(0, 8, 1, 0, 0, 255, "")),
  one(0x13, "oxygenSensorsPresent2Banks", "Oxygen sensors present (2 banks)", 1, f(0, 8, 1, 0, 0, 255, "")),
  o2(0x14, 1),
  o2(0x15, 2),
  o2(0x16, 3),
  o2(0x17, 4),
  o2(0x18, 5),
  o2(0x19, 6),
  o2(0x1a, 7),
  o2(0x1b, 8),
  one(0x1c, "obdStandard", "OBD standards this vehicle conforms to", 1, f(0, 8, 1, 0, 0, 255, "")),
  one(0x1d, "oxygenSensorsPresent4Banks", "Oxygen sensors present (4 banks)", 1, f(0, 8, 1, 0, 0, 255, "")),
  one(0x1e, "auxiliaryInputStatus", "Auxiliary input status (power take-off)", 1, f(0, 1, 1, 0, 0, 1, "")),
  one(0x1f, "runTime", "Run time since engine start", 2, f(0, 16, 1, 0, 0, 65535, "s"), "obdRunTime"),
  supported(0x20),
  one(
    0x21,
    "distanceWithMil",
    "Distance traveled with MIL on",
    2,
    f(0, 16, 1, 0, 0, 65535, "km"),
    "obdDistanceWithMIL",
  ),
  one(
    0x22,
    "fuelRailPressureRelative",
    "Fuel rail pressure (relative to manifold vacuum)",
    2,
    f(0, 16, 0.079, 0, 0, 5177.265, "kPa"),
    "obdFuelRailPressure",
  ),
  one(
    0x23,
    "fuelRailGaugePressure",
    "Fuel rail gauge pressure (diesel, direct injection)",
    2,
    f(0, 16, 10, 0, 0, 655350, "kPa"),
  ),
  o2WideVoltage(0x24, 1),
  o2WideVoltage(0x25, 2),
  o2WideVoltage(0x26, 3),
  o2WideVoltage(0x27, 4),
  o2WideVoltage(0x28, 5),
  o2WideVoltage(0x29, 6),
  o2WideVoltage(0x2a, 7),
  o2WideVoltage(0x2b, 8),
  percent(0x2c, "commandedEgr", "Commanded EGR", "obdCommandedEGR"),
  trim(0x2d, "egrError", "EGR error", "obdEGRError"),
  percent(0x2e, "commandedEvaporativePurge", "Commanded evaporative purge", "obdCommandedEVAP"),
  percent(0x2f, "fuelTankLevel", "Fuel tank level input", "powertrainFuelSystemRelativeLevel"),
  one(
    0x30,
    "warmUpsSinceCodesCleared",
    "Warm-ups since codes cleared",
    1,
    f(0, 8, 1, 0, 0, 255, ""),
    "obdWarmupsSinceDTCClear",
  ),
  one(
    0x31,
    "distanceSinceCodesCleared",
    "Distance traveled since codes cleared",
    2,
    f(0, 16, 1, 0, 0, 65535, "km"),
    "obdDistanceSinceDTCClear",
  ),
  one(
    0x32,
    "evapSystemVaporPressure",
    "Evaporative system vapor pressure",
    2,
    f(0, 16, 0.25, 0, -8192, 8191.75, "Pa", true),
    "obdEVAPVaporPressure",
  ),
  one(
    0x33,
    "barometricPressure",
    "Absolute barometric pressure",
    1,
    f(0, 8, 1, 0, 0, 255, "kPa"),
    "obdBarometricPressure",
  ),
  o2WideCurrent(0x34, 1),
  o2WideCurrent(0x35, 2),
  o2WideCurrent(0x36, 3),
  o2WideCurrent(0x37, 4),
  o2WideCurrent(0x38, 5),
  o2WideCurrent(0x39, 6),
  o2WideCurrent(0x3a, 7),
  o2WideCurrent(0x3b, 8),
  catalyst(0x3c, 1, 1),
  catalyst(0x3d, 2, 1),
  catalyst(0x3e, 1, 2),
  catalyst(0x3f, 2, 2),
  supported(0x40),
  {
    pid: 0x41,
    name: "monitorStatusThisDriveCycle",
    description: "Monitor status this drive cycle",
    bytes: 4,
    fields: [{ name: "monitorStatusThisDriveCycle", formula: f(0, 32, 1, 0, 0, 4294967295, "") }],
  },
  one(
    0x42,
    "controlModuleVoltage",
    "Control module voltage",
    2,
    f(0, 16, 0.001, 0, 0, 65.535, "V"),
    "lowVoltageBatteryCurrentVoltage",
  ),
  one(
    0x43,
    "absoluteLoad",
    "Absolute load value",
    2,
    f(0, 16, 100 / 255, 0, 0, 25700, "%"),
    "obdAbsoluteLoad",
  ),
  one(
    0x44,
    "commandedEquivalenceRatio",
    "Commanded air-fuel equivalence ratio (lambda)",
    2,
    f(0, 16, 2 / 65536, 0, 0, 2, "ratio"),
    "obdCommandedEquivalenceRatio",
  ),
  percent(0x45, "relativeThrottlePosition", "Relative throttle position", "obdRelativeThrottlePosition"),
  temperature(0x46, "ambientAirTemperature", "Ambient air temperature", "exteriorAirTemperature"),
  percent(0x47, "absoluteThrottlePositionB", "Absolute throttle position B", "obdThrottlePositionB"),
  percent(0x48, "absoluteThrottlePositionC", "Absolute throttle position C", "obdThrottlePositionC"),
  percent(0x49, "acceleratorPedalPositionD", "Accelerator pedal position D", "obdAcceleratorPositionD"),
  percent(0x4a, "acceleratorPedalPositionE", "Accelerator pedal position E", "obdAcceleratorPositionE"),
  percent(0x4b, "acceleratorPedalPositionF", "Accelerator pedal position F", "obdAcceleratorPositionF"),
  percent(0x4c, "commandedThrottleActuator", "Commanded throttle actuator", "obdThrottleActuator"),
  one(0x4d, "timeRunWithMil", "Time run with MIL on", 2, f(0, 16, 1, 0, 0, 65535, "min"), "obdRunTimeMIL"),
  one(
    0x4e,
    "timeSinceCodesCleared",
    "Time since trouble codes cleared",
    2,
    f(0, 16, 1, 0, 0, 65535, "min"),
    "obdTimeSinceDTCCleared",
  ),
  {
    pid: 0x4f,
    name: "maximumValues",
    description: "Maximum equivalence ratio, O2 voltage, O2 current and intake manifold pressure",
    bytes: 4,
    fields: [
      { name: "maximumEquivalenceRatio", formula: f(0, 8, 1, 0, 0, 255, "ratio") },
      { name: "maximumOxygenSensorVoltage", formula: f(1, 8, 1, 0, 0, 255, "V") },
      { name: "maximumOxygenSensorCurrent", formula: f(2, 8, 1, 0, 0, 255, "mA") },
      { name: "maximumIntakeManifoldPressure", formula: f(3, 8, 10, 0, 0, 2550, "kPa") },
    ],
  },
  one(
    0x50,
    "maximumMafAirFlowRate",
    "Maximum mass air flow rate",
    4,
    f(0, 8, 10, 0, 0, 2550, "g/s"),
    "obdMaxMAF",
  ),
  { ...one(0x51, "fuelType", "Fuel type", 1, f(0, 8, 1, 0, 0, 255, ""), "obdFuelType"), choices: FUEL_TYPES },
  percent(0x52, "ethanolFuelPercentage", "Ethanol fuel percentage", "obdEthanolPercent"),
  one(
    0x53,
    "absoluteEvapSystemVaporPressure",
    "Absolute evaporative system vapor pressure",
    2,
    f(0, 16, 0.005, 0, 0, 327.675, "kPa"),
    "obdEVAPVaporPressureAbsolute",
  ),
  one(
    0x54,
    "evapSystemVaporPressureAlternate",
    "Evaporative system vapor pressure (wide range)",
    2,
    f(0, 16, 1, 0, -32768, 32767, "Pa", true),
    "obdEVAPVaporPressureAlternate",
  ),
  {
    pid: 0x55,
    name: "shortTermSecondaryO2TrimBanks1And3",
    description: "Short term secondary oxygen sensor trim, banks 1 and 3",
    bytes: 2,
    fields: [
      {
        name: "shortTermSecondaryO2TrimBank1",
        formula: f(0, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdShortTermO2Trim1",
      },
      {
        name: "shortTermSecondaryO2TrimBank3",
        formula: f(1, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdShortTermO2Trim3",
      },
    ],
  },
  {
    pid: 0x56,
    name: "longTermSecondaryO2TrimBanks1And3",
    description: "Long term secondary oxygen sensor trim, banks 1 and 3",
    bytes: 2,
    fields: [
      {
        name: "longTermSecondaryO2TrimBank1",
        formula: f(0, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdLongTermO2Trim1",
      },
      {
        name: "longTermSecondaryO2TrimBank3",
        formula: f(1, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdLongTermO2Trim3",
      },
    ],
  },
  {
    pid: 0x57,
    name: "shortTermSecondaryO2TrimBanks2And4",
    description: "Short term secondary oxygen sensor trim, banks 2 and 4",
    bytes: 2,
    fields: [
      {
        name: "shortTermSecondaryO2TrimBank2",
        formula: f(0, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdShortTermO2Trim2",
      },
      {
        name: "shortTermSecondaryO2TrimBank4",
        formula: f(1, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdShortTermO2Trim4",
      },
    ],
  },
  {
    pid: 0x58,
    name: "longTermSecondaryO2TrimBanks2And4",
    description: "Long term secondary oxygen sensor trim, banks 2 and 4",
    bytes: 2,
    fields: [
      {
        name: "longTermSecondaryO2TrimBank2",
        formula: f(0, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdLongTermO2Trim2",
      },
      {
        name: "longTermSecondaryO2TrimBank4",
        formula: f(1, 8, 100 / 128, -100, -100, 99.21875, "%"),
        signal: "obdLongTermO2Trim4",
      },
    ],
  },
  one(
    0x59,
    "fuelRailAbsolutePressure",
    "Fuel rail absolute pressure",
    2,
    f(0, 16, 10, 0, 0, 655350, "kPa"),
    "obdFuelRailPressureAbsolute",
  ),
  percent(
    0x5a,
    "relativeAcceleratorPedalPosition",
    "Relative accelerator pedal position",
    "obdRelativeAcceleratorPosition",
  ),
  percent(
    0x5b,
    "hybridBatteryRemainingLife",
    "Hybrid battery pack remaining life",
    "obdHybridBatteryRemaining",
  ),
  temperature(0x5c, "engineOilTemperature", "Engine oil temperature", "powertrainCombustionEngineEOT"),
  one(
    0x5d,
    "fuelInjectionTiming",
    "Fuel injection timing",
    2,
    f(0, 16, 1 / 128, -210, -210, 301.992, "deg"),
    "obdFuelInjectionTiming",
  ),
  one(0x5e, "engineFuelRate", "Engine fuel rate", 2, f(0, 16, 0.05, 0, 0, 3276.75, "L/h"), "obdFuelRate"),
  one(
    0x5f,
    "emissionRequirements",
    "Emission requirements the vehicle is designed to",
    1,
    f(0, 8, 1, 0, 0, 255, ""),
  ),
  supported(0x60),
  one(
    0x61,
    "driverDemandTorquePercent",
    "Driver's demand engine percent torque",
    1,
    f(0, 8, 1, -125, -125, 130, "%"),
  ),
  one(
    0x62,
    "actualTorquePercent",
    "Actual engine percent torque",
    1,
    f(0, 8, 1, -125, -125, 130, "%"),
    "powertrainCombustionEngineTorquePercent",
  ),
  one(0x63, "engineReferenceTorque", "Engine reference torque", 2, f(0, 16, 1, 0, 0, 65535, "Nm")),
  supported(0x80),
  one(
    0x8e,
    "engineFrictionTorquePercent",
    "Engine friction percent torque",
    1,
    f(0, 8, 1, -125, -125, 130, "%"),
  ),
  supported(0xa0),
  one(
    0xa6,
    "odometer",
    "Odometer",
    4,
    f(0, 32, 0.1, 0, 0, 429496729.5, "km"),
    "powertrainTransmissionTravelledDistance",
  ),
  supported(0xc0),
];

const BY_PID = new Map(OBD_PIDS.map((p) => [p.pid, p]));

export function obdPid(pid: number): ObdPid | undefined {
  return BY_PID.get(pid);
}

const compiled = new Map<number, FormulaSet>();

/** The PID's fields compiled into one decoder over response frames. */
export function pidFormulas(pid: ObdPid): FormulaSet {
  let set = compiled.get(pid.pid);
  if (!set) {
    const formulas: Record<string, PidFormula> = {};
    for (const field of pid.fields) formulas[field.name] = parsePidFormula(field.formula);
    set = new FormulaSet(formulas, pid.name);
    compiled.set(pid.pid, set);
  }
  return set;
}

/** PIDs a "PIDs supported" answer (PID 0x00, 0x20, 0x40…) says the ECU supports. */
export function decodeSupportedPids(basePid: number, data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < 32; i++) {
    const byte = data[i >> 3];
    if (byte !== undefined && byte & (0x80 >> (i & 7))) out.push(basePid + i + 1);
  }
  return out;
}
