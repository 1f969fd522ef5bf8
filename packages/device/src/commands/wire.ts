/**
 * Remote commands as the device receives them (docs/commands.md): on `devices/<address>/commands`,
 * `{"command": {id, name, device, vehicle, issuedAt, expiresAt}, "signature": "0x…"}`, signed by
 * the node's command key as EIP-712 — domain `{name: "DIMO Vehicle Command", version: "1",
 * chainId}`, type `VehicleCommand(string id,string name,address device,string vehicle,
 * uint64 issuedAt,uint64 expiresAt)`. The device pins the node keys it obeys, as it pins the
 * maker's firmware keys.
 */
import {
  COMMAND_NAMES,
  recoverVehicleCommandSigner,
  type SignedVehicleCommand,
  type VehicleCommand,
} from "@dimo-open/protocol";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { z } from "zod";
import { DeviceError } from "../errors.ts";

// The wire format is @dimo-open/protocol's (device/commands.ts), shared with the node that signs.
export {
  COMMAND_NAMES,
  COMMAND_RESULT_EVENT,
  type CommandName,
  commandTopic,
  type SignedVehicleCommand,
  VEHICLE_COMMAND_TYPES,
  type VehicleCommand,
  vehicleCommandDomain,
} from "@dimo-open/protocol";

/** What the device accepts of a command before it checks the signature. */
const CommandSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "1–64 letters, digits or '-'"),
  name: z.enum(COMMAND_NAMES),
  device: z.string().refine((s) => isAddress(s, { strict: false }), "an address"),
  vehicle: z.string().min(1).max(256),
  issuedAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
});

export const COMMAND_REFUSALS = [
  /** Not JSON, or not a command's shape. */
  "malformed",
  /** Not signed by a node key this device obeys (or a changed command). */
  "bad_signature",
  /** For another device. */
  "wrong_device",
  /** Past its deadline by this device's clock. */
  "expired",
] as const;
export type CommandRefusal = (typeof COMMAND_REFUSALS)[number];

/** A command the device will not run, and why. */
export class CommandRefusedError extends DeviceError {
  override name = "CommandRefusedError";
  constructor(
    readonly reason: CommandRefusal,
    shortMessage: string,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
  }
}

/** Parses and authenticates a command message; throws CommandRefusedError (`expired` last, after the signature). */
export async function verifyVehicleCommand(
  bytes: Uint8Array,
  p: { trustedNodes: readonly Address[]; chainId: number; device: Address; now: number },
): Promise<SignedVehicleCommand> {
  if (bytes.length > 4096)
    throw new CommandRefusedError("malformed", `A command of ${bytes.length} bytes is too large.`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new CommandRefusedError("malformed", "The command is not JSON.", { cause: error });
  }
  const signed = value as { command?: unknown; signature?: unknown };
  const parsed = CommandSchema.safeParse(signed?.command);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CommandRefusedError(
      "malformed",
      `Command ${issue.path.join(".") || "(root)"}: ${issue.message}.`,
    );
  }
  if (typeof signed.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signed.signature)) {
    throw new CommandRefusedError("bad_signature", "The command carries no 65-byte signature.");
  }
  const command = { ...parsed.data, device: getAddress(parsed.data.device) } as VehicleCommand;
  let signer: Address;
  try {
    signer = await recoverVehicleCommandSigner({ command, signature: signed.signature as Hex }, p.chainId);
  } catch (error) {
    throw new CommandRefusedError("bad_signature", "The command's signature does not recover.", {
      cause: error,
    });
  }
  if (!p.trustedNodes.map((a) => getAddress(a)).includes(signer)) {
    throw new CommandRefusedError(
      "bad_signature",
      `The command is signed by ${signer}, not by this device's node.`,
    );
  }
  if (command.device !== getAddress(p.device)) {
    throw new CommandRefusedError(
      "wrong_device",
      `The command is for ${command.device}, not for this device.`,
    );
  }
  const result: SignedVehicleCommand = { command, signature: signed.signature as Hex };
  if (p.now > command.expiresAt) {
    // Authentic but late: the node gets a signed "expired" answer rather than silence.
    throw Object.assign(
      new CommandRefusedError(
        "expired",
        `Command ${command.id} expired at ${new Date(command.expiresAt).toISOString()}.`,
      ),
      { signed: result },
    );
  }
  return result;
}
