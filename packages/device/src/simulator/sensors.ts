/** The simulated vehicle's battery voltage and GNSS position, as the device's sensors see them. */
import type { PositionSource, VoltageSensor } from "../sensors/sensors.ts";
import type { SimulatedVehicle } from "./vehicle.ts";

export function simulatedVoltage(vehicle: SimulatedVehicle): VoltageSensor {
  return { read: async () => Math.round(vehicle.truth.batteryVolts * 100) / 100 };
}

export function simulatedPosition(vehicle: SimulatedVehicle): PositionSource {
  return {
    read: async () => {
      const t = vehicle.truth;
      if (vehicle.silent()) return undefined;
      return {
        latitude: t.latitude,
        longitude: t.longitude,
        headingDeg: t.headingDeg,
        hdop: 0.9,
        timestamp: t.time,
      };
    },
  };
}
