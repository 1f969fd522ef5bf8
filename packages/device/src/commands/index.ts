// Remote commands on the device (docs/commands.md): authenticate, run once, answer signed.

// The signed MQTT login is defined once, in @dimo-open/stream; re-exported for the command link's users.
export { deviceLoginCredentials } from "@dimo-open/stream";
export type { ActuatorOutcome, VehicleActuator } from "./actuator.ts";
export {
  CommandHandler,
  type CommandHandlerOptions,
  type HandleOutcome,
  type ResultPublisher,
} from "./handler.ts";
export { CommandJournal, type CommandOutcome, type JournalEntry } from "./journal.ts";
export { MqttCommandLink, type MqttCommandLinkOptions } from "./mqtt-link.ts";
export { SimulatedActuator, type SimulatedBody } from "./simulated-actuator.ts";
export {
  COMMAND_NAMES,
  COMMAND_REFUSALS,
  COMMAND_RESULT_EVENT,
  type CommandName,
  type CommandRefusal,
  CommandRefusedError,
  commandTopic,
  type SignedVehicleCommand,
  VEHICLE_COMMAND_TYPES,
  type VehicleCommand,
  vehicleCommandDomain,
  verifyVehicleCommand,
} from "./wire.ts";
