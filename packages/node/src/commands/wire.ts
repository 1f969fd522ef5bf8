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
import { type Address, getAddress, type Hex, type LocalAccount, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { CommandError } from "./errors.ts";

/** DIMO's command paths (devices-api, tesla-oracle): POST /v1/vehicle/{tokenId}/commands/<name>. */
export const COMMAND_NAMES = [
  "doors/lock",
  "doors/unlock",
  "trunk/open",
  "frunk/open",
  "charge/start",
  "charge/stop",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const COMMAND_RESULT_EVENT = "commandResult";

export const VEHICLE_COMMAND_TYPES = {
  VehicleCommand: [
    { name: "id", type: "string" },
    { name: "name", type: "string" },
    { name: "device", type: "address" },
    { name: "vehicle", type: "string" },
    { name: "issuedAt", type: "uint64" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

export function vehicleCommandDomain(chainId: number) {
  return { name: "DIMO Vehicle Command", version: "1", chainId } as const;
}

export interface VehicleCommand {
  /** UUID; devices execute an id at most once. */
  id: string;
  name: CommandName;
  /** The paired device's address (EIP-55). */
  device: Address;
  /** The vehicle's DID. */
  vehicle: string;
  /** Unix ms. */
  issuedAt: number;
  /** Unix ms: a device does not execute the command after this. */
  expiresAt: number;
}

export interface SignedVehicleCommand {
  command: VehicleCommand;
  signature: Hex;
}

/** MQTT topic a device receives its commands on. */
export function commandTopic(device: Address): string {
  return `devices/${device.toLowerCase()}/commands`;
}

/** The device address of a command topic, or undefined. */
export function deviceOfCommandTopic(topic: string): Address | undefined {
  const m = /^devices\/(0x[0-9a-fA-F]{40})\/commands$/.exec(topic);
  return m ? getAddress(m[1]!) : undefined;
}

function typed(command: VehicleCommand, chainId: number) {
  return {
    domain: vehicleCommandDomain(chainId),
    types: VEHICLE_COMMAND_TYPES,
    primaryType: "VehicleCommand" as const,
    message: { ...command, issuedAt: BigInt(command.issuedAt), expiresAt: BigInt(command.expiresAt) },
  };
}

export async function signVehicleCommand(
  signer: LocalAccount,
  command: VehicleCommand,
  chainId: number,
): Promise<SignedVehicleCommand> {
  return { command, signature: await signer.signTypedData(typed(command, chainId)) };
}

/** The address that signed a command (for tests and tools; devices carry their own check). */
export function recoverCommandSigner(signed: SignedVehicleCommand, chainId: number): Promise<Address> {
  return recoverTypedDataAddress({ ...typed(signed.command, chainId), signature: signed.signature });
}

const CommandResultSchema = z.object({
  commandId: z.string().min(1).max(64),
  command: z.string().max(32).optional(),
  status: z.enum(["executed", "failed"]),
  reason: z.string().max(64).optional(),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

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
