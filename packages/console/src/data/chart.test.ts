import { describe, expect, it } from "vitest";
import { bucketCounts, linePath, niceTicks, scalesFor, seriesFromRows } from "./chart.ts";

describe("seriesFromRows", () => {
  it("takes numeric values of one field in time order and skips gaps", () => {
    const rows = [
      { timestamp: "2026-01-01T00:02:00Z", speed: 40 },
      { timestamp: "2026-01-01T00:00:00Z", speed: 10 },
      { timestamp: "2026-01-01T00:01:00Z", speed: null },
      { timestamp: "bad", speed: 3 },
    ];
    expect(seriesFromRows(rows, "speed")).toEqual([
      { x: Date.parse("2026-01-01T00:00:00Z"), y: 10 },
      { x: Date.parse("2026-01-01T00:02:00Z"), y: 40 },
    ]);
  });
});

describe("niceTicks", () => {
  it("covers the range with 1/2/5 steps", () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(12.2, 14.1)).toEqual([12, 12.5, 13, 13.5, 14, 14.5]);
    expect(niceTicks(-3, 3, 4)).toEqual([-4, -2, 0, 2, 4]);
  });
  it("widens a flat range and survives bad input", () => {
    expect(niceTicks(5, 5).length).toBeGreaterThanOrEqual(2);
    expect(niceTicks(0, 0)).toContain(0);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe("scales and paths", () => {
  const area = { left: 10, top: 0, width: 100, height: 50 };
  const series = [
    {
      name: "s",
      points: [
        { x: 0, y: 0 },
        { x: 10, y: 100 },
      ],
    },
  ];

  it("maps the domain onto the plot area, y up", () => {
    const s = scalesFor(series, area);
    expect(s.x(0)).toBe(10);
    expect(s.x(10)).toBe(110);
    expect(s.y(0)).toBe(50);
    expect(s.y(100)).toBe(0);
    expect(s.yTicks).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it("draws all-zero data on a 0–1 axis when zero is included", () => {
    const s = scalesFor(
      [
        {
          name: "v",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 0 },
          ],
        },
      ],
      area,
      true,
    );
    expect(s.yTicks[0]).toBe(0);
    expect(s.yTicks.at(-1)).toBe(1);
  });

  it("includes zero when asked", () => {
    const s = scalesFor(
      [
        {
          name: "v",
          points: [
            { x: 0, y: 12 },
            { x: 1, y: 14 },
          ],
        },
      ],
      area,
      true,
    );
    expect(s.yTicks[0]).toBe(0);
  });

  it("lifts the pen over gaps in the data", () => {
    const s = scalesFor(series, area);
    const pts = [
      { x: 0, y: 0 },
      { x: 1, y: 10 },
      { x: 9, y: 90 },
      { x: 10, y: 100 },
    ];
    expect(linePath(pts, s, 2)).toBe("M10.0 50.0 L20.0 45.0 M100.0 5.0 L110.0 0.0");
    expect(linePath(pts, s).split("M")).toHaveLength(2);
  });
});

describe("bucketCounts", () => {
  it("counts items per bucket and ignores those outside", () => {
    expect(bucketCounts([0, 5, 10, 19, 20, 30, -1], 0, 10, 3)).toEqual([2, 2, 1]);
  });
});
