import { describeValue, SignalsError } from "./errors.ts";

/**
 * Unit conversion for the units VSS uses and the ones device mappings and DBC files bring
 * (Ruptela's `°C`, `PSI`, `mV`, `L/h`…). Every unit is linear in its quantity's base unit:
 * `base = value * factor + offset`, so a conversion is exact up to floating point and invertible.
 */
interface UnitDefinition {
  quantity: string;
  factor: number;
  offset?: number;
}

const FAHRENHEIT = 5 / 9;

/** Canonical unit names are VSS's (`km/h`, `celsius`, `percent`, `l`…). */
const UNITS: Readonly<Record<string, UnitDefinition>> = {
  // speed (m/s)
  "m/s": { quantity: "speed", factor: 1 },
  "km/h": { quantity: "speed", factor: 1 / 3.6 },
  mph: { quantity: "speed", factor: 0.44704 },
  // temperature (kelvin)
  K: { quantity: "temperature", factor: 1 },
  celsius: { quantity: "temperature", factor: 1, offset: 273.15 },
  fahrenheit: { quantity: "temperature", factor: FAHRENHEIT, offset: 273.15 - 32 * FAHRENHEIT },
  // pressure (Pa)
  Pa: { quantity: "pressure", factor: 1 },
  hPa: { quantity: "pressure", factor: 100 },
  mbar: { quantity: "pressure", factor: 100 },
  kPa: { quantity: "pressure", factor: 1000 },
  bar: { quantity: "pressure", factor: 100_000 },
  psi: { quantity: "pressure", factor: 6894.757293168361 },
  // volume (litre); gal is the US gallon
  ml: { quantity: "volume", factor: 0.001 },
  l: { quantity: "volume", factor: 1 },
  gal: { quantity: "volume", factor: 3.785411784 },
  // length (m)
  mm: { quantity: "length", factor: 0.001 },
  cm: { quantity: "length", factor: 0.01 },
  m: { quantity: "length", factor: 1 },
  km: { quantity: "length", factor: 1000 },
  ft: { quantity: "length", factor: 0.3048 },
  mi: { quantity: "length", factor: 1609.344 },
  // electricity
  mV: { quantity: "voltage", factor: 0.001 },
  V: { quantity: "voltage", factor: 1 },
  mA: { quantity: "current", factor: 0.001 },
  A: { quantity: "current", factor: 1 },
  W: { quantity: "power", factor: 1 },
  kW: { quantity: "power", factor: 1000 },
  Wh: { quantity: "energy", factor: 1 },
  kWh: { quantity: "energy", factor: 1000 },
  // dimensionless ratios: VSS `ratio` is a plain fraction (0.5), `percent` is 50
  ratio: { quantity: "ratio", factor: 1 },
  percent: { quantity: "ratio", factor: 0.01 },
  // time (s)
  ms: { quantity: "time", factor: 0.001 },
  s: { quantity: "time", factor: 1 },
  min: { quantity: "time", factor: 60 },
  h: { quantity: "time", factor: 3600 },
  // rotation, angles
  rpm: { quantity: "rotational speed", factor: 1 },
  degrees: { quantity: "angle", factor: 1 },
  rad: { quantity: "angle", factor: 180 / Math.PI },
  "degrees/s": { quantity: "angular speed", factor: 1 },
  "rad/s": { quantity: "angular speed", factor: 180 / Math.PI },
  // mass, flow, torque, acceleration
  g: { quantity: "mass", factor: 0.001 },
  kg: { quantity: "mass", factor: 1 },
  lb: { quantity: "mass", factor: 0.45359237 },
  "g/s": { quantity: "mass flow", factor: 1 },
  "l/h": { quantity: "volume flow", factor: 1 },
  "gal/h": { quantity: "volume flow", factor: 3.785411784 },
  Nm: { quantity: "torque", factor: 1 },
  "m/s^2": { quantity: "acceleration", factor: 1 },
};

/** Other spellings seen in device mappings and DBC files, to their canonical name. */
const ALIASES: Readonly<Record<string, string>> = {
  kph: "km/h",
  "km/hr": "km/h",
  "°C": "celsius",
  degC: "celsius",
  "°F": "fahrenheit",
  degF: "fahrenheit",
  kelvin: "K",
  PSI: "psi",
  L: "l",
  liters: "l",
  litres: "l",
  "L/h": "l/h",
  "%": "percent",
  RPM: "rpm",
  "1/min": "rpm",
  sec: "s",
  deg: "degrees",
  "°": "degrees",
  "deg/s": "degrees/s",
  "°/s": "degrees/s",
  "N.m": "Nm",
  N·m: "Nm",
  miles: "mi",
};

export class UnknownUnitError extends SignalsError {
  override name = "UnknownUnitError";
  constructor(readonly unit: string) {
    super(`Unknown unit ${describeValue(unit)}.`, `Known units: ${Object.keys(UNITS).join(", ")}.`);
  }
}

export class IncompatibleUnitsError extends SignalsError {
  override name = "IncompatibleUnitsError";
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(
      `Cannot convert ${describeValue(from)} to ${describeValue(to)}.`,
      `${from} measures ${definition(from).quantity}, ${to} measures ${definition(to).quantity}.`,
    );
  }
}

/** The canonical (VSS) spelling of a unit, or undefined when the unit is not known. */
export function canonicalUnit(unit: string): string | undefined {
  const trimmed = unit.trim();
  if (Object.hasOwn(UNITS, trimmed)) return trimmed;
  return Object.hasOwn(ALIASES, trimmed) ? ALIASES[trimmed] : undefined;
}

function definition(unit: string): UnitDefinition {
  const name = canonicalUnit(unit);
  if (name === undefined) throw new UnknownUnitError(unit);
  return UNITS[name]!;
}

/** True when both units are known and measure the same quantity. */
export function canConvertUnit(from: string, to: string): boolean {
  const a = canonicalUnit(from);
  const b = canonicalUnit(to);
  return a !== undefined && b !== undefined && UNITS[a]!.quantity === UNITS[b]!.quantity;
}

/** Convert `value` from one unit to another; throws UnknownUnitError / IncompatibleUnitsError. */
export function convertUnit(value: number, from: string, to: string): number {
  const a = definition(from);
  const b = definition(to);
  if (a.quantity !== b.quantity) throw new IncompatibleUnitsError(from, to);
  // Same unit: return the value untouched rather than round-tripping it through the base unit.
  if (a === b) return value;
  const base = value * a.factor + (a.offset ?? 0);
  return (base - (b.offset ?? 0)) / b.factor;
}
