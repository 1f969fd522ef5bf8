import {
  devLicenseAbi,
  grantPrivileges,
  PRIVILEGE_IDS,
  type PrivilegeId,
  revokeGrant,
} from "@dimo-open/protocol";
import { useState } from "react";
import { type Address, getAddress, isAddress } from "viem";
import { useConsole, useWriter } from "../../../app/context.tsx";
import { formatDate, formatRelative } from "../../../format.ts";
import { type GrantView, PRIVILEGE_DESCRIPTIONS } from "../../../node/identity.ts";
import { ActionStatus, Button, Field, Form, useAction } from "../../../ui/form.tsx";
import { Badge, Card, Table } from "../../../ui/layout.tsx";
import { Empty } from "../../../ui/states.tsx";
import { Grantee } from "../../shared.tsx";

const PERIODS: [string, number][] = [
  ["1 day", 86400],
  ["7 days", 7 * 86400],
  ["30 days", 30 * 86400],
  ["90 days", 90 * 86400],
  ["1 year", 365 * 86400],
];

/** The grants in force on a vehicle: who, what, until when; revoke any of them. */
export function GrantsCard(props: { tokenId: bigint; grants: GrantView[]; onChange: () => void }) {
  const writer = useWriter();
  const action = useAction();
  return (
    <Card title="Shared with">
      {props.grants.length === 0 ? (
        <Empty title="Not shared">No app can read this vehicle's data. Share it below.</Empty>
      ) : (
        <Table
          rows={props.grants}
          rowKey={(g) => g.grantee}
          columns={[
            { label: "App (grantee)", render: (g) => <Grantee address={g.grantee} /> },
            {
              label: "May",
              render: (g) => (
                <div className="chips">
                  {g.privileges.map((p) => (
                    <Badge key={p.id} tone="info">
                      {p.description}
                    </Badge>
                  ))}
                </div>
              ),
            },
            {
              label: "Until",
              render: (g) => <span title={formatDate(g.expiresAt)}>{formatRelative(g.expiresAt)}</span>,
            },
            {
              label: "",
              align: "right",
              render: (g) => (
                <Button
                  kind="danger"
                  disabled={!writer || action.pending}
                  onClick={() =>
                    action
                      .run(`Revoking ${g.grantee.slice(0, 10)}…`, () =>
                        revokeGrant(writer!, { tokenId: props.tokenId, grantee: g.grantee }),
                      )
                      .then((r) => r && props.onChange())
                  }
                >
                  Revoke
                </Button>
              ),
            },
          ]}
        />
      )}
      <ActionStatus state={action.state} />
    </Card>
  );
}

/** Resolves what an owner types as the app: a licence alias, a client id or any address. */
async function resolveGrantee(
  input: string,
  read: (alias: string) => Promise<Address | undefined>,
): Promise<Address> {
  const text = input.trim();
  if (isAddress(text, { strict: false })) return getAddress(text);
  const found = await read(text);
  if (!found)
    throw new Error(`No developer licence has the alias "${text}"; enter its client id (0x…) instead.`);
  return found;
}

/** Share the vehicle with an app for a period: privileges to tick, a duration, optional terms. */
export function ShareForm(props: { tokenId: bigint; onChange: () => void }) {
  const { network } = useConsole();
  const writer = useWriter();
  const action = useAction();
  const [grantee, setGrantee] = useState("");
  const [period, setPeriod] = useState(30 * 86400);
  const [terms, setTerms] = useState("");
  const [privileges, setPrivileges] = useState<PrivilegeId[]>([1]);
  const toggle = (id: PrivilegeId) =>
    setPrivileges((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].sort()));
  const aliasToClient = async (alias: string) => {
    const c = { address: network.config.addresses.devLicense, abi: devLicenseAbi } as const;
    const tokenId = await network.publicClient.readContract({
      ...c,
      functionName: "tokenIdOfAlias",
      args: [alias],
    });
    if (tokenId === 0n) return undefined;
    return network.publicClient.readContract({ ...c, functionName: "clientIdOf", args: [tokenId] });
  };
  const submit = () =>
    action
      .run("Sharing", async () => {
        if (privileges.length === 0) throw new Error("Tick at least one thing the app may do.");
        const to = await resolveGrantee(grantee, aliasToClient);
        const expiration = BigInt(Math.floor(Date.now() / 1000) + period);
        return grantPrivileges(writer!, {
          tokenId: props.tokenId,
          grantee: to,
          privileges,
          expiration,
          source: terms.trim(),
        });
      })
      .then((r) => r && props.onChange());
  return (
    <Card title="Share with an app">
      <Form onSubmit={submit}>
        <Field label="App" hint="The app's developer licence alias or client id (0x…).">
          <input
            required
            value={grantee}
            onChange={(e) => setGrantee(e.target.value)}
            placeholder="my-fleet-app or 0x…"
          />
        </Field>
        <fieldset className="checks">
          <legend>It may</legend>
          {PRIVILEGE_IDS.map((id) => (
            <label key={id}>
              <input type="checkbox" checked={privileges.includes(id)} onChange={() => toggle(id)} />{" "}
              {PRIVILEGE_DESCRIPTIONS[id]}
            </label>
          ))}
        </fieldset>
        <Field label="For">
          <select value={period} onChange={(e) => setPeriod(Number(e.target.value))}>
            {PERIODS.map(([label, s]) => (
              <option key={s} value={s}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Terms (URI, optional)"
          hint="The document you agreed to with the app; recorded with the grant."
        >
          <input value={terms} onChange={(e) => setTerms(e.target.value)} placeholder="https://…" />
        </Field>
        <Button submit disabled={!writer || action.pending}>
          Share
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
