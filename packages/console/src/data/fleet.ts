/**
 * A maker's fleet in figures, from each device's on-chain stake record: when it was installed
 * (first paired), whether a failure was reported and when, what of its locked stake is paid.
 */
import type { DeviceFailure } from "@dimo-open/protocol";

export interface DeviceRecord {
  deviceId: bigint;
  /** Unix seconds; 0 when not installed. */
  installedAt: number;
  failure: DeviceFailure | "none";
  /** Unix seconds; 0 when no failure was reported. */
  failedAt: number;
  disputed: boolean;
  locked: bigint;
  paidTranches: number;
}

export interface FleetFigures {
  minted: number;
  installed: number;
  failed: number;
  /** failed / installed (0 with nothing installed). */
  failureRate: number;
  malfunctions: number;
  disconnections: number;
  locked: bigint;
  /** Week starts (Unix seconds), oldest first, and per-week counts. */
  weeks: number[];
  installsPerWeek: number[];
  failuresPerWeek: number[];
  /** Devices installed and not failed at the end of each week. */
  workingAtWeekEnd: number[];
}

const WEEK = 7 * 86400;

export function fleetFigures(devices: readonly DeviceRecord[], now: number, weeks = 12): FleetFigures {
  const end = Math.floor(now / WEEK) * WEEK + WEEK;
  const starts = Array.from({ length: weeks }, (_, i) => end - (weeks - i) * WEEK);
  const bucket = (t: number) => starts.findIndex((s) => t >= s && t < s + WEEK);
  const installsPerWeek = new Array<number>(weeks).fill(0);
  const failuresPerWeek = new Array<number>(weeks).fill(0);
  for (const d of devices) {
    if (d.installedAt) {
      const i = bucket(d.installedAt);
      if (i >= 0) installsPerWeek[i]! += 1;
    }
    if (d.failure !== "none" && d.failedAt) {
      const i = bucket(d.failedAt);
      if (i >= 0) failuresPerWeek[i]! += 1;
    }
  }
  const workingAtWeekEnd = starts.map(
    (s) =>
      devices.filter(
        (d) => d.installedAt && d.installedAt < s + WEEK && !(d.failure !== "none" && d.failedAt < s + WEEK),
      ).length,
  );
  const installed = devices.filter((d) => d.installedAt > 0).length;
  const failed = devices.filter((d) => d.failure !== "none").length;
  return {
    minted: devices.length,
    installed,
    failed,
    failureRate: installed ? failed / installed : 0,
    malfunctions: devices.filter((d) => d.failure === "malfunction").length,
    disconnections: devices.filter((d) => d.failure === "disconnection").length,
    locked: devices.reduce((s, d) => s + d.locked, 0n),
    weeks: starts,
    installsPerWeek,
    failuresPerWeek,
    workingAtWeekEnd,
  };
}
