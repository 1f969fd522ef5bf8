import { useConsole } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { formatDate } from "../../format.ts";
import { grantsFromSacds, ownedVehicles, vehicleName } from "../../node/identity.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { Badge, Card, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { NeedsWallet } from "../shared.tsx";

export function OwnerVehicles() {
  const { node } = useConsole();
  const { account } = useWallet();
  const vehicles = useAsync(
    () => (account ? ownedVehicles(node.public, account.address) : Promise.resolve([])),
    [node, account?.address],
  );
  return (
    <Page
      title="My vehicles"
      subtitle="Vehicles your account owns, with their devices and the apps you share data with."
    >
      <NeedsWallet what="see your vehicles">
        <Card>
          <Async state={vehicles} label="Reading your vehicles from the node's identity index…">
            {(list) =>
              list.length === 0 ? (
                <Empty title="No vehicles yet">
                  This account owns no vehicle identity. Minting one (dimo vehicle mint, or the mobile app)
                  makes it appear here.
                </Empty>
              ) : (
                <Table
                  rows={list}
                  rowKey={(v) => String(v.tokenId)}
                  columns={[
                    {
                      label: "Vehicle",
                      render: (v) => (
                        <Link to={`/owner/vehicles/${v.tokenId}`}>
                          <strong>{vehicleName(v)}</strong>
                        </Link>
                      ),
                    },
                    { label: "Token", render: (v) => <span className="mono">#{v.tokenId}</span> },
                    { label: "Manufacturer", render: (v) => v.manufacturer?.name ?? "—" },
                    {
                      label: "Device",
                      render: (v) =>
                        v.aftermarketDevice ? (
                          <Badge tone="good">paired · #{v.aftermarketDevice.tokenId}</Badge>
                        ) : (
                          <Badge>no device</Badge>
                        ),
                    },
                    {
                      label: "Shared with",
                      render: (v) => {
                        const n = grantsFromSacds(v.sacds.nodes).length;
                        return n === 0 ? (
                          <span className="muted">nobody</span>
                        ) : (
                          `${n} app${n === 1 ? "" : "s"}`
                        );
                      },
                    },
                    { label: "Minted", render: (v) => formatDate(v.mintedAt) },
                  ]}
                />
              )
            }
          </Async>
        </Card>
      </NeedsWallet>
    </Page>
  );
}
