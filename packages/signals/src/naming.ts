import { InvalidVssPathError } from "./errors.ts";

const SEGMENT = /^[A-Za-z0-9]+$/;

/**
 * DIMO's signal naming rule (model-garage `VSSToJSONName`): drop the root `Vehicle.`, join the
 * remaining segments, and lowercase the first letter together with any uppercase letters that
 * directly follow it, so acronyms stay readable:
 * `Vehicle.Powertrain.TractionBattery.StateOfCharge.Current` → `powertrainTractionBatteryStateOfChargeCurrent`,
 * `Vehicle.OBD.BarometricPressure` → `obdBarometricPressure`.
 */
export function signalNameFromVssPath(vssPath: string): string {
  const segments = vssPath.split(".");
  if (segments.length < 2 || segments[0] !== "Vehicle" || !segments.every((s) => SEGMENT.test(s))) {
    throw new InvalidVssPathError(vssPath);
  }
  const [first = "", ...rest] = segments.slice(1);
  const leadingUpper = /^[A-Z]*/.exec(first.slice(1))?.[0].length ?? 0;
  const head = first.slice(0, 1 + leadingUpper).toLowerCase() + first.slice(1 + leadingUpper);
  return head + rest.join("");
}
