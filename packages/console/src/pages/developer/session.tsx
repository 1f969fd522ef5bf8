import type { DimoClient } from "@dimo-open/sdk";
import { type ReactNode, useState } from "react";
import { useConsole } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { Async, useAsync } from "../../ui/async.tsx";
import { Card } from "../../ui/layout.tsx";
import { Empty, ErrorBox, Loading } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { listLicenses, NeedsWallet, type OwnedLicense, signInBlocker, useLicenseSignIn } from "../shared.tsx";

export interface DeveloperSession {
  license: OwnedLicense;
  client: DimoClient;
}

/**
 * Picks one of the account's licences and signs in to the node with it (once per session), then
 * renders the developer view with the signed-in client.
 */
export function WithLicenseSession(props: { children: (s: DeveloperSession) => ReactNode }) {
  return (
    <NeedsWallet what="use your licences">
      <Picker>{props.children}</Picker>
    </NeedsWallet>
  );
}

function Picker(props: { children: (s: DeveloperSession) => ReactNode }) {
  const { network } = useConsole();
  const { account } = useWallet();
  const licenses = useAsync(
    () => (account ? listLicenses(network, account.address) : Promise.resolve([])),
    [network, account?.address],
  );
  const [chosen, setChosen] = useState<bigint | undefined>();
  return (
    <Async state={licenses} label="Reading your licences…">
      {(list) => {
        if (list.length === 0)
          return (
            <Card>
              <Empty title="No licence" action={<Link to="/developer/licenses">Issue a licence</Link>}>
                Developer views act as one of your licences; this account holds none.
              </Empty>
            </Card>
          );
        const license =
          list.find((l) => l.tokenId === chosen) ?? list.find((l) => !signInBlocker(l)) ?? list[0]!;
        return (
          <>
            <div className="toolbar">
              <label>
                Acting as licence{" "}
                <select
                  value={license.tokenId.toString()}
                  onChange={(e) => setChosen(BigInt(e.target.value))}
                >
                  {list.map((l) => (
                    <option key={l.tokenId.toString()} value={l.tokenId.toString()}>
                      #{l.tokenId.toString()} {l.alias}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <SignedIn license={license}>{props.children}</SignedIn>
          </>
        );
      }}
    </Async>
  );
}

function SignedIn(props: { license: OwnedLicense; children: (s: DeveloperSession) => ReactNode }) {
  const signIn = useLicenseSignIn();
  const blocker = signInBlocker(props.license);
  const session = useAsync(
    async () => (blocker || !signIn ? undefined : signIn(props.license)),
    [props.license.tokenId, props.license.clientId, blocker, !!signIn],
  );
  if (blocker)
    return (
      <Card>
        <Empty
          title="This licence cannot sign in from here yet"
          action={<Link to={`/developer/licenses/${props.license.tokenId}`}>Open the licence</Link>}
        >
          {blocker}
        </Empty>
      </Card>
    );
  if (session.error)
    return <ErrorBox title="Sign-in to the node failed" error={session.error} onRetry={session.reload} />;
  if (!session.data) return <Loading label="Signing in to the node (your wallet signs the challenge)…" />;
  return props.children({ license: props.license, client: session.data });
}
