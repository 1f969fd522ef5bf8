import { describe, expect, it } from "vitest";
import type { RowChange } from "../chain/journaledStore.ts";
import { encodeKey, keyValues, type Row, type Table } from "../chain/table.ts";
import {
  type DeviceAddressRow,
  type DeviceRow,
  deviceAddresses,
  deviceBans,
  devices,
  type PairingRow,
  pairings,
} from "./schema.ts";
import { DeviceTimeline } from "./timeline.ts";

const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";

const change = <R extends Row>(table: Table<R>, row: R, deleted = false): RowChange => ({
  table: table.name,
  key: encodeKey(keyValues(table, row)),
  row: deleted ? null : row,
});

const device = (tokenId: bigint, address: string): DeviceRow => ({
  tokenId,
  manufacturerId: 7n,
  address,
  owner: A,
  serial: "",
  claimed: true,
  installedAt: null,
  vehicleId: null,
  mintedAt: 100n,
  mintedBlock: 1n,
  addressSeq: 1,
  pairingSeq: 0,
});
const binding = (
  deviceId: bigint,
  seq: number,
  address: string,
  from: bigint,
  to: bigint | null,
): DeviceAddressRow => ({
  deviceId,
  seq,
  address,
  fromTime: from,
  fromBlock: 1n,
  toTime: to,
  toBlock: null,
});
const pairing = (
  deviceId: bigint,
  seq: number,
  vehicleId: bigint,
  from: bigint,
  to: bigint | null,
): PairingRow => ({
  deviceId,
  seq,
  vehicleId,
  pairedAt: from,
  pairedBlock: 1n,
  unpairedAt: to,
  unpairedBlock: null,
});

describe("DeviceTimeline", () => {
  it("answers per message time over [from, to) spans of bindings and pairings", () => {
    const t = new DeviceTimeline();
    t.apply([
      change(devices, device(1n, A)),
      change(deviceAddresses, binding(1n, 1, A, 100n, null)),
      change(pairings, pairing(1n, 1, 5n, 200n, 300n)),
      change(pairings, pairing(1n, 2, 6n, 300n, null)),
      // Paired and unpaired in one block: never in force.
      change(pairings, pairing(1n, 3, 9n, 400n, 400n)),
    ]);
    const at = (s: number) => t.resolveDevice(A, s * 1000);
    expect(at(99)).toEqual({ status: "unknown" });
    expect(at(100)).toEqual({ status: "unpaired", deviceId: 1n, manufacturerId: 7n });
    expect(t.resolveDevice(A, 200_000 - 1)).toMatchObject({ status: "unpaired" });
    expect(at(200)).toEqual({ status: "paired", deviceId: 1n, manufacturerId: 7n, vehicleId: 5n });
    expect(t.resolveDevice(A, 300_000 - 1)).toMatchObject({ vehicleId: 5n });
    expect(at(300)).toMatchObject({ vehicleId: 6n });
    expect(at(400)).toMatchObject({ vehicleId: 6n });
    expect(t.resolveDevice(A.toUpperCase().replace("0X", "0x") as `0x${string}`, 250_000)).toMatchObject({
      vehicleId: 5n,
    });
    expect(t.resolveDevice(B, 250_000)).toEqual({ status: "unknown" });
    expect(t.resolveDevice(A, Number.POSITIVE_INFINITY)).toEqual({ status: "unknown" });
  });

  it("follows rebinding: an address speaks for a device only while bound to it", () => {
    const t = new DeviceTimeline();
    t.apply([
      change(devices, device(1n, B)),
      change(deviceAddresses, binding(1n, 1, A, 100n, 500n)),
      change(deviceAddresses, binding(1n, 2, B, 500n, null)),
      // Later, the freed address is bound to another device.
      change(devices, device(2n, A)),
      change(deviceAddresses, binding(2n, 1, A, 800n, null)),
    ]);
    expect(t.resolveDevice(A, 499_000)).toMatchObject({ deviceId: 1n });
    expect(t.resolveDevice(A, 500_000)).toEqual({ status: "unknown" });
    expect(t.resolveDevice(B, 500_000)).toMatchObject({ deviceId: 1n });
    expect(t.resolveDevice(A, 800_000)).toMatchObject({ deviceId: 2n });
  });

  it("applies updates and deletions of rows (a reorg's undo), and bans regardless of time", () => {
    const t = new DeviceTimeline();
    const open = pairing(1n, 1, 5n, 200n, null);
    t.apply([
      change(devices, device(1n, A)),
      change(deviceAddresses, binding(1n, 1, A, 100n, null)),
      change(pairings, open),
    ]);
    expect(t.resolveDevice(A, 900_000)).toMatchObject({ status: "paired" });
    t.apply([change(pairings, { ...open, unpairedAt: 600n })]);
    expect(t.resolveDevice(A, 900_000)).toMatchObject({ status: "unpaired" });
    t.apply([change(pairings, open, true)]);
    expect(t.resolveDevice(A, 300_000)).toMatchObject({ status: "unpaired" });

    const ban = { deviceId: 1n, source: B, reason: "", bannedAt: 1000n, bannedBlock: 9n };
    t.apply([change(deviceBans, ban)]);
    expect(t.resolveDevice(A, 100_000)).toEqual({ status: "banned", deviceId: 1n, manufacturerId: 7n });
    t.apply([change(deviceBans, ban, true)]);
    expect(t.resolveDevice(A, 100_000)).toMatchObject({ status: "unpaired" });

    t.apply([change(deviceAddresses, binding(1n, 1, A, 100n, null), true)]);
    expect(t.resolveDevice(A, 100_000)).toEqual({ status: "unknown" });
    t.clear();
    expect(t.resolveDevice(A, 100_000)).toEqual({ status: "unknown" });
  });
});
