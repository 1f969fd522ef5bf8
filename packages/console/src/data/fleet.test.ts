import { describe, expect, it } from "vitest";
import { type DeviceRecord, fleetFigures } from "./fleet.ts";

const WEEK = 7 * 86400;
const NOW = 100 * WEEK + 3 * 86400; // Thursday of week 100
const device = (id: number, p: Partial<DeviceRecord>): DeviceRecord => ({
  deviceId: BigInt(id),
  installedAt: 0,
  failure: "none",
  failedAt: 0,
  disputed: false,
  locked: 60n,
  paidTranches: 0,
  ...p,
});

describe("fleetFigures", () => {
  const devices = [
    device(1, { installedAt: 98 * WEEK + 10 }),
    device(2, { installedAt: 99 * WEEK + 10, failure: "malfunction", failedAt: 100 * WEEK + 5 }),
    device(3, { installedAt: 100 * WEEK + 1, failure: "disconnection", failedAt: 100 * WEEK + 2 }),
    device(4, {}),
    device(5, { installedAt: 50 * WEEK }),
  ];
  const f = fleetFigures(devices, NOW, 4);

  it("counts minted, installed and failed devices and the failure rate", () => {
    expect(f.minted).toBe(5);
    expect(f.installed).toBe(4);
    expect(f.failed).toBe(2);
    expect(f.failureRate).toBe(0.5);
    expect(f.malfunctions).toBe(1);
    expect(f.disconnections).toBe(1);
    expect(f.locked).toBe(300n);
  });

  it("buckets installs and failures by week, ending with the current week", () => {
    expect(f.weeks).toEqual([97 * WEEK, 98 * WEEK, 99 * WEEK, 100 * WEEK]);
    expect(f.installsPerWeek).toEqual([0, 1, 1, 1]);
    expect(f.failuresPerWeek).toEqual([0, 0, 0, 2]);
    // Working at each week's end: device 5 throughout, then 1, then 2; in week 100, 2 and 3 failed.
    expect(f.workingAtWeekEnd).toEqual([1, 2, 3, 2]);
  });

  it("handles an empty fleet", () => {
    const e = fleetFigures([], NOW, 2);
    expect(e.failureRate).toBe(0);
    expect(e.installsPerWeek).toEqual([0, 0]);
  });
});
