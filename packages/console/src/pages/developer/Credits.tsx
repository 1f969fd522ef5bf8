import { buyCredits, creditBalance, quoteCredits } from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { paymentsOf } from "../../chain/network.ts";
import { priceLines } from "../../data/prices.ts";
import { creditsInUsd, formatCredits, formatDimo, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart } from "../../ui/charts.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Card, Grid, Page, Stat, Stats, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { type DeveloperSession, WithLicenseSession } from "./session.tsx";

export function DeveloperCredits() {
  return (
    <Page
      title="Credits & usage"
      subtitle="What your app spent at this node, per vehicle and operation, and its credits on chain."
    >
      <WithLicenseSession>{(s) => <CreditsView session={s} />}</WithLicenseSession>
    </Page>
  );
}

function CreditsView(props: { session: DeveloperSession }) {
  const { network } = useConsole();
  const { client, license } = props.session;
  const [days, setDays] = useState(30);
  const data = useAsync(async () => {
    const from = new Date(Date.now() - days * 86400_000);
    const [balance, usage, prices, onChain] = await Promise.all([
      client.balance(),
      client.usage({ from }),
      client.prices(),
      network.config.payments
        ? creditBalance(paymentsOf(network), license.tokenId)
        : Promise.resolve(undefined),
    ]);
    return { balance, usage, prices, onChain };
  }, [client, license.tokenId, days]);
  return (
    <Async state={data} label="Reading credits and usage…">
      {({ balance, usage, prices, onChain }) => {
        const byVehicle = new Map<string, number>();
        for (const u of usage.vehicles)
          byVehicle.set(u.vehicleId, (byVehicle.get(u.vehicleId) ?? 0) + u.credits);
        const top = [...byVehicle.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
        return (
          <>
            <Stats>
              <Stat
                label="Balance at this node"
                value={formatCredits(balance.balance)}
                hint={creditsInUsd(balance.balance)}
              />
              <Stat
                label={`Spent in ${days} days`}
                value={formatCredits(usage.totalCredits)}
                hint={creditsInUsd(usage.totalCredits)}
              />
              <Stat
                label="Requests"
                value={usage.vehicles.reduce((s, v) => s + v.requests, 0).toLocaleString("en-GB")}
              />
              <Stat
                label="Credits on chain"
                value={onChain === undefined ? "—" : formatCredits(onChain)}
                hint="bought with DIMO"
              />
            </Stats>
            <Card
              title="Usage per vehicle"
              wide
              actions={
                <select aria-label="Period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
                  <option value={1}>Last day</option>
                  <option value={7}>Last 7 days</option>
                  <option value={30}>Last 30 days</option>
                </select>
              }
            >
              {usage.vehicles.length === 0 ? (
                <Empty title="No usage in this period">
                  Queries, exchanges and webhook deliveries the node charged appear here.
                </Empty>
              ) : (
                <>
                  <BarChart
                    labels={top.map(([v]) => `#${v}`)}
                    series={[{ name: "credits", values: top.map(([, c]) => c) }]}
                    unit="credits"
                  />
                  <Table
                    rows={usage.vehicles}
                    rowKey={(u) => `${u.vehicleId}-${u.operation}`}
                    columns={[
                      { label: "Vehicle", render: (u) => `#${u.vehicleId}` },
                      { label: "Operation", render: (u) => humanize(u.operation) },
                      {
                        label: "Requests",
                        align: "right",
                        render: (u) => u.requests.toLocaleString("en-GB"),
                      },
                      { label: "Credits", align: "right", render: (u) => formatCredits(u.credits) },
                    ]}
                  />
                </>
              )}
            </Card>
            <Grid>
              <Card title="Prices at this node">
                <Table
                  rows={priceLines(prices)}
                  rowKey={([k]) => k}
                  columns={[
                    { label: "Item", render: ([k]) => k },
                    { label: "Price", align: "right", render: ([, v]) => v },
                  ]}
                />
              </Card>
              {network.config.payments && <BuyCredits licenseId={license.tokenId} onBought={data.reload} />}
            </Grid>
          </>
        );
      }}
    </Async>
  );
}

function BuyCredits(props: { licenseId: bigint; onBought: () => void }) {
  const { network } = useConsole();
  const writer = useWriter();
  const action = useAction();
  const [credits, setCredits] = useState(10_000);
  const quote = useAsync(
    () => (credits > 0 ? quoteCredits(paymentsOf(network), BigInt(credits)) : Promise.resolve(0n)),
    [network, credits],
  );
  return (
    <Card title="Buy credits on chain">
      <Form
        onSubmit={() =>
          action
            .run(
              `Buying ${formatCredits(credits)}`,
              () => buyCredits(writer!, { licenseId: props.licenseId, credits: BigInt(credits) }),
              (r) => `Bought ${formatCredits(credits)} for ${formatDimo(r.dimoBurned)} (burned).`,
            )
            .then((r) => r && props.onBought())
        }
      >
        <Field label="Credits" hint={`$0.001 each: ${creditsInUsd(credits)}`}>
          <input
            type="number"
            min={1}
            max={1_000_000_000}
            value={credits}
            onChange={(e) => setCredits(Number(e.target.value))}
          />
        </Field>
        <p className="muted">
          Costs {quote.data !== undefined ? formatDimo(quote.data) : "…"} at today's DIMO price; the DIMO is
          burned.
        </p>
        <Button submit disabled={!writer || action.pending || credits < 1}>
          Buy
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
