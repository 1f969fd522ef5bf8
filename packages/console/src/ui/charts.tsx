import { useId } from "react";
import { linePath, type PlotArea, type Series, scalesFor } from "../data/chart.ts";
import { formatNumber } from "../format.ts";

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];

function timeLabel(ms: number, spanMs: number): string {
  const d = new Date(ms);
  if (spanMs <= 2 * 86400_000)
    return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

/**
 * A dependency-free SVG line chart: y axis on nice ticks with the unit, time on x, one line per
 * series, gaps in the data left open.
 */
export function LineChart(props: {
  series: Series[];
  unit?: string | undefined;
  height?: number;
  zero?: boolean;
  /** Lift the pen over x gaps larger than this (ms). */
  maxGap?: number;
  xLabel?: (x: number, span: number) => string;
  title?: string;
}) {
  const width = 640;
  const height = props.height ?? 220;
  const area: PlotArea = { left: 48, top: 24, width: width - 64, height: height - 52 };
  const scale = scalesFor(props.series, area, props.zero);
  const [x0, x1] = scale.xDomain;
  const span = x1 - x0;
  const xLabel = props.xLabel ?? timeLabel;
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => x0 + f * span);
  const titleId = useId();
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{props.title ?? props.series.map((s) => s.name).join(", ")}</title>
        {scale.yTicks.map((t) => (
          <g key={t}>
            <line
              className="grid-line"
              x1={area.left}
              x2={area.left + area.width}
              y1={scale.y(t)}
              y2={scale.y(t)}
            />
            <text className="tick" x={area.left - 6} y={scale.y(t) + 4} textAnchor="end">
              {formatNumber(t)}
            </text>
          </g>
        ))}
        {span > 0 &&
          xTicks.map((t) => (
            <text
              key={t}
              className="tick"
              x={scale.x(t)}
              y={height - 8}
              textAnchor={t === x0 ? "start" : t === x1 ? "end" : "middle"}
            >
              {xLabel(t, span)}
            </text>
          ))}
        {props.unit && (
          <text className="tick unit" x={4} y={12}>
            {props.unit}
          </text>
        )}
        {props.series.map((s, i) => (
          <path
            key={s.name}
            d={linePath(s.points, scale, props.maxGap)}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth={2}
            strokeLinejoin="round"
          />
        ))}
        {props.series.map((s, i) =>
          s.points.length === 1 ? (
            <circle
              key={s.name}
              cx={scale.x(s.points[0]!.x)}
              cy={scale.y(s.points[0]!.y)}
              r={3}
              fill={COLORS[i % COLORS.length]}
            />
          ) : null,
        )}
      </svg>
      {props.series.length > 1 && (
        <figcaption className="legend">
          {props.series.map((s, i) => (
            <span key={s.name}>
              <i style={{ background: COLORS[i % COLORS.length] }} /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

/** Bars per labelled bucket (weeks, models), one or more stacked-free series side by side. */
export function BarChart(props: {
  labels: string[];
  series: { name: string; values: number[] }[];
  unit?: string;
  height?: number;
  title?: string;
}) {
  const width = 640;
  const height = props.height ?? 220;
  const area: PlotArea = { left: 48, top: 24, width: width - 64, height: height - 52 };
  const points = props.series.map((s) => ({ name: s.name, points: s.values.map((y, x) => ({ x, y })) }));
  const scale = scalesFor(points, area, true);
  const n = Math.max(1, props.labels.length);
  const slot = area.width / n;
  const barW = Math.max(2, (slot * 0.7) / Math.max(1, props.series.length));
  const every = Math.ceil(n / 8);
  const titleId = useId();
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{props.title ?? props.series.map((s) => s.name).join(", ")}</title>
        {scale.yTicks.map((t) => (
          <g key={t}>
            <line
              className="grid-line"
              x1={area.left}
              x2={area.left + area.width}
              y1={scale.y(t)}
              y2={scale.y(t)}
            />
            <text className="tick" x={area.left - 6} y={scale.y(t) + 4} textAnchor="end">
              {formatNumber(t)}
            </text>
          </g>
        ))}
        {props.labels.map((label, i) =>
          i % every === 0 ? (
            <text
              key={label}
              className="tick"
              x={area.left + slot * (i + 0.5)}
              y={height - 8}
              textAnchor="middle"
            >
              {label}
            </text>
          ) : null,
        )}
        {props.series.map((s, si) =>
          s.values.map((v, i) => {
            const x = area.left + slot * i + slot * 0.15 + si * barW;
            const y = scale.y(Math.max(0, v));
            return (
              <rect
                key={`${s.name}-${props.labels[i]}`}
                x={x}
                y={y}
                width={barW}
                height={Math.max(0, scale.y(0) - y)}
                fill={COLORS[si % COLORS.length]}
                rx={2}
              />
            );
          }),
        )}
        {props.unit && (
          <text className="tick unit" x={4} y={12}>
            {props.unit}
          </text>
        )}
      </svg>
      {props.series.length > 1 && (
        <figcaption className="legend">
          {props.series.map((s, i) => (
            <span key={s.name}>
              <i style={{ background: COLORS[i % COLORS.length] }} /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
