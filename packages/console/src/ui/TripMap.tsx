import { useId } from "react";
import { projectTrips, type Trip } from "../data/trips.ts";
import { formatDateTime, formatNumber } from "../format.ts";

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];

/** A round length for the scale bar (1, 2 or 5 × 10^k metres) no wider than `maxMetres`. */
function scaleBarMetres(maxMetres: number): number {
  const k = 10 ** Math.floor(Math.log10(Math.max(maxMetres, 1)));
  return [5, 2, 1].map((m) => m * k).find((m) => m <= maxMetres) ?? k;
}

/**
 * Trips drawn on a plain projected grid (no map tiles: the console works offline): north up, a
 * kilometre as long both ways, start and end of each trip marked, with a scale bar.
 */
export function TripMap(props: { trips: Trip[]; height?: number }) {
  const width = 640;
  const height = props.height ?? 360;
  const p = projectTrips(props.trips, width, height, 24);
  const barMetres = p.metresPerUnit ? scaleBarMetres(p.metresPerUnit * 120) : 0;
  const barUnits = p.metresPerUnit ? barMetres / p.metresPerUnit : 0;
  const titleId = useId();
  return (
    <figure className="trip-map">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`${props.trips.length} trips on a projected grid, north up`}</title>
        <defs>
          <pattern id={`${titleId}-grid`} width={40} height={40} patternUnits="userSpaceOnUse">
            <path d="M40 0 L0 0 0 40" fill="none" className="map-grid" />
          </pattern>
        </defs>
        <rect width={width} height={height} fill={`url(#${titleId}-grid)`} className="map-bg" />
        {p.paths.map((d, i) => (
          <path
            key={d}
            d={d}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth={3}
            strokeLinecap="round"
            strokeLinejoin="round"
            opacity={0.85}
          />
        ))}
        {p.ends.map((e, i) => (
          <g key={`${e.start.join()}-${props.trips[i]!.startedAt}`}>
            <circle cx={e.start[0]} cy={e.start[1]} r={5} className="map-start" />
            <circle
              cx={e.end[0]}
              cy={e.end[1]}
              r={5}
              className="map-end"
              stroke={COLORS[i % COLORS.length]}
            />
          </g>
        ))}
        {barUnits > 0 && (
          <g transform={`translate(${width - 24 - barUnits}, ${height - 20})`}>
            <line x1={0} x2={barUnits} y1={0} y2={0} className="map-scale" />
            <text x={barUnits / 2} y={-6} textAnchor="middle" className="tick">
              {barMetres >= 1000 ? `${formatNumber(barMetres / 1000)} km` : `${barMetres} m`}
            </text>
          </g>
        )}
        <text x={16} y={24} className="tick">
          N ↑
        </text>
      </svg>
      <figcaption className="legend">
        {props.trips.map((t, i) => (
          <span key={t.startedAt}>
            <i style={{ background: COLORS[i % COLORS.length] }} /> {formatDateTime(t.startedAt / 1000)} ·{" "}
            {formatNumber(t.distanceKm, 1)} km · {Math.round((t.endedAt - t.startedAt) / 60_000)} min
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
