import { consoleOrigin, useConsole, useMessageSigner } from "../../../app/context.tsx";
import { formatDateTime, formatShortDateTime, humanize } from "../../../format.ts";
import { Async, useAsync } from "../../../ui/async.tsx";
import { Badge, Card, Table } from "../../../ui/layout.tsx";
import { Empty } from "../../../ui/states.tsx";
import { useWallet } from "../../../wallet/WalletProvider.tsx";
import { Grantee } from "../../shared.tsx";

/** Who read what about the vehicle, newest first (the node's access log; owners only). */
export function AccessLogCard(props: { tokenId: bigint }) {
  const { node } = useConsole();
  const { account } = useWallet();
  const signer = useMessageSigner();
  const log = useAsync(async () => {
    if (!account || !signer) return [];
    const client = await node.asAccount({ address: account.address, signer, domain: consoleOrigin() });
    return (await client.accessLog(props.tokenId, { limit: 200 })).entries;
  }, [node, account?.address, signer, props.tokenId]);
  return (
    <Card title="Access log" wide actions={<span className="muted small">who read what, newest first</span>}>
      <Async state={log} label="Signing in and reading the access log…">
        {(entries) =>
          entries.length === 0 ? (
            <Empty title="Nobody has read this vehicle's data">
              Every token exchange, query and webhook delivery will be listed here.
            </Empty>
          ) : (
            <Table
              rows={entries}
              rowKey={(e) => `${e.at}-${e.grantee}-${e.operation}-${e.fields.join()}`}
              columns={[
                {
                  label: "When",
                  render: (e) => (
                    <span className="nowrap" title={formatDateTime(e.at)}>
                      {formatShortDateTime(e.at)}
                    </span>
                  ),
                },
                { label: "Who", render: (e) => <Grantee address={e.grantee} /> },
                { label: "Did", render: (e) => humanize(e.operation) },
                {
                  label: "Read",
                  render: (e) =>
                    e.fields.length ? (
                      <span className="small">
                        {e.fields.map((f) => humanize(f.replace(/^privilege:/, ""))).join(", ")}
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    ),
                },
                {
                  label: "Outcome",
                  render: (e) => (
                    <Badge tone={e.outcome === "ok" ? "good" : "bad"}>{humanize(e.outcome)}</Badge>
                  ),
                },
              ]}
            />
          )
        }
      </Async>
    </Card>
  );
}
