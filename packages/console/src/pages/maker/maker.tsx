/** The maker's manufacturer identity (the pages act for one), and the device categories. */
import { deviceModelsAbi, getDeviceModel } from "@dimo-open/protocol";
import { type ReactNode, useState } from "react";
import { useConsole } from "../../app/context.tsx";
import { Link } from "../../app/router.tsx";
import { hardwareOf, type Network, scanEvents } from "../../chain/network.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { Card } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { listManufacturers, type ManufacturerEntry, NeedsWallet } from "../shared.tsx";

export function WithManufacturer(props: { children: (m: ManufacturerEntry) => ReactNode }) {
  return (
    <NeedsWallet what="act as a maker">
      <Picker>{props.children}</Picker>
    </NeedsWallet>
  );
}

function Picker(props: { children: (m: ManufacturerEntry) => ReactNode }) {
  const { network } = useConsole();
  const { account } = useWallet();
  const [chosen, setChosen] = useState<bigint>();
  const mine = useAsync(async () => {
    hardwareOf(network);
    return (await listManufacturers(network)).filter((m) => m.owner === account?.address);
  }, [network, account?.address]);
  return (
    <Async state={mine} label="Reading your manufacturer identities…">
      {(list) => {
        if (list.length === 0)
          return (
            <Card>
              <Empty
                title="No manufacturer identity"
                action={<Link to="/maker/application">Apply for a licence</Link>}
              >
                This account operates no manufacturer. An approved licence application mints one.
              </Empty>
            </Card>
          );
        const m = list.find((x) => x.tokenId === chosen) ?? list[0]!;
        return (
          <>
            {list.length > 1 && (
              <div className="toolbar">
                <label>
                  Manufacturer{" "}
                  <select value={m.tokenId.toString()} onChange={(e) => setChosen(BigInt(e.target.value))}>
                    {list.map((x) => (
                      <option key={x.tokenId.toString()} value={x.tokenId.toString()}>
                        #{x.tokenId.toString()} {x.name}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
            )}
            {props.children(m)}
          </>
        );
      }}
    </Async>
  );
}

export interface CategoryEntry {
  id: bigint;
  name: string;
  perDeviceStake: bigint;
  underserved: boolean;
}

/** Device categories as last set (CategorySet events; a later event replaces an earlier one). */
export async function listCategories(net: Network): Promise<CategoryEntry[]> {
  const hw = hardwareOf(net);
  const events = await scanEvents(net, {
    address: hw.hardware.deviceModels,
    abi: deviceModelsAbi,
    eventName: "CategorySet",
  });
  const byId = new Map<bigint, CategoryEntry>();
  for (const e of events)
    byId.set(e.args.categoryId!, {
      id: e.args.categoryId!,
      name: e.args.name!,
      perDeviceStake: e.args.perDeviceStake!,
      underserved: e.args.underserved!,
    });
  return [...byId.values()];
}

/** The maker's device models with their certification records. */
export async function listModels(net: Network, manufacturerId: bigint) {
  const hw = hardwareOf(net);
  const submitted = await scanEvents(net, {
    address: hw.hardware.deviceModels,
    abi: deviceModelsAbi,
    eventName: "ModelSubmitted",
    args: { manufacturerId },
  });
  return Promise.all(submitted.map((e) => getDeviceModel(hw, e.args.modelId!)));
}
