/**
 * Trips from a vehicle's location history, drawn without map tiles (the console runs offline):
 * positions are split into trips where the vehicle stood still or went silent, then projected
 * onto a local plane (equirectangular around the trips' centre, metres east/north) and fitted
 * into the drawing.
 */

export interface Fix {
  /** Milliseconds since the epoch. */
  at: number;
  latitude: number;
  longitude: number;
}

export interface Trip {
  fixes: Fix[];
  startedAt: number;
  endedAt: number;
  /** Along the fixes, great-circle, in kilometres. */
  distanceKm: number;
}

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance (haversine) in kilometres. */
export function distanceKm(a: Pick<Fix, "latitude" | "longitude">, b: Pick<Fix, "latitude" | "longitude">) {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface TripOptions {
  /** A silence longer than this ends a trip (default 10 minutes). */
  maxGapMs?: number;
  /** Fixes closer than this to the previous one are the vehicle standing still (default 30 m). */
  stillKm?: number;
  /** Trips shorter than this are dropped as GPS jitter (default 200 m). */
  minDistanceKm?: number;
  /** A fix the vehicle could only have reached faster than this is a glitch and skipped (default 250 km/h). */
  maxSpeedKmh?: number;
}

/** Splits time-ordered fixes into trips. Fixes out of order or outside the globe are ignored. */
export function splitTrips(fixes: readonly Fix[], options: TripOptions = {}): Trip[] {
  const maxGap = options.maxGapMs ?? 10 * 60_000;
  const still = options.stillKm ?? 0.03;
  const minDistance = options.minDistanceKm ?? 0.2;
  const maxSpeed = options.maxSpeedKmh ?? 250;
  const valid = fixes
    .filter(
      (f) =>
        Number.isFinite(f.at) &&
        Math.abs(f.latitude) <= 90 &&
        Math.abs(f.longitude) <= 180 &&
        !(f.latitude === 0 && f.longitude === 0),
    )
    .sort((a, b) => a.at - b.at);
  const trips: Trip[] = [];
  let current: Fix[] = [];
  let distance = 0;
  let stillSince: number | undefined;
  const close = () => {
    if (current.length >= 2 && distance >= minDistance)
      trips.push({
        fixes: current,
        startedAt: current[0]!.at,
        endedAt: current.at(-1)!.at,
        distanceKm: distance,
      });
    current = [];
    distance = 0;
    stillSince = undefined;
  };
  for (const fix of valid) {
    const last = current.at(-1);
    if (!last) {
      current.push(fix);
      continue;
    }
    if (fix.at - last.at > maxGap) {
      close();
      current.push(fix);
      continue;
    }
    const step = distanceKm(last, fix);
    // A jump no car makes (a GPS glitch, a fix from elsewhere): skip it, keep the track.
    if (step / Math.max((fix.at - last.at) / 3_600_000, 1 / 3600) > maxSpeed) continue;
    if (step < still) {
      // Standing still for longer than the gap also ends the trip (parked with the device awake).
      // Waiting at the start: the trip starts when the vehicle moves off.
      if (current.length === 1) {
        current[0] = fix;
        continue;
      }
      stillSince ??= last.at;
      if (fix.at - stillSince > maxGap) {
        close();
        current.push(fix);
      }
      continue;
    }
    stillSince = undefined;
    current.push(fix);
    distance += step;
  }
  close();
  return trips;
}

export interface ProjectedTrips {
  /** One SVG path `d` per trip, in drawing coordinates (y down). */
  paths: string[];
  /** Where each trip starts and ends, in drawing coordinates. */
  ends: { start: [number, number]; end: [number, number] }[];
  /** Metres per drawing unit, for a scale bar. */
  metresPerUnit: number;
}

/**
 * Projects trips into a `width` × `height` drawing with `padding`, keeping the aspect ratio
 * (a kilometre is as long east–west as north–south).
 */
export function projectTrips(
  trips: readonly Trip[],
  width: number,
  height: number,
  padding = 16,
): ProjectedTrips {
  const all = trips.flatMap((t) => t.fixes);
  if (all.length === 0) return { paths: [], ends: [], metresPerUnit: 0 };
  const lat0 = all.reduce((s, f) => s + f.latitude, 0) / all.length;
  const lon0 = all.reduce((s, f) => s + f.longitude, 0) / all.length;
  const kx = Math.cos(rad(lat0)) * rad(1) * EARTH_RADIUS_KM * 1000; // metres per degree of longitude
  const ky = rad(1) * EARTH_RADIUS_KM * 1000; // metres per degree of latitude
  const local = (f: Fix): [number, number] => [(f.longitude - lon0) * kx, (f.latitude - lat0) * ky];
  const points = all.map(local);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const spanX = Math.max(maxX - minX, 1);
  const spanY = Math.max(maxY - minY, 1);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const draw = (f: Fix): [number, number] => {
    const [x, y] = local(f);
    return [round(offX + (x - minX) * scale), round(height - (offY + (y - minY) * scale))];
  };
  return {
    paths: trips.map((t) => t.fixes.map((f, i) => `${i === 0 ? "M" : "L"}${draw(f).join(" ")}`).join(" ")),
    ends: trips.map((t) => ({ start: draw(t.fixes[0]!), end: draw(t.fixes.at(-1)!) })),
    metresPerUnit: 1 / scale,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
