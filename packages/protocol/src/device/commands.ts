/**
 * Remote commands on the wire (docs/commands.md), defined once for the node that signs and the
 * device that obeys.
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
 * signals the command changed.
 */
import { type Address, getAddress, type Hex, recoverTypedDataAddress } from "viem";

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

/** The vehicle event a device answers a command with. */
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

export type VehicleCommand = {
  /** 1–64 letters, digits or '-' (a UUID); devices execute an id at most once. */
  id: string;
  name: CommandName;
  /** The paired device's address. */
  device: Address;
  /** The vehicle's DID. */
  vehicle: string;
  /** Unix ms. */
  issuedAt: number;
  /** Unix ms: a device does not execute the command after this. */
  expiresAt: number;
};

export type SignedVehicleCommand = {
  command: VehicleCommand;
  signature: Hex;
};

/** What a `commandResult` event's metadata says. */
export type CommandResult = {
  commandId: string;
  command?: string;
  status: "executed" | "failed";
  reason?: string;
};

/** The MQTT topic a device receives its commands on. */
export function commandTopic(device: Address): string {
  return `devices/${device.toLowerCase()}/commands`;
}

/** The device address of a command topic, or undefined. */
export function deviceOfCommandTopic(topic: string): Address | undefined {
  const m = /^devices\/(0x[0-9a-fA-F]{40})\/commands$/.exec(topic);
  return m ? getAddress(m[1]!) : undefined;
}

/** The typed data the node signs for a command. */
export function vehicleCommandTypedData(command: VehicleCommand, chainId: number) {
  return {
    domain: vehicleCommandDomain(chainId),
    types: VEHICLE_COMMAND_TYPES,
    primaryType: "VehicleCommand" as const,
    message: {
      ...command,
      device: getAddress(command.device),
      issuedAt: BigInt(command.issuedAt),
      expiresAt: BigInt(command.expiresAt),
    },
  };
}

/** The node signs a command with its command key. */
export async function signVehicleCommand(
  signer: { signTypedData(args: ReturnType<typeof vehicleCommandTypedData>): Promise<Hex> },
  command: VehicleCommand,
  chainId: number,
): Promise<SignedVehicleCommand> {
  return { command, signature: await signer.signTypedData(vehicleCommandTypedData(command, chainId)) };
}

/** The address that signed a command (throws when the signature does not recover). */
export function recoverVehicleCommandSigner(signed: SignedVehicleCommand, chainId: number): Promise<Address> {
  return recoverTypedDataAddress({
    ...vehicleCommandTypedData(signed.command, chainId),
    signature: signed.signature,
  });
}
