/** Data and pieces several pages share: the account's manufacturers and licences, wallet gates. */
import {
  type DevLicenseInfo,
  devLicenseAbi,
  getDevLicense,
  isDevLicenseSigner,
  manufacturerIdAbi,
} from "@dimo-open/protocol";
import type { DimoClient } from "@dimo-open/sdk";
import type { ReactNode } from "react";
import type { Address } from "viem";
import { consoleOrigin, useConsole, useMessageSigner, useWriter } from "../app/context.tsx";
import { type Network, scanEvents } from "../chain/network.ts";
import { useAsync } from "../ui/async.tsx";
import { AddressText } from "../ui/layout.tsx";
import { Empty } from "../ui/states.tsx";
import { useWallet } from "../wallet/WalletProvider.tsx";

/** Renders children only when a wallet account can sign; otherwise says how to get one. */
export function NeedsWallet(props: { children: ReactNode; what?: string }) {
  const writer = useWriter();
  const wallet = useWallet();
  if (writer) return props.children;
  return (
    <Empty title="Connect a wallet">
      {wallet.wrongChainId !== undefined
        ? `Your wallet is on chain ${wallet.wrongChainId}; switch it to this network to ${props.what ?? "continue"}.`
        : `Choose an account at the top right to ${props.what ?? "continue"}.`}
    </Empty>
  );
}

/** An address with the demo account's name when it is one. */
export function Account(props: { address: string }) {
  const { labelOf } = useWallet();
  return <AddressText address={props.address} label={labelOf(props.address)} />;
}

export interface ManufacturerEntry {
  tokenId: bigint;
  name: string;
  owner: Address;
}

/** Every manufacturer identity with its current owner, from the registry's events and state. */
export async function listManufacturers(net: Network): Promise<ManufacturerEntry[]> {
  const c = { address: net.config.addresses.manufacturerId, abi: manufacturerIdAbi } as const;
  const minted = await scanEvents(net, { ...c, eventName: "ManufacturerMinted" });
  return Promise.all(
    minted.map(async (e) => {
      const tokenId = e.args.tokenId!;
      const owner = await net.publicClient.readContract({ ...c, functionName: "ownerOf", args: [tokenId] });
      return { tokenId, name: e.args.name!, owner };
    }),
  );
}

export interface OwnedLicense extends DevLicenseInfo {
  /** The selected account is an enabled, unexpired signer of the licence. */
  accountIsSigner: boolean;
}

/** Developer licences `owner` holds (licences are soulbound, so issuance events suffice). */
export async function listLicenses(net: Network, owner: Address): Promise<OwnedLicense[]> {
  const issued = await scanEvents(net, {
    address: net.config.addresses.devLicense,
    abi: devLicenseAbi,
    eventName: "LicenseIssued",
    args: { owner },
  });
  return Promise.all(
    issued.map(async (e) => {
      const info = await getDevLicense(net.reader, e.args.tokenId!);
      const accountIsSigner = await isDevLicenseSigner(net.reader, { tokenId: info.tokenId, signer: owner });
      return { ...info, accountIsSigner };
    }),
  );
}

/** Why a licence cannot sign in from this console yet, or undefined when it can. */
export function signInBlocker(license: OwnedLicense): string | undefined {
  if (!license.accountIsSigner)
    return "The selected account is not an enabled signer of this licence: enable it on the licence's page.";
  if (!license.redirectUris.includes(consoleOrigin()))
    return `Sign-in from the console needs ${consoleOrigin()} among the licence's redirect URIs: add it on the licence's page.`;
  return undefined;
}

/** Signs in to the node as a licence with the selected account (one signature per session). */
export function useLicenseSignIn(): ((license: OwnedLicense) => Promise<DimoClient>) | undefined {
  const { node } = useConsole();
  const signer = useMessageSigner();
  const { account } = useWallet();
  if (!signer || !account) return undefined;
  return async (license) => {
    const blocker = signInBlocker(license);
    if (blocker) throw new Error(blocker);
    return node.asLicense({
      clientId: license.clientId,
      signerAddress: account.address,
      signer,
      domain: consoleOrigin(),
    });
  };
}

/** 7 → "#7"; identity numbers read as such. */
export const id = (n: bigint | number) => `#${n.toString()}`;

const aliases = new Map<string, Promise<{ tokenId: bigint; alias: string; owner: Address } | undefined>>();

/** The developer licence behind a client id (cached per page load), or undefined for a plain account. */
export function licenseOfClient(net: Network, clientId: Address) {
  const key = `${net.config.chainId}:${clientId.toLowerCase()}`;
  let found = aliases.get(key);
  if (!found) {
    const c = { address: net.config.addresses.devLicense, abi: devLicenseAbi } as const;
    found = (async () => {
      const tokenId = await net.publicClient.readContract({
        ...c,
        functionName: "tokenIdOfClient",
        args: [clientId],
      });
      if (tokenId === 0n) return undefined;
      const [alias, owner] = await Promise.all([
        net.publicClient.readContract({ ...c, functionName: "aliasOf", args: [tokenId] }),
        net.publicClient.readContract({ ...c, functionName: "ownerOf", args: [tokenId] }),
      ]);
      return { tokenId, alias, owner };
    })();
    found.catch(() => aliases.delete(key));
    aliases.set(key, found);
  }
  return found;
}

/** A grantee: the app's licence alias and number when it is a licence, else the account. */
export function Grantee(props: { address: Address }) {
  const { network } = useConsole();
  const { account } = useWallet();
  const license = useAsync(() => licenseOfClient(network, props.address), [network, props.address]);
  if (!license.data) return <Account address={props.address} />;
  return (
    <span title={props.address}>
      <strong>
        {license.data.alias || (license.data.owner === account?.address ? "your own licence" : "unnamed app")}
      </strong>{" "}
      <span className="muted small">licence #{license.data.tokenId.toString()}</span>
    </span>
  );
}
