/**
 * Remote commands (docs/commands.md): apps holding privilege 2 (ExecuteCommands) lock and unlock
 * doors, open the trunk or frunk, start and stop charging; the node signs each command for the
 * vehicle's paired device, delivers it over MQTT, and learns the outcome from the device's
 * signed result event.
 */
export { CommandError } from "./errors.ts";
export { type CommandsHandlerOptions, commandJson, createCommandsHandler } from "./routes.ts";
export { CommandService, type CommandServiceOptions, EXECUTE_COMMANDS } from "./service.ts";
export { type CommandRecord, type CommandStatus, CommandStore } from "./store.ts";
export { aedesCommandTransport, type CommandTransport } from "./transport.ts";
export {
  COMMAND_NAMES,
  COMMAND_RESULT_EVENT,
  type CommandName,
  type CommandResult,
  commandTopic,
  deviceOfCommandTopic,
  parseCommandResult,
  recoverCommandSigner,
  type SignedVehicleCommand,
  signVehicleCommand,
  VEHICLE_COMMAND_TYPES,
  type VehicleCommand,
  vehicleCommandDomain,
} from "./wire.ts";
