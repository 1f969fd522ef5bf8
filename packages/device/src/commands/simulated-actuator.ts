/**
 * The simulator's actuator: locks, trunk, frunk and charging of a simulated car, kept beside the
 * SimulatedVehicle (which it reads for speed) — what a body controller would do, refusing what a
 * real car refuses (opening a trunk while driving, charging without a charge port or a cable).
 */
import type { SimulatedVehicle } from "../simulator/vehicle.ts";
import type { ActuatorOutcome, VehicleActuator } from "./actuator.ts";
import type { CommandName } from "./wire.ts";

export interface SimulatedBody {
  locked: boolean;
  trunkOpen: boolean;
  frunkOpen: boolean;
  charging: boolean;
  /** A charging cable is plugged in. */
  pluggedIn: boolean;
}

export class SimulatedActuator implements VehicleActuator {
  readonly body: SimulatedBody;
  /** How many times each command ran (what a test counts). */
  readonly executed = new Map<CommandName, number>();

  constructor(
    private readonly vehicle: SimulatedVehicle,
    private readonly o: { chargePort?: boolean; body?: Partial<SimulatedBody> } = {},
  ) {
    this.body = {
      locked: false,
      trunkOpen: false,
      frunkOpen: false,
      charging: false,
      pluggedIn: false,
      ...o.body,
    };
  }

  async execute(command: CommandName): Promise<ActuatorOutcome> {
    const b = this.body;
    const moving = this.vehicle.truth.speedKmh > 1;
    const refuse = (
      reason: Extract<ActuatorOutcome, { ok: false }>["reason"],
      message: string,
    ): ActuatorOutcome => ({
      ok: false,
      reason,
      message,
    });
    switch (command) {
      case "doors/lock":
        b.locked = true;
        break;
      case "doors/unlock":
        b.locked = false;
        break;
      case "trunk/open":
      case "frunk/open":
        if (moving)
          return refuse(
            "vehicle_moving",
            `The car is moving at ${this.vehicle.truth.speedKmh.toFixed(0)} km/h.`,
          );
        if (command === "trunk/open") b.trunkOpen = true;
        else b.frunkOpen = true;
        break;
      case "charge/start":
      case "charge/stop":
        if (!this.o.chargePort)
          return refuse("unsupported", `A ${this.vehicle.model.key} has no charge port.`);
        if (command === "charge/start" && !b.pluggedIn)
          return refuse("not_plugged_in", "No charging cable is plugged in.");
        b.charging = command === "charge/start";
        break;
    }
    this.executed.set(command, (this.executed.get(command) ?? 0) + 1);
    return { ok: true, signals: this.signals() };
  }

  /** The body's state as catalogue signals (booleans as 1/0). */
  signals(): { name: string; value: number }[] {
    const b = this.body;
    return [
      { name: "bodyLockIsLocked", value: b.locked ? 1 : 0 },
      { name: "bodyTrunkRearIsOpen", value: b.trunkOpen ? 1 : 0 },
      { name: "bodyTrunkFrontIsOpen", value: b.frunkOpen ? 1 : 0 },
      ...(this.o.chargePort
        ? [{ name: "powertrainTractionBatteryChargingIsCharging", value: b.charging ? 1 : 0 }]
        : []),
    ];
  }
}
