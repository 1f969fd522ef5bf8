import {
  deviceBeneficiary,
  getDeviceVesting,
  isDeviceBanned,
  setDeviceBeneficiary,
} from "@dimo-open/protocol";
import { useState } from "react";
import { getAddress, isAddress, zeroAddress } from "viem";
import { useConsole, useWriter } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { hardwareOf, rewardsOf } from "../../chain/network.ts";
import { formatDate, formatDimo } from "../../format.ts";
import { ownedDevices, vehicleName } from "../../node/identity.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { Account, NeedsWallet } from "../shared.tsx";

export function OwnerDevices() {
  const { network, node } = useConsole();
  const { account } = useWallet();
  const devices = useAsync(async () => {
    if (!account) return [];
    const list = await ownedDevices(node.public, account.address);
    return Promise.all(
      list.map(async (d) => {
        const id = BigInt(d.tokenId);
        const hw = network.config.hardware ? hardwareOf(network) : undefined;
        const [vesting, banned, beneficiary] = await Promise.all([
          hw ? getDeviceVesting(hw, id) : undefined,
          hw ? isDeviceBanned(hw, id) : false,
          network.config.rewards ? deviceBeneficiary(rewardsOf(network), id) : undefined,
        ]);
        return { ...d, vesting, banned, beneficiary };
      }),
    );
  }, [network, node, account?.address]);
  return (
    <Page
      title="My devices"
      subtitle="Aftermarket devices you own: pairing, the maker's stake held for you, where rewards go."
    >
      <NeedsWallet what="see your devices">
        <Async state={devices} label="Reading your devices…">
          {(list) =>
            list.length === 0 ? (
              <Card>
                <Empty title="No devices">
                  Claim a device (pair it with the mobile app or dimo device claim) to see it here.
                </Empty>
              </Card>
            ) : (
              <Card wide>
                <Table
                  rows={list}
                  rowKey={(d) => String(d.tokenId)}
                  columns={[
                    {
                      label: "Device",
                      render: (d) => (
                        <>
                          <strong>#{d.tokenId}</strong>{" "}
                          {d.serial && <span className="muted">{d.serial}</span>}
                          <br />
                          <span className="small">{d.manufacturer?.name}</span>
                        </>
                      ),
                    },
                    { label: "Secure element", render: (d) => <Account address={d.address} /> },
                    {
                      label: "Vehicle",
                      render: (d) =>
                        d.vehicle ? (
                          <Link to={`/owner/vehicles/${d.vehicle.tokenId}`}>{vehicleName(d.vehicle)}</Link>
                        ) : (
                          <span className="muted">not paired</span>
                        ),
                    },
                    {
                      label: "Status",
                      render: (d) =>
                        d.banned ? (
                          <Badge tone="bad">banned</Badge>
                        ) : d.vesting?.failure && d.vesting.failure !== "none" ? (
                          <Badge tone="warn">{d.vesting.failure} reported</Badge>
                        ) : d.pairedAt ? (
                          <Badge tone="good">installed {formatDate(d.pairedAt)}</Badge>
                        ) : (
                          <Badge>claimed</Badge>
                        ),
                    },
                    {
                      label: "Stake locked for you",
                      render: (d) =>
                        d.vesting?.installed ? (
                          <span title="Paid to you month by month if the device fails">
                            {formatDimo(d.vesting.locked)} · {d.vesting.paidTranches}/24 paid
                          </span>
                        ) : (
                          <span className="muted">—</span>
                        ),
                    },
                    {
                      label: "Rewards go to",
                      render: (d) => (
                        <Beneficiary
                          deviceId={BigInt(d.tokenId)}
                          current={d.beneficiary}
                          onChange={devices.reloadAfterWrite}
                        />
                      ),
                    },
                  ]}
                />
              </Card>
            )
          }
        </Async>
      </NeedsWallet>
    </Page>
  );
}

function Beneficiary(props: { deviceId: bigint; current: string | undefined; onChange: () => void }) {
  const writer = useWriter();
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  if (props.current === undefined) return <span className="muted">—</span>;
  if (!editing)
    return (
      <span>
        {props.current === zeroAddress ? "you (the owner)" : <Account address={props.current} />}{" "}
        <button type="button" className="link-button" onClick={() => setEditing(true)} disabled={!writer}>
          change
        </button>
      </span>
    );
  return (
    <Form
      inline
      onSubmit={() =>
        action
          .run("Setting the beneficiary", async () => {
            const text = value.trim();
            if (text && !isAddress(text, { strict: false }))
              throw new Error(`"${text}" is not an address; leave empty to clear.`);
            return setDeviceBeneficiary(writer!, {
              deviceId: props.deviceId,
              beneficiary: text ? getAddress(text) : zeroAddress,
            });
          })
          .then((r) => {
            if (r) {
              setEditing(false);
              props.onChange();
            }
          })
      }
    >
      <input
        aria-label="Beneficiary"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="0x… (empty: you)"
      />
      <Button submit disabled={action.pending}>
        Save
      </Button>
      <ActionStatus state={action.state} />
    </Form>
  );
}
