import { dimoBalanceOf, getLicense, getMakerStake, stakeLicense } from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { hardwareOf } from "../../chain/network.ts";
import { formatDateTime, formatDimo, humanize, parseDimo } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Grid, KeyValues, Page, Stat, Stats } from "../../ui/layout.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { Account } from "../shared.tsx";
import { WithManufacturer } from "./maker.tsx";

export function MakerStake() {
  return (
    <Page
      title="Licence & stake"
      subtitle="Your licence is valid while its stake meets the requirement and nothing suspended it."
    >
      <WithManufacturer>{(m) => <StakeView manufacturerId={m.tokenId} name={m.name} />}</WithManufacturer>
    </Page>
  );
}

function StakeView(props: { manufacturerId: bigint; name: string }) {
  const { network } = useConsole();
  const { account } = useWallet();
  const writer = useWriter();
  const action = useAction();
  const [amount, setAmount] = useState("");
  const data = useAsync(async () => {
    const hw = hardwareOf(network);
    const [license, stake, balance] = await Promise.all([
      getLicense(hw, props.manufacturerId),
      getMakerStake(hw, props.manufacturerId),
      account ? dimoBalanceOf(hw, account.address) : Promise.resolve(0n),
    ]);
    return { license, stake, balance };
  }, [network, props.manufacturerId, account?.address]);
  return (
    <Async state={data} label="Reading the licence…">
      {({ license: l, stake, balance }) => {
        const short = l.requirement > l.stake ? l.requirement - l.stake : 0n;
        return (
          <>
            <Stats>
              <Stat
                label="Licence"
                value={
                  <Badge tone={l.valid ? "good" : "bad"}>
                    {l.valid ? "valid" : l.status === "active" ? "invalid: under-staked" : humanize(l.status)}
                  </Badge>
                }
                hint={`${props.name} · #${props.manufacturerId}`}
              />
              <Stat
                label="Licence stake"
                value={formatDimo(l.stake)}
                hint={`requirement ${formatDimo(l.requirement)}`}
              />
              <Stat label="Stake of uninstalled devices" value={formatDimo(stake.pendingDevices)} />
              <Stat label="Total at stake" value={formatDimo(stake.total)} />
            </Stats>
            <Grid>
              <Card title="Licence">
                <KeyValues
                  items={[
                    ["Status", humanize(l.status)],
                    ["Kind", l.temporary ? `temporary, until ${formatDateTime(l.expiresAt)}` : "permanent"],
                    ["Regions", l.regions.join(", ") || "—"],
                    ["Issued", l.issuedAt ? formatDateTime(l.issuedAt) : "—"],
                    ["Own stake", formatDimo(l.ownStake)],
                    [
                      "Loaned stake",
                      l.loanStake ? (
                        <span key="l">
                          {formatDimo(l.loanStake)} from <Account address={l.lender} />
                        </span>
                      ) : (
                        "none"
                      ),
                    ],
                    ["Open challenges", String(l.openChallenges)],
                    [
                      "Stake withdrawable",
                      l.withdrawableAt ? formatDateTime(l.withdrawableAt) : "while the licence runs: never",
                    ],
                  ]}
                />
              </Card>
              <Card title="Add stake">
                <p>
                  {short > 0n ? (
                    <strong>
                      {formatDimo(short)} short of the requirement: minting is blocked until you stake it.
                    </strong>
                  ) : (
                    "The requirement is met. Extra stake stays slashable until the licence ends."
                  )}
                </p>
                <p className="muted">Your balance: {formatDimo(balance)}.</p>
                <Form
                  onSubmit={() =>
                    action
                      .run("Staking", () =>
                        stakeLicense(writer!, {
                          manufacturerId: props.manufacturerId,
                          amount: parseDimo(amount),
                        }),
                      )
                      .then((r) => r && data.reload())
                  }
                >
                  <Field label="Amount (DIMO)">
                    <input
                      inputMode="decimal"
                      value={amount}
                      onChange={(e) => setAmount(e.target.value)}
                      placeholder={short > 0n ? (Number(short / 10n ** 18n) + 1).toString() : "1000"}
                      required
                    />
                  </Field>
                  <Button submit disabled={!writer || action.pending}>
                    Stake
                  </Button>
                </Form>
                <ActionStatus state={action.state} />
              </Card>
            </Grid>
          </>
        );
      }}
    </Async>
  );
}
