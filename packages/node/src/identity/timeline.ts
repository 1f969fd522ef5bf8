import type { Address } from "viem";
import type { RowChange } from "../chain/journaledStore.ts";
import { decodeKey } from "../chain/table.ts";
import {
  type DeviceAddressRow,
  type DeviceBanRow,
  type DeviceRow,
  deviceAddresses,
  deviceBans,
  devices,
  type PairingRow,
  pairings,
} from "./schema.ts";
import type { DeviceDirectory, DeviceResolution } from "./types.ts";

/** A span of time in Unix ms, [from, to); `to` null while it lasts. */
interface Span {
  fromMs: number;
  toMs: number | null;
}

interface Binding extends Span {
  deviceId: bigint;
}

interface Pairing extends Span {
  vehicleId: bigint;
}

const ms = (seconds: bigint | null): number | null => (seconds === null ? null : Number(seconds) * 1000);
const covers = (span: Span, atMs: number): boolean =>
  span.fromMs <= atMs && (span.toMs === null || atMs < span.toMs);

/**
 * The in-memory view ingest asks for every message: which device a secure-element address
 * belonged to, and which vehicle that device was paired with, at a given time. A change made in
 * a block applies to messages timestamped at or after the block's time (block times are whole
 * seconds; a pairing made and undone in the same block never applies). Bans apply whatever the
 * message time.
 *
 * It is a view of four tables of the index, kept current by the row changes the indexer commits
 * (and undoes on a reorg), and loaded from the tables at start.
 */
export class DeviceTimeline implements DeviceDirectory {
  #manufacturerOf = new Map<bigint, bigint>();
  #bindingsByAddress = new Map<string, Map<string, Binding>>();
  #bindingAddress = new Map<string, string>();
  #pairings = new Map<bigint, Map<number, Pairing>>();
  #bans = new Set<bigint>();

  /** Applies committed row changes; rows of other tables are ignored. */
  apply(changes: Iterable<RowChange>): void {
    for (const change of changes) {
      switch (change.table) {
        case devices.name:
          this.#applyDevice(change);
          break;
        case deviceAddresses.name:
          this.#applyBinding(change);
          break;
        case pairings.name:
          this.#applyPairing(change);
          break;
        case deviceBans.name:
          this.#applyBan(change);
          break;
      }
    }
  }

  clear(): void {
    this.#manufacturerOf.clear();
    this.#bindingsByAddress.clear();
    this.#bindingAddress.clear();
    this.#pairings.clear();
    this.#bans.clear();
  }

  resolveDevice(deviceAddress: Address, atMs: number): DeviceResolution {
    const bindings = this.#bindingsByAddress.get(deviceAddress.toLowerCase());
    if (!bindings || !Number.isFinite(atMs)) return { status: "unknown" };
    let deviceId: bigint | undefined;
    for (const binding of bindings.values()) {
      if (covers(binding, atMs)) {
        deviceId = binding.deviceId;
        break;
      }
    }
    if (deviceId === undefined) return { status: "unknown" };
    const manufacturerId = this.#manufacturerOf.get(deviceId) ?? 0n;
    if (this.#bans.has(deviceId)) return { status: "banned", deviceId, manufacturerId };
    for (const pairing of this.#pairings.get(deviceId)?.values() ?? []) {
      if (covers(pairing, atMs)) {
        return { status: "paired", deviceId, manufacturerId, vehicleId: pairing.vehicleId };
      }
    }
    return { status: "unpaired", deviceId, manufacturerId };
  }

  #applyDevice(change: RowChange): void {
    const [tokenId] = decodeKey(devices, change.key) as [bigint];
    const row = change.row as DeviceRow | null;
    if (row) this.#manufacturerOf.set(tokenId, row.manufacturerId);
    else this.#manufacturerOf.delete(tokenId);
  }

  #applyBinding(change: RowChange): void {
    const previous = this.#bindingAddress.get(change.key);
    if (previous !== undefined) {
      const list = this.#bindingsByAddress.get(previous);
      list?.delete(change.key);
      if (list?.size === 0) this.#bindingsByAddress.delete(previous);
      this.#bindingAddress.delete(change.key);
    }
    const row = change.row as DeviceAddressRow | null;
    if (!row) return;
    const address = row.address.toLowerCase();
    let list = this.#bindingsByAddress.get(address);
    if (!list) {
      list = new Map();
      this.#bindingsByAddress.set(address, list);
    }
    list.set(change.key, { deviceId: row.deviceId, fromMs: ms(row.fromTime)!, toMs: ms(row.toTime) });
    this.#bindingAddress.set(change.key, address);
  }

  #applyPairing(change: RowChange): void {
    const [deviceId, seq] = decodeKey(pairings, change.key) as [bigint, number];
    const row = change.row as PairingRow | null;
    let list = this.#pairings.get(deviceId);
    if (!row) {
      list?.delete(seq);
      if (list?.size === 0) this.#pairings.delete(deviceId);
      return;
    }
    if (!list) {
      list = new Map();
      this.#pairings.set(deviceId, list);
    }
    list.set(seq, { vehicleId: row.vehicleId, fromMs: ms(row.pairedAt)!, toMs: ms(row.unpairedAt) });
  }

  #applyBan(change: RowChange): void {
    const [deviceId] = decodeKey(deviceBans, change.key) as [bigint];
    if (change.row as DeviceBanRow | null) this.#bans.add(deviceId);
    else this.#bans.delete(deviceId);
  }
}
