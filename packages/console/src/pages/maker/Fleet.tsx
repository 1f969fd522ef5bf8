import { useMemo } from "react";
import { consoleOrigin, useConsole, useMessageSigner } from "../../app/context.tsx";
import { fleetFigures } from "../../data/fleet.ts";
import {
  formatDate,
  formatDateTime,
  formatDimo,
  formatNumber,
  formatRelative,
  humanize,
} from "../../format.ts";
import { DEVICE_STATUSES, type DeviceHealth, PerformanceService } from "../../node/performance.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart, LineChart } from "../../ui/charts.tsx";
import { Badge, Card, KeyValues, Page, Stat, Stats, Table, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { FLEET_READ_LIMIT, fleetRecords, mintedBatches } from "./fleetData.ts";
import { listModels, WithManufacturer } from "./maker.tsx";

export function MakerFleet() {
  return (
    <Page
      title="Fleet performance"
      subtitle="How your devices do in the field: the node's live health figures, and the installs and failure reports on chain."
    >
      <WithManufacturer>{(m) => <FleetView manufacturerId={m.tokenId} />}</WithManufacturer>
    </Page>
  );
}

/** The node's live figures for the maker's devices: status, uptime, traffic, lag, problems. */
function NodeHealth(props: { manufacturerId: bigint }) {
  const { network, node } = useConsole();
  const { account } = useWallet();
  const signer = useMessageSigner();
  const service = useMemo(() => new PerformanceService(node.nodeUrl), [node]);
  const data = useAsync(
    async () => {
      const [group, models] = await Promise.all([
        service.manufacturer(props.manufacturerId),
        listModels(network, props.manufacturerId),
      ]);
      const perModel = await Promise.all(
        models.map(async (m) => ({ name: m.name, figures: await service.model(m.modelId) })),
      );
      let devices: DeviceHealth[] = [];
      if (account && signer) {
        // A device's own record is for its maker: sign in with the maker's wallet (once per session).
        const session = await node.asAccount({ address: account.address, signer, domain: consoleOrigin() });
        const ids = (await mintedBatches(network, props.manufacturerId))
          .flatMap((b) => Array.from({ length: b.count }, (_, i) => b.firstTokenId + BigInt(i)))
          .slice(-100);
        devices = (await Promise.all(ids.map((id) => service.device(id, session.developerToken!)))).filter(
          (d): d is DeviceHealth => d !== undefined,
        );
      }
      return { group, perModel, devices };
    },
    [service, network, props.manufacturerId, account?.address, signer],
    { refreshMs: 30_000 },
  );
  return (
    <Card
      title="Health at this node"
      wide
      actions={
        <span className="muted small">the node's device-performance service · refreshes every 30 s</span>
      }
    >
      <Async state={data} label="Reading the node's performance figures…">
        {({ group: g, perModel, devices }) =>
          g.devices === 0 ? (
            <Empty title="The node has not heard from your devices">
              Figures appear once your devices send data to this node.
            </Empty>
          ) : (
            <>
              <Stats>
                <Stat label="Devices heard from" value={formatNumber(g.devices)} />
                <Stat
                  label="Uptime"
                  value={`${formatNumber(g.uptime * 100, 1)} %`}
                  hint="mean share of time reachable"
                />
                <Stat
                  label="Messages"
                  value={`${formatNumber(g.messagesPerHour, 1)} / h`}
                  hint="per device"
                />
                <Stat label="Delivery lag" value={formatLag(g.meanLagMs)} hint="event time to reception" />
              </Stats>
              <div className="chart-grid">
                <div>
                  <h3>Devices by status</h3>
                  <BarChart
                    labels={[...DEVICE_STATUSES]}
                    series={[{ name: "devices", values: DEVICE_STATUSES.map((s) => g.byStatus[s] ?? 0) }]}
                    unit="devices"
                  />
                </div>
                {perModel.some((m) => m.figures.devices > 0) && (
                  <div>
                    <h3>Uptime by model</h3>
                    <BarChart
                      labels={perModel.map((m) => m.name)}
                      series={[
                        {
                          name: "uptime",
                          values: perModel.map((m) => Math.round(m.figures.uptime * 1000) / 10),
                        },
                      ]}
                      unit="%"
                    />
                  </div>
                )}
              </div>
              <KeyValues
                items={[
                  ["Signature failures", formatNumber(g.signatureFailures, 0)],
                  ["Garbage frames", formatNumber(g.garbage, 0)],
                  ["Clock rejections", formatNumber(g.clockRejections, 0)],
                  ["Dropped samples", formatNumber(g.droppedSamples, 0)],
                  ["Sequence gaps", formatNumber(g.sequenceGaps, 0)],
                  ["Outages", formatNumber(g.outages, 0)],
                  [
                    "Open problems",
                    Object.entries(g.problems)
                      .map(([k, n]) => `${humanize(k)} ×${n}`)
                      .join(", ") || "none",
                  ],
                ]}
              />
              {devices.length > 0 && (
                <Table
                  rows={devices}
                  rowKey={(d) => d.device}
                  columns={[
                    { label: "Device", render: (d) => `#${d.deviceId ?? "?"}` },
                    {
                      label: "Status",
                      render: (d) => <Badge tone={STATUS_TONE[d.status]}>{humanize(d.status)}</Badge>,
                    },
                    {
                      label: "Uptime",
                      align: "right",
                      render: (d) => `${formatNumber(d.uptime * 100, 1)} %`,
                    },
                    {
                      label: "Messages / h",
                      align: "right",
                      render: (d) => formatNumber(d.messagesPerHour, 1),
                    },
                    { label: "Last heard", render: (d) => formatRelative(new Date(d.lastSeenAt)) },
                    {
                      label: "Problems",
                      render: (d) =>
                        d.problems.map((p) => humanize(p.kind)).join(", ") || (
                          <span className="muted">none</span>
                        ),
                    },
                  ]}
                />
              )}
            </>
          )
        }
      </Async>
    </Card>
  );
}

function formatLag(ms: number | undefined): string {
  if (ms === undefined) return "—";
  return ms < 1000 ? `${formatNumber(ms, 0)} ms` : `${formatNumber(ms / 1000, 1)} s`;
}

const STATUS_TONE: Record<string, Tone> = {
  new: "info",
  healthy: "good",
  offline: "warn",
  malfunction: "bad",
  disconnected: "bad",
};

function FleetView(props: { manufacturerId: bigint }) {
  const { network } = useConsole();
  const data = useAsync(async () => {
    const [{ records, total }, block] = await Promise.all([
      fleetRecords(network, props.manufacturerId),
      network.publicClient.getBlock(),
    ]);
    return { records, total, figures: fleetFigures(records, Number(block.timestamp)) };
  }, [network, props.manufacturerId]);
  return (
    <Async state={data} label="Reading your devices' stake records…">
      {({ records, total, figures: f }) =>
        total === 0 ? (
          <Card>
            <Empty title="No devices minted">Mint devices to see how they do once installed.</Empty>
          </Card>
        ) : (
          <>
            {total > records.length && (
              <p className="muted">
                Figures over your newest {formatNumber(FLEET_READ_LIMIT)} of {formatNumber(total)} devices.
              </p>
            )}
            <NodeHealth manufacturerId={props.manufacturerId} />
            <h2 className="section-title">On chain: installs, failure reports and stake</h2>
            <Stats>
              <Stat label="Minted" value={formatNumber(total)} />
              <Stat
                label="Installed"
                value={formatNumber(f.installed)}
                hint={`${formatNumber((f.installed / Math.max(1, f.minted)) * 100, 1)} % of minted`}
              />
              <Stat
                label="Failure rate"
                value={`${formatNumber(f.failureRate * 100, 1)} %`}
                hint={`${f.malfunctions} malfunctions · ${f.disconnections} disconnections`}
              />
              <Stat label="Stake locked in installed devices" value={formatDimo(f.locked)} />
            </Stats>
            <div className="chart-grid">
              <Card title="Installs and failures per week">
                <BarChart
                  labels={f.weeks.map((w) => formatDate(w).replace(/ \d{4}$/, ""))}
                  series={[
                    { name: "installed", values: f.installsPerWeek },
                    { name: "failure reported", values: f.failuresPerWeek },
                  ]}
                  unit="devices"
                />
              </Card>
              <Card title="Working devices at week end">
                <LineChart
                  series={[
                    {
                      name: "working",
                      points: f.weeks.map((w, i) => ({
                        x: (w + 7 * 86400) * 1000,
                        y: f.workingAtWeekEnd[i]!,
                      })),
                    },
                  ]}
                  unit="devices"
                  zero
                />
              </Card>
            </div>
            <Card title="Failure reports" wide>
              {f.failed === 0 ? (
                <Empty title="No failures reported">
                  Every installed device is working as far as the performance reporter knows.
                </Empty>
              ) : (
                <Table
                  rows={records.filter((r) => r.failure !== "none")}
                  rowKey={(r) => r.deviceId.toString()}
                  columns={[
                    { label: "Device", render: (r) => `#${r.deviceId}` },
                    { label: "Failure", render: (r) => <Badge tone="warn">{humanize(r.failure)}</Badge> },
                    { label: "Reported", render: (r) => formatDateTime(r.failedAt) },
                    { label: "Installed", render: (r) => formatDateTime(r.installedAt) },
                    { label: "Tranches paid", align: "right", render: (r) => `${r.paidTranches}/24` },
                    { label: "Dispute", render: (r) => (r.disputed ? <Badge tone="info">open</Badge> : "—") },
                  ]}
                />
              )}
            </Card>
          </>
        )
      }
    </Async>
  );
}
