/**
 * The catalogue's data model. The catalogue itself is data (catalogue.gen.ts), generated from
 * DIMO's VSS-based definitions; these types are what every layer reads.
 */

/** DIMO vehicle privilege ids (shared/reference/dimo-api.md): 1 GetNonLocationHistory … 8 GetApproximateLocation. */
export type PrivilegeId = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** How DIMO's GraphQL exposes a signal: numbers and booleans are floats (booleans 0/1), the rest strings. */
export type SignalDataType = "float" | "string" | "location";

/** The value of a `location` signal (VSS `Types.DIMO.Coordinates`): WGS 84 degrees, HDOP when measured. */
export interface Coordinates {
  latitude: number;
  longitude: number;
  hdop?: number;
}

export type SignalValue = number | string | Coordinates;

export interface SignalDefinition {
  /** lowerCamelCase GraphQL name, e.g. `powertrainTractionBatteryStateOfChargeCurrent`. */
  name: string;
  /** VSS path, e.g. `Vehicle.Powertrain.TractionBattery.StateOfCharge.Current`. */
  vssPath: string;
  dataType: SignalDataType;
  /** The VSS data type behind `dataType` (`boolean`, `uint8`, `string[]`, `Types.DIMO.Coordinates`…). */
  vssDataType: string;
  /** VSS unit string (`km/h`, `celsius`, `percent`…); absent for unitless signals. */
  unit?: string;
  description: string;
  min?: number;
  max?: number;
  /** Allowed values of an enumerated string signal. */
  allowed?: readonly string[];
  /** Reading the signal needs ANY ONE of these privileges. */
  anyOfPrivileges: readonly PrivilegeId[];
  /** True when the signal reveals where the vehicle is (guarded by a location privilege). */
  isLocation: boolean;
  /** Set when the node computes the signal from another one instead of receiving it. */
  derivedFrom?: string;
}

export interface EventDefinition {
  /** Dotted event name, e.g. `behavior.harshBraking`. */
  name: string;
  description: string;
}

export type SourceName = "autopi" | "ruptela";

/**
 * How a device's field value becomes a catalogue value. Every numeric form is linear:
 * `value * factor + offset`, expressed in `unit`, then converted to the signal's VSS unit.
 */
export type SourceConversion =
  /** A JSON number. */
  | { form: "number"; factor: number; offset: number; unit?: string; notAvailable?: readonly number[] }
  /** A JSON boolean (or 0/1) to a 0/1 float. */
  | { form: "boolean" }
  /** A JSON number that is one part of `currentLocationCoordinates`. */
  | { form: "coordinate"; part: keyof Coordinates }
  /** Ruptela I/O value: an unsigned/signed integer sent as hex text, decoded per Ruptela's oids.csv row. */
  | {
      form: "ruptelaHex";
      oid: number;
      bytes: number;
      signed: boolean;
      factor: number;
      offset: number;
      unit?: string;
      /** Raw range the device declares; raw values outside it mean "not available". */
      rawMin?: number;
      rawMax?: number;
      /** Raw values (inclusive ranges) that mean "not available" / error. */
      notAvailable: readonly (readonly [number, number])[];
    }
  /** The definitions name this mapping but do not describe a conversion that can be applied safely. */
  | { form: "unsupported"; reason: string };

export interface SourceMapping {
  source: SourceName;
  /** The device's field name (`originalName` in the definitions), e.g. `vehicleSpeed`, `signals.95`. */
  field: string;
  /** Target VSS path as the definitions give it. */
  vssPath: string;
  /** Target catalogue signal; absent when the target is not a catalogue signal. */
  signal?: string;
  conversion: SourceConversion;
}

export interface CatalogueData {
  /** Where the data comes from (repository @ commit). */
  source: string;
  signals: readonly SignalDefinition[];
  events: readonly EventDefinition[];
  mappings: readonly SourceMapping[];
}
