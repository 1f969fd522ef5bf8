import {
  creditBalance,
  devLicenseAbi,
  disableSigner,
  enableSigner,
  getDevLicense,
  setDevLicenseAlias,
  setRedirectUri,
} from "@dimo-open/protocol";
import { useState } from "react";
import { getAddress, isAddress } from "viem";
import { consoleOrigin, useConsole, useWriter } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { paymentsOf, scanEvents } from "../../chain/network.ts";
import { formatCredits, formatDateTime } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { AddressText, Badge, Card, Grid, KeyValues, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { Account } from "../shared.tsx";

export function DeveloperLicense(props: { tokenId: bigint }) {
  const { network } = useConsole();
  const { account } = useWallet();
  const writer = useWriter();
  const action = useAction();
  const license = useAsync(async () => {
    const info = await getDevLicense(network.reader, props.tokenId);
    const c = { address: network.config.addresses.devLicense, abi: devLicenseAbi } as const;
    const enabled = await scanEvents(network, {
      ...c,
      eventName: "SignerEnabled",
      args: { tokenId: props.tokenId },
    });
    const addresses = [...new Set(enabled.map((e) => e.args.signer!))];
    const signers = await Promise.all(
      addresses.map(async (signer) => ({
        signer,
        expiresAt: await network.publicClient.readContract({
          ...c,
          functionName: "signerExpiry",
          args: [props.tokenId, signer],
        }),
      })),
    );
    const credits = network.config.payments
      ? await creditBalance(paymentsOf(network), props.tokenId)
      : undefined;
    return { ...info, signers: signers.filter((s) => s.expiresAt > 0n), credits };
  }, [network, props.tokenId]);
  const [signer, setSigner] = useState("");
  const [days, setDays] = useState(365);
  const [uri, setUri] = useState(consoleOrigin());
  const [alias, setAlias] = useState("");
  const tx = <T,>(label: string, f: () => Promise<T>) =>
    action.run(label, f).then((r) => r && license.reload());
  return (
    <Async state={license} label="Reading the licence…">
      {(l) => {
        const mine = account?.address === l.owner;
        const can = !!writer && mine && !action.pending;
        return (
          <Page
            title={`Licence #${l.tokenId}${l.alias ? ` · ${l.alias}` : ""}`}
            subtitle={mine ? "Yours." : "Owned by another account: read-only."}
            actions={<Link to="/developer/licenses">← Licences</Link>}
          >
            <Grid>
              <Card title="Identity">
                <KeyValues
                  items={[
                    ["Client id", <AddressText key="c" address={l.clientId} />],
                    ["Owner", <Account key="o" address={l.owner} />],
                    ["Alias", l.alias || "—"],
                    [
                      "On-chain credits",
                      l.credits === undefined ? "payments not deployed" : formatCredits(l.credits),
                    ],
                  ]}
                />
                <Form
                  inline
                  onSubmit={() =>
                    tx("Setting the alias", () =>
                      setDevLicenseAlias(writer!, { tokenId: l.tokenId, alias: alias.trim() }),
                    )
                  }
                >
                  <input
                    aria-label="New alias"
                    value={alias}
                    onChange={(e) => setAlias(e.target.value)}
                    placeholder="new alias"
                    required
                  />
                  <Button submit kind="secondary" disabled={!can}>
                    Set alias
                  </Button>
                </Form>
              </Card>
              <Card
                title="Signer keys"
                actions={<span className="muted small">keys that may sign in as this licence</span>}
              >
                {l.signers.length === 0 ? (
                  <Empty title="No signer">Enable a key to sign in to nodes with this licence.</Empty>
                ) : (
                  <Table
                    rows={l.signers}
                    rowKey={(s) => s.signer}
                    columns={[
                      { label: "Key", render: (s) => <Account address={s.signer} /> },
                      {
                        label: "Expires",
                        render: (s) =>
                          Number(s.expiresAt) * 1000 < Date.now() ? (
                            <Badge tone="bad">expired</Badge>
                          ) : (
                            formatDateTime(s.expiresAt)
                          ),
                      },
                      {
                        label: "",
                        align: "right",
                        render: (s) => (
                          <Button
                            kind="danger"
                            disabled={!can}
                            onClick={() =>
                              tx("Disabling the signer", () =>
                                disableSigner(writer!, { tokenId: l.tokenId, signer: s.signer }),
                              )
                            }
                          >
                            Disable
                          </Button>
                        ),
                      },
                    ]}
                  />
                )}
                <Form
                  onSubmit={() =>
                    tx("Enabling the signer", async () => {
                      const text = signer.trim() || account!.address;
                      if (!isAddress(text, { strict: false }))
                        throw new Error(`"${text}" is not an address.`);
                      const expiresAt = BigInt(Math.floor(Date.now() / 1000) + days * 86400);
                      return enableSigner(writer!, {
                        tokenId: l.tokenId,
                        signer: getAddress(text),
                        expiresAt,
                      });
                    })
                  }
                >
                  <Field label="Key address" hint="Empty: the selected account.">
                    <input
                      value={signer}
                      onChange={(e) => setSigner(e.target.value)}
                      placeholder={account?.address}
                    />
                  </Field>
                  <Field label="Valid for (days)">
                    <input
                      type="number"
                      min={1}
                      max={3650}
                      value={days}
                      onChange={(e) => setDays(Number(e.target.value))}
                    />
                  </Field>
                  <Button submit disabled={!can}>
                    Enable signer
                  </Button>
                </Form>
              </Card>
              <Card title="Redirect URIs" actions={<span className="muted small">the sign-in domains</span>}>
                {l.redirectUris.length === 0 ? (
                  <Empty title="No redirect URI">
                    Sign-in needs at least one; add this console's to sign in from here.
                  </Empty>
                ) : (
                  <Table
                    rows={[...l.redirectUris]}
                    rowKey={(u) => u}
                    columns={[
                      { label: "URI", render: (u) => <span className="mono">{u}</span> },
                      {
                        label: "",
                        align: "right",
                        render: (u) => (
                          <Button
                            kind="danger"
                            disabled={!can}
                            onClick={() =>
                              tx("Removing the URI", () =>
                                setRedirectUri(writer!, { tokenId: l.tokenId, uri: u, enabled: false }),
                              )
                            }
                          >
                            Remove
                          </Button>
                        ),
                      },
                    ]}
                  />
                )}
                <Form
                  inline
                  onSubmit={() =>
                    tx("Adding the URI", () =>
                      setRedirectUri(writer!, { tokenId: l.tokenId, uri: uri.trim(), enabled: true }),
                    )
                  }
                >
                  <input
                    aria-label="Redirect URI"
                    value={uri}
                    onChange={(e) => setUri(e.target.value)}
                    required
                    type="url"
                  />
                  <Button submit disabled={!can}>
                    Add
                  </Button>
                </Form>
              </Card>
            </Grid>
            <ActionStatus state={action.state} />
          </Page>
        );
      }}
    </Async>
  );
}
