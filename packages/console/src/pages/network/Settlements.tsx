import {
  getNode,
  getSettlement,
  nodeRegistryAbi,
  nodeWithdrawable,
  usageSettlementAbi,
} from "@dimo-open/protocol";
import { useConsole } from "../../app/context.tsx";
import { paymentsOf } from "../../chain/network.ts";
import { formatCredits, formatDateTime, formatDimo, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart } from "../../ui/charts.tsx";
import { Badge, Card, Page, Stat, Stats, Table, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { Account } from "../shared.tsx";

const TONE: Record<string, Tone> = { pending: "info", disputed: "warn", released: "good" };
const MAX_SETTLEMENTS = 200;

export function NetworkSettlements() {
  const { network } = useConsole();
  const data = useAsync(async () => {
    const p = paymentsOf(network);
    const [lastNode, lastSettlement] = await Promise.all([
      network.publicClient.readContract({
        address: p.payments.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: "lastNodeId",
      }),
      network.publicClient.readContract({
        address: p.payments.usageSettlement,
        abi: usageSettlementAbi,
        functionName: "lastSettlementId",
      }),
    ]);
    const nodes = await Promise.all(
      Array.from({ length: Number(lastNode) }, async (_, i) => {
        const nodeId = BigInt(i + 1);
        const [node, withdrawable] = await Promise.all([getNode(p, nodeId), nodeWithdrawable(p, nodeId)]);
        return { nodeId, ...node, withdrawable };
      }),
    );
    const count = Math.min(Number(lastSettlement), MAX_SETTLEMENTS);
    const settlements = await Promise.all(
      Array.from({ length: count }, (_, i) => getSettlement(p, lastSettlement - BigInt(i))),
    );
    return { nodes, settlements, total: Number(lastSettlement) };
  }, [network]);
  return (
    <Page
      title="Node settlements"
      subtitle="Nodes settle signed usage on chain: credits burn, the node earns its share after the dispute window."
    >
      <Async state={data} label="Reading nodes and settlements…">
        {({ nodes, settlements, total }) => {
          const credits = settlements.reduce((s, x) => s + x.credits, 0n);
          const earned = settlements.reduce((s, x) => s + x.nodeAmount, 0n);
          const chrono = [...settlements].reverse().slice(-24);
          return (
            <>
              <Stats>
                <Stat label="Nodes" value={nodes.length} />
                <Stat label="Settlements" value={total} />
                <Stat
                  label="Credits settled"
                  value={formatCredits(credits)}
                  hint={total > MAX_SETTLEMENTS ? `newest ${MAX_SETTLEMENTS}` : undefined}
                />
                <Stat label="Node revenue" value={formatDimo(earned)} />
              </Stats>
              <Card title="Nodes" wide>
                {nodes.length === 0 ? (
                  <Empty title="No nodes registered">
                    A node registers with its settlement key, endpoint and stake.
                  </Empty>
                ) : (
                  <Table
                    rows={nodes}
                    rowKey={(n) => n.nodeId.toString()}
                    columns={[
                      { label: "Node", render: (n) => `#${n.nodeId}` },
                      { label: "Endpoint", render: (n) => <span className="mono small">{n.endpoint}</span> },
                      { label: "Operator", render: (n) => <Account address={n.operator} /> },
                      { label: "Price list", render: (n) => `v${n.priceVersion}` },
                      { label: "Stake", align: "right", render: (n) => formatDimo(n.stake) },
                      { label: "Withdrawable", align: "right", render: (n) => formatDimo(n.withdrawable) },
                      { label: "Since", render: (n) => formatDateTime(n.registeredAt) },
                    ]}
                  />
                )}
              </Card>
              {chrono.length > 1 && (
                <Card title="Credits per settlement" wide>
                  <BarChart
                    labels={chrono.map((s) => `#${s.settlementId}`)}
                    series={[{ name: "credits", values: chrono.map((s) => Number(s.credits)) }]}
                    unit="credits"
                  />
                </Card>
              )}
              <Card title="Settlements" wide>
                {settlements.length === 0 ? (
                  <Empty title="Nothing settled yet">
                    The node's settlement job submits batches of charged requests once they are a minute old.
                  </Empty>
                ) : (
                  <Table
                    rows={settlements}
                    rowKey={(s) => s.settlementId.toString()}
                    columns={[
                      { label: "#", render: (s) => s.settlementId.toString() },
                      { label: "Node", render: (s) => `#${s.nodeId}` },
                      { label: "Licence", render: (s) => `#${s.licenseId}` },
                      {
                        label: "Records",
                        align: "right",
                        render: (s) => s.recordCount.toLocaleString("en-GB"),
                      },
                      { label: "Credits", align: "right", render: (s) => formatCredits(s.credits) },
                      { label: "Node share", align: "right", render: (s) => formatDimo(s.nodeAmount) },
                      { label: "Settled", render: (s) => formatDateTime(s.settledAt) },
                      {
                        label: "Status",
                        render: (s) => <Badge tone={TONE[s.status] ?? "neutral"}>{humanize(s.status)}</Badge>,
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
