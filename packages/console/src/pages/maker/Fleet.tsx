import { useConsole } from "../../app/context.tsx";
import { fleetFigures } from "../../data/fleet.ts";
import { formatDate, formatDateTime, formatDimo, formatNumber, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { BarChart, LineChart } from "../../ui/charts.tsx";
import { Badge, Card, Page, Stat, Stats, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { FLEET_READ_LIMIT, fleetRecords } from "./fleetData.ts";
import { WithManufacturer } from "./maker.tsx";

export function MakerFleet() {
  return (
    <Page
      title="Fleet performance"
      subtitle="Installs and failures of your devices in the field, from the failure reports the node's performance reporter files on chain."
    >
      <WithManufacturer>{(m) => <FleetView manufacturerId={m.tokenId} />}</WithManufacturer>
    </Page>
  );
}

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
