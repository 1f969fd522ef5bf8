import {
  claimReward,
  decodeRewardsInputs,
  fetchRewardsInputs,
  getRewardsCalendar,
  getRewardsWeek,
  isRewardClaimed,
  RewardsTree,
} from "@dimo-open/protocol";
import { useConsole, useWriter } from "../../app/context.tsx";
import { rewardsOf } from "../../chain/network.ts";
import { type RewardRow, rewardRowsFor } from "../../data/rewards.ts";
import { formatDate, formatDimo, formatNumber } from "../../format.ts";
import { ownedVehicles } from "../../node/identity.ts";
import { ensureBuffer } from "../../platform/buffer.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart } from "../../ui/charts.tsx";
import { ActionStatus, Button, useAction } from "../../ui/form.tsx";
import { Badge, Card, Page, Stat, Stats, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { NeedsWallet } from "../shared.tsx";

interface Row extends RewardRow {
  claimed: boolean;
  final: boolean;
}

export function OwnerRewards() {
  const { network, node } = useConsole();
  const { account } = useWallet();
  const writer = useWriter();
  const action = useAction();
  const rewards = useAsync(async () => {
    if (!account) return { rows: [] as Row[], skipped: [] as string[] };
    const reader = rewardsOf(network);
    await ensureBuffer();
    const [calendar, vehicles] = await Promise.all([
      getRewardsCalendar(reader),
      ownedVehicles(node.public, account.address),
    ]);
    const ids = new Set(vehicles.map((v) => BigInt(v.tokenId)));
    const rows: Row[] = [];
    const skipped: string[] = [];
    for (let week = 0n; week < calendar.currentWeek; week++) {
      const w = await getRewardsWeek(reader, week);
      if (w.status === "none" || w.status === "rejected" || w.total === 0n) continue;
      try {
        const inputs = decodeRewardsInputs(await fetchRewardsInputs(reader, week));
        for (const r of rewardRowsFor(inputs, ids, account.address)) {
          const claimed = r.amount > 0n && (await isRewardClaimed(reader, { week, vehicleId: r.vehicleId }));
          rows.push({ ...r, claimed, final: w.final });
        }
      } catch (error) {
        skipped.push(`week ${week}: ${(error as Error).message}`);
      }
    }
    return { rows: rows.reverse(), skipped };
  }, [network, node, account?.address]);

  const claim = (r: Row) =>
    action
      .run(`Claiming week ${r.week} for vehicle #${r.vehicleId}`, async () => {
        await ensureBuffer();
        const reader = rewardsOf(network);
        const inputs = decodeRewardsInputs(await fetchRewardsInputs(reader, BigInt(r.week)));
        const c = new RewardsTree(BigInt(r.week), inputs.vehicles).claimOf(r.vehicleId);
        if (!c) throw new Error(`Vehicle #${r.vehicleId} earned nothing in week ${r.week}.`);
        return claimReward(writer!, c);
      })
      .then((x) => x && rewards.reload());

  return (
    <Page
      title="Rewards"
      subtitle="What your vehicles earned each week, from the inputs files the node published on chain."
    >
      <NeedsWallet what="see your rewards">
        <Async state={rewards} label="Reading published weeks and their inputs files…">
          {({ rows, skipped }) => {
            const earned = rows.reduce((s, r) => s + r.amount, 0n);
            const unclaimed = rows
              .filter((r) => !r.claimed && r.amount > 0n)
              .reduce((s, r) => s + r.amount, 0n);
            const weeks = [...new Set(rows.map((r) => r.week))].sort((a, b) => a - b);
            return (
              <>
                <Stats>
                  <Stat label="Earned" value={formatDimo(earned)} hint={`over ${weeks.length} weeks`} />
                  <Stat label="Unclaimed" value={formatDimo(unclaimed)} />
                  <Stat
                    label="Best streak level"
                    value={rows.length ? `L${Math.max(...rows.map((r) => r.level))}` : "—"}
                  />
                </Stats>
                {weeks.length > 1 && (
                  <Card title="DIMO per week" wide>
                    <BarChart
                      labels={weeks.map((w) => `W${w}`)}
                      series={[
                        {
                          name: "DIMO",
                          values: weeks.map(
                            (w) =>
                              Number(
                                rows.filter((r) => r.week === w).reduce((s, r) => s + r.amount, 0n) /
                                  10n ** 14n,
                              ) / 1e4,
                          ),
                        },
                      ]}
                      unit="DIMO"
                    />
                  </Card>
                )}
                <Card title="Weekly rewards" wide>
                  {rows.length === 0 ? (
                    <Empty title="No rewards yet">
                      Rewards appear after a week in which your vehicle sent data ends and the node publishes
                      its root.
                    </Empty>
                  ) : (
                    <Table
                      rows={rows}
                      rowKey={(r) => `${r.week}-${r.vehicleId}`}
                      columns={[
                        { label: "Week", render: (r) => `${r.week} (${formatDate(r.weekStart)})` },
                        { label: "Vehicle", render: (r) => `#${r.vehicleId}` },
                        {
                          label: "Activity",
                          render: (r) =>
                            r.duplicateOf !== null ? (
                              <Badge tone="warn">duplicate VIN of #{r.duplicateOf.toString()}</Badge>
                            ) : r.active ? (
                              <Badge tone="good">active</Badge>
                            ) : (
                              <Badge>inactive</Badge>
                            ),
                        },
                        { label: "Level", render: (r) => `L${r.level} · ${r.connectionStreak} wk streak` },
                        { label: "Points", align: "right", render: (r) => formatNumber(r.points) },
                        { label: "Amount", align: "right", render: (r) => formatDimo(r.amount) },
                        {
                          label: "",
                          align: "right",
                          render: (r) =>
                            r.amount === 0n ? null : r.claimed ? (
                              <Badge tone="good">claimed</Badge>
                            ) : !r.final ? (
                              <Badge tone="warn">in challenge window</Badge>
                            ) : (
                              <Button disabled={!writer || action.pending} onClick={() => claim(r)}>
                                Claim
                              </Button>
                            ),
                        },
                      ]}
                    />
                  )}
                  <ActionStatus state={action.state} />
                  {skipped.length > 0 && (
                    <p className="muted small">Weeks that could not be read: {skipped.join("; ")}</p>
                  )}
                </Card>
              </>
            );
          }}
        </Async>
      </NeedsWallet>
    </Page>
  );
}
