/**
 * Unit conversion between what DBC files and OBD-II formulas write ("kph", "degC", "%",
 * "Unit_KiloMeterPerHour"…) and the catalogue's units (VSS: "km/h", "celsius", "percent"…).
 * Every unit is a linear map to its dimension's base unit: base = value × factor + offset.
 */
import { UnitConversionError } from "../errors.ts";

interface UnitDef {
  readonly dimension: string;
  readonly factor: number;
  readonly offset: number;
}

const table = new Map<string, UnitDef>();
const add = (dimension: string, factor: number, offset: number, ...names: string[]) => {
  for (const n of names) table.set(n, { dimension, factor, offset });
};

add("speed", 1, 0, "km/h", "kph", "kmh", "km/hr", "kmph", "Unit_KiloMeterPerHour");
add("speed", 1.609344, 0, "mph", "mi/h", "Unit_MilePerHour");
add("speed", 3.6, 0, "m/s", "Unit_MeterPerSecond");
add("speed", 3.29184, 0, "yd/s");
add(
  "temperature",
  1,
  0,
  "celsius",
  "degC",
  "°C",
  "C",
  "deg C",
  "DegC",
  "degc",
  "Unit_DegreCelsi",
  "Unit_DegreeCelsius",
);
add("temperature", 5 / 9, (-32 * 5) / 9, "fahrenheit", "degF", "°F", "F", "deg F");
add("temperature", 1, -273.15, "kelvin", "K");
add("pressure", 1, 0, "kPa", "kpa", "Unit_KiloPascal");
add("pressure", 0.001, 0, "Pa", "Unit_Pascal");
add("pressure", 0.1, 0, "hPa", "mbar", "Unit_MilliBar");
add("pressure", 100, 0, "bar", "Unit_Bar");
add("pressure", 1000, 0, "MPa");
add("pressure", 6.894757293168361, 0, "psi", "PSI");
add("rotation", 1, 0, "rpm", "RPM", "1/min", "Unit_MinutInver", "Unit_RevolutionsPerMinute");
add("fraction", 1, 0, "percent", "%", "pct", "Unit_PerCent");
add("ratio", 1, 0, "ratio");
add("voltage", 1, 0, "V", "volt", "Volt", "Unit_Volt");
add("voltage", 0.001, 0, "mV", "Unit_MilliVolt");
add("current", 1, 0, "A", "amp", "Unit_Amper");
add("current", 0.001, 0, "mA", "Unit_MilliAmper");
add("distance", 1, 0, "km", "Unit_KiloMeter");
add("distance", 0.001, 0, "m", "Unit_Meter");
add("distance", 0.00001, 0, "cm", "Unit_CentiMeter");
add("distance", 0.000001, 0, "mm", "Unit_MilliMeter");
add("distance", 1.609344, 0, "mi", "mile", "miles");
add("distance", 0.0003048, 0, "ft");
add("distance", 0.0000254, 0, "inch", "in");
add("volume", 1, 0, "l", "L", "liter", "litre", "Unit_Liter");
add("volume", 0.001, 0, "ml", "mL", "cm^3", "cc", "Unit_MilliLiter");
add("volume", 3.785411784, 0, "gal", "gallon");
add("angle", 1, 0, "degrees", "deg", "°", "Deg", "Unit_DegreOfArc");
add("angle", 180 / Math.PI, 0, "rad");
add("time", 1, 0, "s", "sec", "Unit_Secon");
add("time", 0.001, 0, "ms", "Unit_MilliSecon");
add("time", 60, 0, "min", "Unit_Minut");
add("time", 3600, 0, "h", "hr", "Unit_Hours");
add("power", 1, 0, "kW", "Unit_KiloWatt");
add("power", 0.001, 0, "W", "Unit_Watt");
add("power", 0.745699872, 0, "hp");
add("energy", 1, 0, "kWh", "Unit_KiloWattHour");
add("energy", 0.001, 0, "Wh", "Unit_WattHour");
add("torque", 1, 0, "Nm", "N.m", "NM", "N*m", "Unit_NewtoMeter");
add("massFlow", 1, 0, "g/s", "Unit_GramPerSecond");
add("massFlow", 1000 / 3600, 0, "kg/h", "Unit_KiloGramPerHour");
add("volumeFlow", 1, 0, "l/h", "L/h", "Unit_LiterPerHour");
add("acceleration", 1, 0, "m/s^2", "m/s2", "m/s²", "Unit_MeterPerSquarSecon");
add("acceleration", 9.80665, 0, "g");
add("angularSpeed", 1, 0, "degrees/s", "deg/s", "°/s", "Unit_DegreOfArcPerSecon");
add("angularSpeed", 180 / Math.PI, 0, "rad/s");
add("mass", 1, 0, "kg", "Unit_KiloGram");
add("mass", 0.45359237, 0, "lb", "lbs");
add("consumption", 1, 0, "l/100km", "L/100km");
add("charge", 1, 0, "Ah", "Unit_AmperHour");

export function isKnownUnit(unit: string): boolean {
  return table.has(unit.trim());
}

/** The dimension a unit measures (speed, temperature…), undefined if we do not know the unit. */
export function unitDimension(unit: string): string | undefined {
  return table.get(unit.trim())?.dimension;
}

/**
 * A converter from one unit to another: (value) => converted. Identity when the units are the
 * same text (including both empty). Throws UnitConversionError for unknown units or units of
 * different dimensions.
 */
export function unitConverter(from: string, to: string): (value: number) => number {
  const a = from.trim();
  const b = to.trim();
  if (a === b) return (v) => v;
  const fa = table.get(a);
  const fb = table.get(b);
  if (!fa || !fb) {
    const which = !fa ? a : b;
    throw new UnitConversionError(`Unknown unit ${JSON.stringify(which)}.`, {
      details: `Known units: ${[...table.keys()].filter((k) => !k.startsWith("Unit_")).join(", ")}.`,
    });
  }
  if (fa.dimension !== fb.dimension) {
    throw new UnitConversionError(
      `Cannot convert ${JSON.stringify(a)} (${fa.dimension}) to ${JSON.stringify(b)} (${fb.dimension}).`,
    );
  }
  // base = v·fa + oa; result = (base − ob) / fb
  const scale = fa.factor / fb.factor;
  const shift = (fa.offset - fb.offset) / fb.factor;
  if (shift === 0) return scale === 1 ? (v) => v : (v) => v * scale;
  return (v) => v * scale + shift;
}

export function convertUnit(value: number, from: string, to: string): number {
  return unitConverter(from, to)(value);
}
