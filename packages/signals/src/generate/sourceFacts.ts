/**
 * Facts about device fields that the definitions YAML does not carry, each checked by hand
 * against DIMO's own converters (model-garage pkg/autopi and pkg/ruptela convert funcs) or the
 * device documentation. Short on purpose: anything not listed here is derived mechanically
 * from the YAML and oids.csv, and anything that cannot be derived is marked unsupported.
 */

/**
 * AutoPi sends values already in the VSS unit of their target, except these fields
 * (model-garage multiplies them: fractions ×100, kW ×1000).
 */
export const AUTOPI_SOURCE_UNITS: Readonly<Record<string, string>> = {
  oil: "ratio", // 0..1 → EngineOilRelativeLevel percent
  fuelPercentRemaining: "ratio", // 0..1 → RelativeLevel percent (dataschema v1)
  chargeLimit: "ratio", // 0..1 → ChargeLimit percent
  "charger.power": "kW", // → TractionBattery.CurrentPower W
};

/** Ruptela position fields (not in oids.csv): plain JSON numbers with these scales and sentinels. */
export const RUPTELA_POSITION_FIELDS: Readonly<
  Record<string, { factor: number; unit: string; notAvailable?: number[] }>
> = {
  "pos.alt": { factor: 0.1, unit: "m", notAvailable: [0x8000] }, // decimetres
  "pos.dir": { factor: 0.01, unit: "degrees" }, // hundredths of a degree
  "pos.spd": { factor: 1, unit: "km/h", notAvailable: [0xffff] },
};

/** oids.csv rows whose unit cell is empty although the quantity has a unit. */
export const RUPTELA_UNIT_OVERRIDES: Readonly<Record<number, string>> = {
  107: "s", // OBD PID 0x1F, run time since engine start, is in seconds
};

/**
 * Boolean targets fed by Ruptela I/O values whose meaning the generic rule (declared raw range
 * exactly 0..1) cannot settle.
 */
export const RUPTELA_BOOLEAN_REVIEW: Readonly<
  Record<number, { verdict: "zeroOne" | "unsupported"; note: string }>
> = {
  517: { verdict: "zeroOne", note: "1 = charging, 0 = not charging; 255 and other values are unknown" },
  538: { verdict: "zeroOne", note: "1 = locked, 0 = unlocked; 255 = not available" },
  985: {
    verdict: "unsupported",
    note: "1 means the device is unplugged, so IsPluggedIn is its negation; the definitions cannot express an inversion",
  },
  405: {
    verdict: "unsupported",
    note: "digital output 1 (0 = active); whether an active output blocks the engine depends on the installation",
  },
};
