import type { Address } from "viem";

/**
 * The node's view of on-chain identity, built only from contract events (so it can be rebuilt
 * from the logs at any time). Ingest asks it, per message, which vehicle a device spoke for at
 * the message's time; the APIs ask it about vehicles, devices, grants and licences.
 *
 * Lookups on the ingest path are synchronous and in memory: they run for every message.
 */
export type DeviceResolution =
  | { status: "unknown" }
  | { status: "banned"; deviceId: bigint; manufacturerId: bigint }
  | { status: "unpaired"; deviceId: bigint; manufacturerId: bigint }
  | { status: "paired"; deviceId: bigint; manufacturerId: bigint; vehicleId: bigint };

export interface DeviceDirectory {
  /**
   * Which vehicle the device at `deviceAddress` (its secure-element address) was paired with at
   * `atMs` (Unix ms): pairing changes take effect for messages timestamped after the block that
   * made them. Bans apply from the moment they are indexed, whatever the message time.
   */
  resolveDevice(deviceAddress: Address, atMs: number): DeviceResolution;
}
