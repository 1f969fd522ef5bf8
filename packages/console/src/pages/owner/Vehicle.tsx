import { useConsole } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { formatDate } from "../../format.ts";
import { grantsFromSacds, ownedVehicles, vehicleName } from "../../node/identity.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, useAction } from "../../ui/form.tsx";
import { Card, KeyValues, Page, Split } from "../../ui/layout.tsx";
import { Empty, ErrorBox, Loading } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { NeedsWallet } from "../shared.tsx";
import { AccessLogCard } from "./vehicle/AccessLog.tsx";
import { NoReadAccessError, OWNER_READ_PRIVILEGES, useVehicleReader } from "./vehicle/access.tsx";
import { GrantsCard, ShareForm } from "./vehicle/Grants.tsx";
import { LatestSignals, SignalHistory, Trips } from "./vehicle/Signals.tsx";

export function OwnerVehicle(props: { tokenId: bigint }) {
  const { node } = useConsole();
  const { account } = useWallet();
  const vehicle = useAsync(async () => {
    if (!account) return undefined;
    return (
      (await ownedVehicles(node.public, account.address)).find((v) => BigInt(v.tokenId) === props.tokenId) ??
      null
    );
  }, [node, account?.address, props.tokenId]);
  return (
    <NeedsWallet what="see this vehicle">
      <Async state={vehicle} label="Reading the vehicle…">
        {(v) =>
          !v ? (
            <Page title={`Vehicle #${props.tokenId}`}>
              <Empty title="Not your vehicle" action={<Link to="/owner/vehicles">Back to my vehicles</Link>}>
                The selected account does not own vehicle #{props.tokenId.toString()}.
              </Empty>
            </Page>
          ) : (
            <Page
              title={vehicleName(v)}
              subtitle={<span className="mono">{v.tokenDID}</span>}
              actions={<Link to="/owner/vehicles">← My vehicles</Link>}
            >
              <Split>
                <Card title="Identity">
                  <KeyValues
                    items={[
                      ["Token", `#${v.tokenId}`],
                      ["Manufacturer", v.manufacturer?.name ?? "—"],
                      ["Minted", formatDate(v.mintedAt)],
                      [
                        "Device",
                        v.aftermarketDevice
                          ? `#${v.aftermarketDevice.tokenId}${v.aftermarketDevice.serial ? ` (${v.aftermarketDevice.serial})` : ""}, paired ${v.aftermarketDevice.pairedAt ? formatDate(v.aftermarketDevice.pairedAt) : ""}`
                          : "none paired",
                      ],
                    ]}
                  />
                </Card>
                <GrantsCard
                  tokenId={props.tokenId}
                  grants={grantsFromSacds(v.sacds.nodes)}
                  onChange={vehicle.reloadAfterWrite}
                />
              </Split>
              <Telemetry tokenId={props.tokenId} onAccessChanged={vehicle.reloadAfterWrite} />
              <Split>
                <ShareForm tokenId={props.tokenId} onChange={vehicle.reloadAfterWrite} />
                <AccessLogCard tokenId={props.tokenId} />
              </Split>
            </Page>
          )
        }
      </Async>
    </NeedsWallet>
  );
}

function Telemetry(props: { tokenId: bigint; onAccessChanged: () => void }) {
  const reader = useVehicleReader(props.tokenId);
  const setup = useAction();
  if (reader.data && !reader.error)
    return (
      <>
        <LatestSignals reader={reader.data} />
        <SignalHistory reader={reader.data} />
        <Trips reader={reader.data} />
      </>
    );
  if (reader.error instanceof NoReadAccessError)
    return (
      <Card title="Live signals and trips">
        <Empty
          title="Set up read access"
          action={
            reader.setUp && (
              <Button
                disabled={setup.pending}
                onClick={() => setup.run("Setting up read access", reader.setUp!).then(props.onAccessChanged)}
              >
                Set up read access
              </Button>
            )
          }
        >
          {reader.error.message} The console can issue you a personal developer licence, make your key its
          signer, add this console as its sign-in address and grant it privileges{" "}
          {OWNER_READ_PRIVILEGES.join(", ")} on this vehicle for a year (up to four transactions; you can
          revoke it under “Shared with”).
        </Empty>
        <ActionStatus state={setup.state} />
      </Card>
    );
  if (reader.error)
    return (
      <ErrorBox
        title="Could not read this vehicle's telemetry"
        error={reader.error}
        onRetry={reader.reload}
      />
    );
  return (
    <Card title="Live signals">
      <Loading label="Signing in to the node for this vehicle's data…" />
    </Card>
  );
}
