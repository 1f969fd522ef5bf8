import { dimoBalanceOf } from "@dimo-open/protocol";
import { useConsole } from "../app/context.tsx";
import { Link } from "../app/router.tsx";
import { formatDimo, formatNumber } from "../format.ts";
import { Async, useAsync } from "../ui/async.tsx";
import { AddressText, Badge, Card, Grid, KeyValues, Page, Stat, Stats } from "../ui/layout.tsx";
import { ErrorBox } from "../ui/states.tsx";
import { useWallet } from "../wallet/WalletProvider.tsx";

const START: Record<string, [string, string]> = {
  owner: ["/owner/vehicles", "See your vehicles"],
  developer: ["/developer/licenses", "Manage your licences"],
  maker: ["/maker/stake", "See your licence and stake"],
  network: ["/network/manufacturers", "Look at the network"],
};

export function Overview() {
  const { network, node } = useConsole();
  const { account } = useWallet();
  const balances = useAsync(async () => {
    if (!account) return undefined;
    const [eth, dimo] = await Promise.all([
      network.publicClient.getBalance({ address: account.address }),
      dimoBalanceOf(network.reader, account.address),
    ]);
    return { eth, dimo };
  }, [network, account?.address]);
  const nodeInfo = useAsync(() => node.info(), [node]);
  const start = START[account?.role ?? "owner"]!;
  return (
    <Page
      title="Overview"
      subtitle="Vehicles, apps, makers and the network they share: one console for each of them."
    >
      {account && (
        <Stats>
          <Stat label="Account" value={<AddressText address={account.address} label={account.label} />} />
          <Stat label="DIMO" value={balances.data ? formatDimo(balances.data.dimo) : "…"} />
          <Stat label="Gas" value={balances.data ? formatDimo(balances.data.eth, "ETH") : "…"} />
          <Stat label="Start here" value={<Link to={start[0]}>{start[1]} →</Link>} />
        </Stats>
      )}
      <Grid>
        <Card title="Chain">
          <KeyValues
            items={[
              ["Chain id", String(network.config.chainId)],
              [
                "RPC",
                <span key="r" className="mono small">
                  {network.config.rpcUrl}
                </span>,
              ],
              ["Vehicle registry", <AddressText key="v" address={network.config.addresses.vehicleId} />],
              [
                "Hardware contracts",
                network.config.hardware ? (
                  <Badge key="h" tone="good">
                    deployed
                  </Badge>
                ) : (
                  <Badge key="h">not deployed</Badge>
                ),
              ],
              [
                "Rewards",
                network.config.rewards ? (
                  <Badge key="w" tone="good">
                    deployed
                  </Badge>
                ) : (
                  <Badge key="w">not deployed</Badge>
                ),
              ],
              [
                "Payments",
                network.config.payments ? (
                  <Badge key="p" tone="good">
                    deployed
                  </Badge>
                ) : (
                  <Badge key="p">not deployed</Badge>
                ),
              ],
            ]}
          />
        </Card>
        <Card title="Node">
          {nodeInfo.error ? (
            <ErrorBox
              title={`The node at ${node.nodeUrl} did not answer`}
              error={nodeInfo.error}
              onRetry={nodeInfo.reload}
            />
          ) : (
            <Async state={nodeInfo} label="Asking the node what it offers…">
              {(info) => (
                <KeyValues
                  items={[
                    [
                      "URL",
                      <span key="u" className="mono small">
                        {node.nodeUrl}
                      </span>,
                    ],
                    [
                      "Issuer",
                      <span key="i" className="mono small">
                        {info.issuer}
                      </span>,
                    ],
                    [
                      "Chain",
                      info.chainId === network.config.chainId ? (
                        <Badge key="c" tone="good">
                          same chain ({info.chainId})
                        </Badge>
                      ) : (
                        <Badge key="c" tone="bad">
                          chain {formatNumber(info.chainId)}: not this console's
                        </Badge>
                      ),
                    ],
                    [
                      "Vehicle registry",
                      info.vehicleContract.toLowerCase() ===
                      network.config.addresses.vehicleId.toLowerCase() ? (
                        <Badge key="v" tone="good">
                          matches
                        </Badge>
                      ) : (
                        <Badge key="v" tone="bad">
                          another deployment
                        </Badge>
                      ),
                    ],
                  ]}
                />
              )}
            </Async>
          )}
        </Card>
      </Grid>
    </Page>
  );
}
