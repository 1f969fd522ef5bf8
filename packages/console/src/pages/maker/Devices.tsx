import { getDeviceModel, mintLicensedDevices } from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { hardwareOf } from "../../chain/network.ts";
import { parseDeviceList } from "../../data/devices.ts";
import { formatDimo, formatNumber } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Card, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { mintedBatches } from "./fleetData.ts";
import { listModels, WithManufacturer } from "./maker.tsx";

export function MakerDevices() {
  return (
    <Page
      title="Device minting"
      subtitle="Mint device identities bound to their secure elements; each carries its category's stake."
    >
      <WithManufacturer>{(m) => <DevicesView manufacturerId={m.tokenId} />}</WithManufacturer>
    </Page>
  );
}

function DevicesView(props: { manufacturerId: bigint }) {
  const { network } = useConsole();
  const batches = useAsync(async () => {
    const hw = hardwareOf(network);
    const list = await mintedBatches(network, props.manufacturerId);
    const names = new Map<bigint, string>();
    for (const b of list)
      if (!names.has(b.modelId)) names.set(b.modelId, (await getDeviceModel(hw, b.modelId)).name);
    return list.reverse().map((b) => ({ ...b, modelName: names.get(b.modelId) ?? `#${b.modelId}` }));
  }, [network, props.manufacturerId]);
  return (
    <>
      <MintForm manufacturerId={props.manufacturerId} onMinted={batches.reload} />
      <Card title="Minted batches" wide>
        <Async state={batches} label="Reading your batches…">
          {(list) =>
            list.length === 0 ? (
              <Empty title="Nothing minted yet">
                Batches you mint are listed here with the stake each device carries.
              </Empty>
            ) : (
              <Table
                rows={list}
                rowKey={(b) => b.firstTokenId.toString()}
                columns={[
                  {
                    label: "Devices",
                    render: (b) =>
                      b.count === 1
                        ? `#${b.firstTokenId}`
                        : `#${b.firstTokenId} – #${b.firstTokenId + BigInt(b.count - 1)}`,
                  },
                  { label: "Model", render: (b) => b.modelName },
                  { label: "Count", align: "right", render: (b) => formatNumber(b.count) },
                  { label: "Stake each", align: "right", render: (b) => formatDimo(b.stakePerDevice) },
                  {
                    label: "Stake total",
                    align: "right",
                    render: (b) => formatDimo(b.stakePerDevice * BigInt(b.count)),
                  },
                  { label: "Block", align: "right", render: (b) => formatNumber(b.block) },
                ]}
              />
            )
          }
        </Async>
      </Card>
    </>
  );
}

function MintForm(props: { manufacturerId: bigint; onMinted: () => void }) {
  const { network } = useConsole();
  const writer = useWriter();
  const action = useAction();
  const models = useAsync(
    async () =>
      (await listModels(network, props.manufacturerId)).filter((m) => m.status === "certified" && !m.banned),
    [network, props.manufacturerId],
  );
  const [model, setModel] = useState("");
  const [list, setList] = useState("");
  return (
    <Card title="Mint a batch">
      <Async state={models}>
        {(certified) =>
          certified.length === 0 ? (
            <Empty title="No certified model">
              Devices can be minted only of a certified, unbanned model of yours.
            </Empty>
          ) : (
            <Form
              onSubmit={() =>
                action
                  .run(
                    "Minting",
                    () =>
                      mintLicensedDevices(writer!, {
                        manufacturerId: props.manufacturerId,
                        modelId: BigInt(model || certified[0]!.modelId.toString()),
                        devices: parseDeviceList(list),
                      }),
                    (r) => `Minted ${parseDeviceList(list).length} devices; ${formatDimo(r.staked)} staked.`,
                  )
                  .then((r) => {
                    if (r) {
                      setList("");
                      props.onMinted();
                    }
                  })
              }
            >
              <Field label="Model">
                <select value={model} onChange={(e) => setModel(e.target.value)}>
                  {certified.map((m) => (
                    <option key={m.modelId.toString()} value={m.modelId.toString()}>
                      {m.name} (#{m.modelId.toString()})
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                label="Devices"
                hint="One secure-element address per line, optionally followed by , serial (at most 500)."
              >
                <textarea
                  className="code"
                  rows={6}
                  value={list}
                  onChange={(e) => setList(e.target.value)}
                  required
                  placeholder={"0x…, SN-0001\n0x…, SN-0002"}
                />
              </Field>
              <Button submit disabled={!writer || action.pending}>
                Mint
              </Button>
            </Form>
          )
        }
      </Async>
      <ActionStatus state={action.state} />
    </Card>
  );
}
