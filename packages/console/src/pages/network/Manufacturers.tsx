import { getLicense, getMakerStake } from "@dimo-open/protocol";
import { useConsole } from "../../app/context.tsx";
import { hardwareOf } from "../../chain/network.ts";
import { formatDimo, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { Badge, Card, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { mintedBatches } from "../maker/fleetData.ts";
import { Account, listManufacturers } from "../shared.tsx";

export function NetworkManufacturers() {
  const { network } = useConsole();
  const makers = useAsync(async () => {
    const list = await listManufacturers(network);
    const hw = network.config.hardware ? hardwareOf(network) : undefined;
    return Promise.all(
      list.map(async (m) => {
        if (!hw) return { ...m, license: undefined, stake: undefined, devices: undefined };
        const [license, stake, batches] = await Promise.all([
          getLicense(hw, m.tokenId),
          getMakerStake(hw, m.tokenId),
          mintedBatches(network, m.tokenId),
        ]);
        return { ...m, license, stake, devices: batches.reduce((s, b) => s + b.count, 0) };
      }),
    );
  }, [network]);
  return (
    <Page title="Manufacturers" subtitle="Every manufacturer identity, its licence and what it has at stake.">
      <Card wide>
        <Async state={makers} label="Reading manufacturers and licences…">
          {(list) =>
            list.length === 0 ? (
              <Empty title="No manufacturers">
                Approved licence applications mint manufacturer identities.
              </Empty>
            ) : (
              <Table
                rows={list}
                rowKey={(m) => m.tokenId.toString()}
                columns={[
                  {
                    label: "Manufacturer",
                    render: (m) => (
                      <>
                        <strong>{m.name}</strong> <span className="muted">#{m.tokenId.toString()}</span>
                      </>
                    ),
                  },
                  { label: "Owner", render: (m) => <Account address={m.owner} /> },
                  {
                    label: "Licence",
                    render: (m) =>
                      !m.license || m.license.status === "none" ? (
                        <Badge>none</Badge>
                      ) : (
                        <Badge tone={m.license.valid ? "good" : "bad"}>
                          {m.license.valid
                            ? `valid${m.license.temporary ? " (temporary)" : ""}`
                            : humanize(m.license.status)}
                        </Badge>
                      ),
                  },
                  { label: "Regions", render: (m) => m.license?.regions.join(", ") || "—" },
                  {
                    label: "Licence stake",
                    align: "right",
                    render: (m) =>
                      m.license
                        ? `${formatDimo(m.license.stake)} / ${formatDimo(m.license.requirement)}`
                        : "—",
                  },
                  {
                    label: "Device stake",
                    align: "right",
                    render: (m) => (m.stake ? formatDimo(m.stake.pendingDevices) : "—"),
                  },
                  { label: "Devices", align: "right", render: (m) => m.devices ?? "—" },
                  {
                    label: "Open challenges",
                    align: "right",
                    render: (m) => m.license?.openChallenges ?? "—",
                  },
                ]}
              />
            )
          }
        </Async>
      </Card>
    </Page>
  );
}
