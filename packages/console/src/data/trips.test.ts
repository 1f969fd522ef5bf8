import { describe, expect, it } from "vitest";
import { distanceKm, type Fix, projectTrips, splitTrips } from "./trips.ts";

const MIN = 60_000;
/** A drive east along a parallel: one fix a minute, ~1 km apart. */
function drive(startAt: number, lat: number, lon: number, minutes: number): Fix[] {
  return Array.from({ length: minutes }, (_, i) => ({
    at: startAt + i * MIN,
    latitude: lat,
    longitude: lon + i * 0.0135,
  }));
}

describe("distanceKm", () => {
  it("measures great-circle distance", () => {
    // One degree of latitude is ~111.2 km.
    expect(distanceKm({ latitude: 0, longitude: 0 }, { latitude: 1, longitude: 0 })).toBeCloseTo(111.19, 1);
    expect(
      distanceKm({ latitude: 52.52, longitude: 13.405 }, { latitude: 48.8566, longitude: 2.3522 }),
    ).toBeCloseTo(878, -1);
  });
});

describe("splitTrips", () => {
  it("splits at a silence and measures each trip", () => {
    const t0 = Date.UTC(2026, 0, 5, 8);
    const trips = splitTrips([...drive(t0, 48.1, 11.5, 20), ...drive(t0 + 3 * 3600_000, 48.1, 11.8, 10)]);
    expect(trips).toHaveLength(2);
    expect(trips[0]!.startedAt).toBe(t0);
    expect(trips[0]!.endedAt).toBe(t0 + 19 * MIN);
    expect(trips[0]!.distanceKm).toBeCloseTo(19, 0);
    expect(trips[1]!.fixes).toHaveLength(10);
  });

  it("ends a trip when the vehicle stands still past the gap, and drops jitter", () => {
    const t0 = Date.UTC(2026, 0, 5, 8);
    const parked = Array.from({ length: 30 }, (_, i) => ({
      at: t0 + (20 + i) * MIN,
      latitude: 48.1,
      longitude: 11.5 + 19 * 0.0135 + (i % 2) * 0.00001,
    }));
    const trips = splitTrips([
      ...drive(t0, 48.1, 11.5, 20),
      ...parked,
      ...drive(t0 + 50 * MIN, 48.1, 11.77, 5),
    ]);
    expect(trips.map((t) => t.fixes.length)).toEqual([20, 6]);
    // The second trip starts when the vehicle moves off, not when it parked.
    expect(trips[1]!.startedAt).toBe(t0 + 49 * MIN);
  });

  it("ignores fixes out of range, null island and unsorted input", () => {
    const t0 = Date.UTC(2026, 0, 5, 8);
    const fixes = drive(t0, 48.1, 11.5, 5).reverse();
    fixes.push(
      { at: t0 + MIN / 2, latitude: 91, longitude: 0 },
      { at: t0 + MIN / 3, latitude: 0, longitude: 0 },
    );
    const trips = splitTrips(fixes);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.fixes.map((f) => f.at)).toEqual(drive(t0, 48.1, 11.5, 5).map((f) => f.at));
  });

  it("skips fixes no car could reach (GPS glitches)", () => {
    const t0 = Date.UTC(2026, 0, 5, 8);
    const fixes = drive(t0, 48.1, 11.5, 10);
    // One minute after the 5th fix, 300 km away.
    fixes.splice(5, 0, { at: t0 + 4 * MIN + 30_000, latitude: 50.8, longitude: 11.5 });
    const [trip] = splitTrips(fixes);
    expect(trip!.fixes).toHaveLength(10);
    expect(trip!.distanceKm).toBeCloseTo(9, 0);
  });

  it("returns nothing for no data", () => {
    expect(splitTrips([])).toEqual([]);
  });
});

describe("projectTrips", () => {
  it("fits trips into the drawing keeping a kilometre the same both ways", () => {
    const t0 = Date.UTC(2026, 0, 5, 8);
    // 10 km east, then 10 km north (at 60° N a degree of longitude is half as long).
    const east = Array.from({ length: 11 }, (_, i) => ({
      at: t0 + i * MIN,
      latitude: 60,
      longitude: 10 + i * 0.018,
    }));
    const north = Array.from({ length: 11 }, (_, i) => ({
      at: t0 + (11 + i) * MIN,
      latitude: 60 + i * 0.009,
      longitude: 10.18,
    }));
    const [trip] = splitTrips([...east, ...north]);
    const p = projectTrips([trip!], 400, 400, 0);
    expect(p.paths).toHaveLength(1);
    const [sx, sy] = p.ends[0]!.start;
    const [ex, ey] = p.ends[0]!.end;
    // East–west extent ≈ north–south extent (both ~10 km), so the square drawing is filled both ways.
    expect(Math.abs(ex - sx)).toBeGreaterThan(390);
    expect(Math.abs(ey - sy)).toBeGreaterThan(390);
    // North is up: the end (north) has a smaller y than the start.
    expect(ey).toBeLessThan(sy);
    expect(p.metresPerUnit).toBeCloseTo(10000 / 400, -1);
  });

  it("draws nothing for no trips", () => {
    expect(projectTrips([], 100, 100)).toEqual({ paths: [], ends: [], metresPerUnit: 0 });
  });
});
