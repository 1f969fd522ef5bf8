import {
  getRewardsCalendar,
  getRewardsWeek,
  rewardsPoolAvailable,
  weeklyIssuance,
} from "@dimo-open/protocol";
import { useConsole } from "../../app/context.tsx";
import { rewardsOf } from "../../chain/network.ts";
import { formatDate, formatDateTime, formatDimo, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart } from "../../ui/charts.tsx";
import { Badge, Card, Page, Stat, Stats, Table, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";

const TONE: Record<string, Tone> = {
  confirmed: "good",
  pending: "info",
  challenged: "warn",
  rejected: "bad",
  none: "neutral",
};
const WEEK = 604_800n;

export function NetworkRewards() {
  const { network } = useConsole();
  const data = useAsync(async () => {
    const r = rewardsOf(network);
    const [calendar, pool] = await Promise.all([getRewardsCalendar(r), rewardsPoolAvailable(r)]);
    const n = Number(calendar.currentWeek) + 1;
    const first = Math.max(0, n - 26);
    const weeks = await Promise.all(
      Array.from({ length: Math.max(0, n - first) }, (_, i) => getRewardsWeek(r, BigInt(first + i))),
    );
    return { calendar, pool, weeks };
  }, [network]);
  return (
    <Page
      title="Reward weeks"
      subtitle="Each week the node publishes a Merkle root of who earned what; anyone may challenge it during the window."
    >
      <Async state={data} label="Reading the rewards calendar…">
        {({ calendar, pool, weeks }) => {
          const published = weeks.filter((w) => w.status !== "none");
          return (
            <>
              <Stats>
                <Stat
                  label="Current week"
                  value={calendar.currentWeek < 0n ? "not started" : `week ${calendar.currentWeek}`}
                  hint={`since ${formatDate(calendar.genesis)}`}
                />
                <Stat
                  label="This week's issuance"
                  value={calendar.currentWeek < 0n ? "—" : formatDimo(weeklyIssuance(calendar.currentWeek))}
                />
                <Stat
                  label="Pool available"
                  value={formatDimo(pool)}
                  hint="not promised to a published week"
                />
                <Stat label="Weeks published" value={published.length} />
              </Stats>
              {published.length > 0 && (
                <Card title="Distributed per week" wide>
                  <BarChart
                    labels={weeks.map((w) => `W${w.week}`)}
                    series={[
                      { name: "published", values: weeks.map((w) => Number(w.total / 10n ** 18n)) },
                      { name: "claimed", values: weeks.map((w) => Number(w.claimed / 10n ** 18n)) },
                    ]}
                    unit="DIMO"
                  />
                </Card>
              )}
              <Card title="Weeks" wide>
                {weeks.length === 0 ? (
                  <Empty title="No weeks yet">The rewards calendar has not started.</Empty>
                ) : (
                  <Table
                    rows={[...weeks].reverse()}
                    rowKey={(w) => w.week.toString()}
                    columns={[
                      {
                        label: "Week",
                        render: (w) => `${w.week} · ${formatDate(calendar.genesis + w.week * WEEK)}`,
                      },
                      {
                        label: "Status",
                        render: (w) =>
                          w.week === calendar.currentWeek ? (
                            <Badge tone="info">running</Badge>
                          ) : (
                            <Badge tone={TONE[w.status]}>
                              {w.status === "none" ? "unpublished" : humanize(w.status)}
                            </Badge>
                          ),
                      },
                      {
                        label: "Total",
                        align: "right",
                        render: (w) => (w.status === "none" ? "—" : formatDimo(w.total)),
                      },
                      {
                        label: "Claimed",
                        align: "right",
                        render: (w) => (w.status === "none" ? "—" : formatDimo(w.claimed)),
                      },
                      {
                        label: "Published",
                        render: (w) => (w.publishedAt ? formatDateTime(w.publishedAt) : "—"),
                      },
                      { label: "Final from", render: (w) => (w.finalAt ? formatDateTime(w.finalAt) : "—") },
                      {
                        label: "Root",
                        render: (w) =>
                          w.status === "none" ? (
                            "—"
                          ) : (
                            <span className="mono small" title={w.root}>
                              {w.root.slice(0, 12)}…
                            </span>
                          ),
                      },
                    ]}
                  />
                )}
              </Card>
            </>
          );
        }}
      </Async>
    </Page>
  );
}
