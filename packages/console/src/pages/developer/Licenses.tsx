import { issueDevLicense } from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { Link, navigate } from "../../app/router.tsx";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { AddressText, Badge, Card, Grid, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { listLicenses, NeedsWallet, signInBlocker } from "../shared.tsx";

export function DeveloperLicenses() {
  const { network } = useConsole();
  const { account } = useWallet();
  const licenses = useAsync(
    () => (account ? listLicenses(network, account.address) : Promise.resolve([])),
    [network, account?.address],
  );
  return (
    <Page
      title="Developer licences"
      subtitle="A licence is your app's identity: its client id signs in to nodes, owners grant it access to their vehicles."
    >
      <NeedsWallet what="see your licences">
        <Card wide>
          <Async state={licenses} label="Reading your licences…">
            {(list) =>
              list.length === 0 ? (
                <Empty title="No licence yet">
                  Issue one below; it is free and yours alone (licences cannot be transferred).
                </Empty>
              ) : (
                <Table
                  rows={list}
                  rowKey={(l) => String(l.tokenId)}
                  columns={[
                    {
                      label: "Licence",
                      render: (l) => (
                        <Link to={`/developer/licenses/${l.tokenId}`}>
                          <strong>#{l.tokenId.toString()}</strong>{" "}
                          {l.alias || <span className="muted">no alias</span>}
                        </Link>
                      ),
                    },
                    { label: "Client id", render: (l) => <AddressText address={l.clientId} /> },
                    { label: "Redirect URIs", render: (l) => l.redirectUris.length },
                    {
                      label: "Sign-in from here",
                      render: (l) => {
                        const blocker = signInBlocker(l);
                        return blocker ? (
                          <span title={blocker}>
                            <Badge tone="warn">set up needed</Badge>
                          </span>
                        ) : (
                          <Badge tone="good">ready</Badge>
                        );
                      },
                    },
                  ]}
                />
              )
            }
          </Async>
        </Card>
        <Grid>
          <IssueLicense onIssued={licenses.reload} />
        </Grid>
      </NeedsWallet>
    </Page>
  );
}

function IssueLicense(props: { onIssued: () => void }) {
  const writer = useWriter();
  const action = useAction();
  const [alias, setAlias] = useState("");
  return (
    <Card title="Issue a licence">
      <Form
        onSubmit={() =>
          action
            .run(
              "Issuing a licence",
              () => issueDevLicense(writer!, { alias: alias.trim() }),
              (r) => `Licence #${r.tokenId} issued.`,
            )
            .then((r) => {
              if (r) {
                props.onIssued();
                navigate(`/developer/licenses/${r.tokenId}`);
              }
            })
        }
      >
        <Field label="Alias (optional)" hint="A unique name owners can type instead of the client id.">
          <input
            value={alias}
            maxLength={64}
            onChange={(e) => setAlias(e.target.value)}
            placeholder="my-fleet-app"
          />
        </Field>
        <Button submit disabled={!writer || action.pending}>
          Issue
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
