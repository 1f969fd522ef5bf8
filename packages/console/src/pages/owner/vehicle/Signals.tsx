import { getSignal } from "@dimo-open/signals";
import { useState } from "react";
import { seriesFromRows } from "../../../data/chart.ts";
import { fixesFromRows, intervalFor } from "../../../data/telemetry.ts";
import { splitTrips } from "../../../data/trips.ts";
import { displayUnit, formatDateTime, formatRelative, formatSignal, humanize } from "../../../format.ts";
import { Async, useAsync } from "../../../ui/async.tsx";
import { LineChart } from "../../../ui/charts.tsx";
import { Card, Stat, Stats } from "../../../ui/layout.tsx";
import { Empty } from "../../../ui/states.tsx";
import { TripMap } from "../../../ui/TripMap.tsx";
import type { VehicleReader } from "./access.tsx";

/** The signals an owner sees at a glance (those the vehicle does not send are left out). */
const LATEST = [
  "speed",
  "powertrainTransmissionTravelledDistance",
  "powertrainCombustionEngineSpeed",
  "powertrainFuelSystemRelativeLevel",
  "powertrainTractionBatteryStateOfChargeCurrent",
  "lowVoltageBatteryCurrentVoltage",
] as const;

/** Names an owner reads on the tiles. */
const LABELS: Record<string, string> = {
  speed: "Speed",
  powertrainTransmissionTravelledDistance: "Odometer",
  powertrainCombustionEngineSpeed: "Engine speed",
  powertrainFuelSystemRelativeLevel: "Fuel level",
  powertrainTractionBatteryStateOfChargeCurrent: "Battery charge",
  lowVoltageBatteryCurrentVoltage: "12 V battery",
};

const CHARTS = [
  { field: "speed", agg: "AVG" as const, title: "Speed (average)" },
  { field: "lowVoltageBatteryCurrentVoltage", agg: "AVG" as const, title: "12 V battery" },
  { field: "powertrainFuelSystemRelativeLevel", agg: "LAST" as const, title: "Fuel level" },
];

const RANGES = { "24h": 24 * 3600_000, "7d": 7 * 86400_000 } as const;
type Range = keyof typeof RANGES;

export function LatestSignals(props: { reader: VehicleReader }) {
  const { client, token } = props.reader;
  const latest = useAsync(
    () => client.latestSignals(token, { tokenId: token.tokenId, signals: LATEST }),
    [client, token],
    {
      refreshMs: 15_000,
    },
  );
  return (
    <Card title="Live signals" actions={<span className="muted small">refreshes every 15 s</span>}>
      <Async state={latest} label="Reading the latest values…">
        {(l) => {
          const present = LATEST.filter((n) => l.values[n]);
          if (!l.lastSeen)
            return (
              <Empty title="No data yet">The vehicle's device has not sent anything this node stored.</Empty>
            );
          if (present.length === 0)
            return (
              <Empty title={`Last heard ${formatRelative(l.lastSeen)}`}>
                The device is in touch ({formatDateTime(l.lastSeen)}) but has reported none of these signals
                yet: the vehicle has not been driven since it was paired.
              </Empty>
            );
          return (
            <>
              <p className="muted">
                Last seen {formatRelative(l.lastSeen)} ({formatDateTime(l.lastSeen)}).
              </p>
              <Stats>
                {present.map((name) => {
                  const v = l.values[name]!;
                  return (
                    <Stat
                      key={name}
                      label={LABELS[name] ?? humanize(name)}
                      value={
                        typeof v.value === "number"
                          ? formatSignal(v.value, displayUnit(getSignal(name).unit))
                          : String(v.value)
                      }
                      hint={formatRelative(v.timestamp)}
                    />
                  );
                })}
              </Stats>
            </>
          );
        }}
      </Async>
    </Card>
  );
}

export function SignalHistory(props: { reader: VehicleReader }) {
  const [range, setRange] = useState<Range>("24h");
  const { client, token } = props.reader;
  const history = useAsync(
    async () => {
      const to = new Date();
      const from = new Date(to.getTime() - RANGES[range]);
      const { interval } = intervalFor(RANGES[range], 288);
      const fields = Object.fromEntries(CHARTS.map((c) => [c.field, { signal: c.field, agg: c.agg }]));
      return client.signals(token, { tokenId: token.tokenId, interval, from, to, fields });
    },
    [client, token, range],
    { refreshMs: 30_000 },
  );
  const { seconds } = intervalFor(RANGES[range], 288);
  return (
    <Card
      title="History"
      wide
      actions={
        <select aria-label="Range" value={range} onChange={(e) => setRange(e.target.value as Range)}>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
        </select>
      }
    >
      <Async state={history} label="Reading the history…">
        {(h) => {
          const charts = CHARTS.map((c) => ({ ...c, points: seriesFromRows(h.rows, c.field) })).filter(
            (c) => c.points.length > 0,
          );
          if (charts.length === 0)
            return <Empty title="Nothing in this range">No samples of these signals were stored.</Empty>;
          return (
            <div className="chart-grid">
              {charts.map((c) => (
                <div key={c.field}>
                  <h3>{c.title}</h3>
                  <LineChart
                    series={[{ name: c.title, points: c.points }]}
                    unit={displayUnit(getSignal(c.field).unit)}
                    maxGap={seconds * 1000 * 3}
                    zero={c.field !== "lowVoltageBatteryCurrentVoltage"}
                  />
                </div>
              ))}
            </div>
          );
        }}
      </Async>
    </Card>
  );
}

export function Trips(props: { reader: VehicleReader }) {
  const [range, setRange] = useState<Range>("24h");
  const { client, token } = props.reader;
  const trips = useAsync(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range]);
    const { interval } = intervalFor(RANGES[range], 10_000);
    const r = await client.signals(token, {
      tokenId: token.tokenId,
      interval,
      from,
      to,
      fields: { loc: { signal: "currentLocationCoordinates", agg: "FIRST" } },
    });
    if (r.errors?.length && r.rows.length === 0) throw new Error(r.errors.map((e) => e.message).join("; "));
    return splitTrips(fixesFromRows(r.rows, "loc"));
  }, [client, token, range]);
  return (
    <Card
      title="Trips"
      wide
      actions={
        <select aria-label="Trip range" value={range} onChange={(e) => setRange(e.target.value as Range)}>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
        </select>
      }
    >
      <Async state={trips} label="Reading the location history…">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No trips in this range">
              Trips appear once the device reports positions while driving.
            </Empty>
          ) : (
            <TripMap trips={list.slice(-8)} />
          )
        }
      </Async>
    </Card>
  );
}
