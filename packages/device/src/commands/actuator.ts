/**
 * What executes a command in the car: the port between the command handler and the vehicle
 * (a body controller over CAN in a product, the simulator here). It answers with the signals
 * that changed, so the device reports the new state with its result.
 */
import type { CommandName } from "./wire.ts";

export type ActuatorOutcome =
  | { ok: true; signals: { name: string; value: number }[] }
  | {
      ok: false;
      reason: "unsupported" | "vehicle_moving" | "not_plugged_in" | "actuator_error";
      message: string;
    };

export interface VehicleActuator {
  execute(command: CommandName): Promise<ActuatorOutcome>;
}
