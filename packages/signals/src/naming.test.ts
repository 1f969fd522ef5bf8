import { describe, expect, it } from "vitest";
import { SIGNALS } from "./catalogue.ts";
import { InvalidVssPathError } from "./errors.ts";
import { signalNameFromVssPath } from "./naming.ts";

describe("signalNameFromVssPath", () => {
  it.each([
    // dimo-api.md
    [
      "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
      "powertrainTractionBatteryStateOfChargeCurrent",
    ],
    ["Vehicle.CurrentLocation.Coordinates", "currentLocationCoordinates"],
    // names DIMO's telemetry API serves: a leading acronym is lowercased whole
    ["Vehicle.OBD.BarometricPressure", "obdBarometricPressure"],
    ["Vehicle.OBD.DTCList", "obdDTCList"],
    ["Vehicle.OBD.O2WR.Sensor1.Voltage", "obdO2WRSensor1Voltage"],
    ["Vehicle.DIMO.Aftermarket.HDOP", "dimoAftermarketHDOP"],
    ["Vehicle.Powertrain.CombustionEngine.MAF", "powertrainCombustionEngineMAF"],
    ["Vehicle.Speed", "speed"],
    ["Vehicle.IsIgnitionOn", "isIgnitionOn"],
  ])("%s → %s", (path, name) => {
    expect(signalNameFromVssPath(path)).toBe(name);
  });

  it("gives every catalogue signal its name", () => {
    for (const s of SIGNALS) expect(signalNameFromVssPath(s.vssPath)).toBe(s.name);
  });

  it.each(["Speed", "Vehicle", "Vehicle.", "Vehicle..Speed", "Vehicle.Speed-Max", "Types.DIMO.Coordinates"])(
    "rejects %j",
    (path) => {
      expect(() => signalNameFromVssPath(path)).toThrow(InvalidVssPathError);
    },
  );
});
