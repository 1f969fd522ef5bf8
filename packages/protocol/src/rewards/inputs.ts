import { type Address, type Hex, isAddress } from "viem";
import { keccakBytes } from "./keccak.ts";
import type { StreakLevel } from "./schedule.ts";

export const REWARDS_INPUTS_FORMAT = "dimo-rewards-inputs/1";

/** One vehicle's line of a week's published inputs. */
export interface RewardsInputEntry {
  vehicleId: bigint;
  /** keccak256 of the VIN the vehicle reported that week (upper-case), or null when none. */
  vinHash: Hex | null;
  /** The device whose data made the vehicle active (0n when none). */
  deviceId: bigint;
  /** Connection class of that device (its manufacturer's class in DimoRewards). */
  deviceClass: number;
  /** The vehicle sent non-constant signals that week from a paired, unbanned device. */
  active: boolean;
  /** Set when another (lower) vehicle id reported the same VIN that week: it earns, this one does not. */
  duplicateOf: bigint | null;
  /** Streak after this week. */
  connectionStreak: number;
  disconnectionStreak: number;
  level: StreakLevel;
  points: number;
  /** Paid account: the device's beneficiary, or the vehicle's owner, at the snapshot block. */
  beneficiary: Address;
  amount: bigint;
}

/**
 * Everything a week's allocations were computed from, published as a file whose keccak256 is on
 * chain beside the root. `verifyRewardsWeek` recomputes the root from it.
 */
export interface RewardsInputs {
  format: typeof REWARDS_INPUTS_FORMAT;
  chainId: number;
  rewards: Address;
  week: number;
  /** Unix seconds, [weekStart, weekEnd). */
  weekStart: number;
  weekEnd: number;
  /** Chain state (owners, classes, points per class) was read at this block. */
  snapshotBlock: bigint;
  issuance: bigint;
  /** Connection points per class in force at the snapshot. */
  connectionPoints: Record<number, number>;
  /** keccak256 of the previous week's inputs file (null for the first week computed). */
  previousInputsHash: Hex | null;
  totalPoints: bigint;
  total: bigint;
  root: Hex;
  vehicles: RewardsInputEntry[];
}

/** A rewards inputs file that is not well formed: which field, which value, and what is expected. */
export class RewardsInputsError extends Error {
  override name = "RewardsInputsError";
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Rewards inputs: ${path} is ${JSON.stringify(String(value)).slice(0, 80)}; expected ${expected}.`);
  }
}

/** Canonical bytes of an inputs file: fixed key order, integers as decimal strings. */
export function encodeRewardsInputs(inputs: RewardsInputs): Uint8Array {
  const doc = {
    format: inputs.format,
    chainId: inputs.chainId,
    rewards: inputs.rewards,
    week: inputs.week,
    weekStart: inputs.weekStart,
    weekEnd: inputs.weekEnd,
    snapshotBlock: inputs.snapshotBlock.toString(),
    issuance: inputs.issuance.toString(),
    connectionPoints: Object.fromEntries(
      Object.entries(inputs.connectionPoints).sort(([a], [b]) => Number(a) - Number(b)),
    ),
    previousInputsHash: inputs.previousInputsHash,
    totalPoints: inputs.totalPoints.toString(),
    total: inputs.total.toString(),
    root: inputs.root,
    vehicles: inputs.vehicles.map((v) => ({
      vehicleId: v.vehicleId.toString(),
      vinHash: v.vinHash,
      deviceId: v.deviceId.toString(),
      deviceClass: v.deviceClass,
      active: v.active,
      duplicateOf: v.duplicateOf === null ? null : v.duplicateOf.toString(),
      connectionStreak: v.connectionStreak,
      disconnectionStreak: v.disconnectionStreak,
      level: v.level,
      points: v.points,
      beneficiary: v.beneficiary,
      amount: v.amount.toString(),
    })),
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** keccak256 of the exact bytes: the content address published on chain. */
export function rewardsInputsHash(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(keccakBytes(bytes)).toString("hex")}`;
}

/** Largest inputs file accepted (≈ 1.5 million vehicles). */
export const MAX_INPUTS_BYTES = 512 * 1024 * 1024;

/** Parses and validates an inputs file; throws RewardsInputsError naming the first bad field. */
export function decodeRewardsInputs(bytes: Uint8Array): RewardsInputs {
  if (bytes.length > MAX_INPUTS_BYTES)
    throw new RewardsInputsError("file", bytes.length, `at most ${MAX_INPUTS_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new RewardsInputsError("file", (error as Error).message, "UTF-8 JSON");
  }
  const doc = object(raw, "file");
  if (doc.format !== REWARDS_INPUTS_FORMAT)
    throw new RewardsInputsError("format", doc.format, REWARDS_INPUTS_FORMAT);
  const points = object(doc.connectionPoints, "connectionPoints");
  const connectionPoints: Record<number, number> = {};
  for (const [k, v] of Object.entries(points)) {
    connectionPoints[int(Number(k), `connectionPoints key ${k}`, 1, 15)] = int(
      v,
      `connectionPoints.${k}`,
      0,
      2 ** 32 - 1,
    );
  }
  if (!Array.isArray(doc.vehicles)) throw new RewardsInputsError("vehicles", typeof doc.vehicles, "an array");
  return {
    format: REWARDS_INPUTS_FORMAT,
    chainId: int(doc.chainId, "chainId", 1, Number.MAX_SAFE_INTEGER),
    rewards: address(doc.rewards, "rewards"),
    week: int(doc.week, "week", 0, 1_000_000),
    weekStart: int(doc.weekStart, "weekStart", 0, Number.MAX_SAFE_INTEGER),
    weekEnd: int(doc.weekEnd, "weekEnd", 0, Number.MAX_SAFE_INTEGER),
    snapshotBlock: uint(doc.snapshotBlock, "snapshotBlock"),
    issuance: uint(doc.issuance, "issuance"),
    connectionPoints,
    previousInputsHash:
      doc.previousInputsHash === null ? null : hash32(doc.previousInputsHash, "previousInputsHash"),
    totalPoints: uint(doc.totalPoints, "totalPoints"),
    total: uint(doc.total, "total"),
    root: hash32(doc.root, "root"),
    vehicles: doc.vehicles.map((item, i) => entry(item, `vehicles[${i}]`)),
  };
}

function entry(raw: unknown, path: string): RewardsInputEntry {
  const v = object(raw, path);
  return {
    vehicleId: uint(v.vehicleId, `${path}.vehicleId`),
    vinHash: v.vinHash === null ? null : hash32(v.vinHash, `${path}.vinHash`),
    deviceId: uint(v.deviceId, `${path}.deviceId`),
    deviceClass: int(v.deviceClass, `${path}.deviceClass`, 0, 15),
    active: bool(v.active, `${path}.active`),
    duplicateOf: v.duplicateOf === null ? null : uint(v.duplicateOf, `${path}.duplicateOf`),
    connectionStreak: int(v.connectionStreak, `${path}.connectionStreak`, 0, 1_000_000),
    disconnectionStreak: int(v.disconnectionStreak, `${path}.disconnectionStreak`, 0, 1_000_000),
    level: int(v.level, `${path}.level`, 1, 4) as StreakLevel,
    points: int(v.points, `${path}.points`, 0, 2 ** 40),
    beneficiary: address(v.beneficiary, `${path}.beneficiary`),
    amount: uint(v.amount, `${path}.amount`),
  };
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new RewardsInputsError(path, typeof v, "an object");
  return v as Record<string, unknown>;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RewardsInputsError(path, v, `an integer in [${min}, ${max}]`);
  }
  return v;
}

function uint(v: unknown, path: string): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(v))
    throw new RewardsInputsError(path, v, "a decimal integer string");
  return BigInt(v);
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw new RewardsInputsError(path, v, "true or false");
  return v;
}

function hash32(v: unknown, path: string): Hex {
  if (typeof v !== "string" || !/^0x[0-9a-f]{64}$/.test(v))
    throw new RewardsInputsError(path, v, "0x and 64 lower-case hex digits");
  return v as Hex;
}

function address(v: unknown, path: string): Address {
  // Kept as written (the file's bytes are what is hashed); ABI encoding ignores letter case.
  if (typeof v !== "string" || !isAddress(v, { strict: false }))
    throw new RewardsInputsError(path, v, "a 20-byte address");
  return v as Address;
}
