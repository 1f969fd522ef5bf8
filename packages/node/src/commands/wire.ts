/**
 * Remote commands on the wire (docs/commands.md).
 *
 * Node → device, MQTT QoS 1 on `devices/<address>/commands`:
 *   {"command": {id, name, device, vehicle, issuedAt, expiresAt}, "signature": "0x…"}
 * signed by the node's command key as EIP-712 — domain `{name: "DIMO Vehicle Command",
 * version: "1", chainId}`, type `VehicleCommand(string id,string name,address device,
 * string vehicle,uint64 issuedAt,uint64 expiresAt)` — so a device executes only what its node
 * signed, for itself, before the deadline.
 *
 * Device → node: a `dimo.events` CloudEvent with the device's own signature, carrying the event
 * `commandResult` (metadata: {commandId, command, status: "executed"|"failed", reason?}) and the
 * signals the command changed. It goes through ingest like any event: verified, tied to the
 * paired vehicle, archived.
 */
import type { CommandResult } from "@dimo-open/protocol";
import { z } from "zod";
import { CommandError } from "./errors.ts";

// The wire format is @dimo-open/protocol's (device/commands.ts), shared with the devices that obey.
export {
  COMMAND_NAMES,
  COMMAND_RESULT_EVENT,
  type CommandName,
  type CommandResult,
  commandTopic,
  deviceOfCommandTopic,
  recoverVehicleCommandSigner as recoverCommandSigner,
  type SignedVehicleCommand,
  signVehicleCommand,
  VEHICLE_COMMAND_TYPES,
  type VehicleCommand,
  vehicleCommandDomain,
} from "@dimo-open/protocol";

const CommandResultSchema: z.ZodType<CommandResult> = z.object({
  commandId: z.string().min(1).max(64),
  command: z.string().max(32).optional(),
  status: z.enum(["executed", "failed"]),
  reason: z.string().max(64).optional(),
});

/** Reads a `commandResult` event's metadata; throws CommandError when it is not one. */
export function parseCommandResult(metadata: string | null | undefined): CommandResult {
  let value: unknown;
  try {
    value = JSON.parse(metadata ?? "");
  } catch {
    throw new CommandError(422, "invalid_result", "A commandResult event's metadata is not JSON.");
  }
  const parsed = CommandResultSchema.safeParse(value);
  if (!parsed.success) {
    throw new CommandError(
      422,
      "invalid_result",
      "A commandResult event's metadata has an unexpected shape.",
      {
        details: parsed.error.issues[0]?.message,
      },
    );
  }
  return parsed.data;
}
