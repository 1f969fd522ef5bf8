import type { Address } from "viem";
import { devLicenseAbi } from "../artifacts/index.ts";
import { eventOf, type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";

const contract = (client: ProtocolReader) =>
  ({ address: client.addresses.devLicense, abi: devLicenseAbi }) as const;

/** Issues a developer licence to the caller; its client id is an ERC-1271 account contract. */
export async function issueDevLicense(client: ProtocolClient, p: { alias?: string } = {}) {
  const result = await writeContract(client, {
    ...contract(client),
    functionName: "issue",
    args: [p.alias ?? ""],
  });
  const { tokenId, clientId } = eventOf(result, "LicenseIssued", client.addresses.devLicense).args as {
    tokenId: bigint;
    clientId: Address;
  };
  return { ...result, tokenId, clientId };
}

export function enableSigner(
  client: ProtocolClient,
  p: { tokenId: bigint; signer: Address; expiresAt: bigint },
) {
  return writeContract(client, {
    ...contract(client),
    functionName: "enableSigner",
    args: [p.tokenId, p.signer, p.expiresAt],
  });
}

export function disableSigner(client: ProtocolClient, p: { tokenId: bigint; signer: Address }) {
  return writeContract(client, {
    ...contract(client),
    functionName: "disableSigner",
    args: [p.tokenId, p.signer],
  });
}

export function setRedirectUri(
  client: ProtocolClient,
  p: { tokenId: bigint; uri: string; enabled: boolean },
) {
  return writeContract(client, {
    ...contract(client),
    functionName: "setRedirectUri",
    args: [p.tokenId, p.uri, p.enabled],
  });
}

export function setDevLicenseAlias(client: ProtocolClient, p: { tokenId: bigint; alias: string }) {
  return writeContract(client, { ...contract(client), functionName: "setAlias", args: [p.tokenId, p.alias] });
}

export interface DevLicenseInfo {
  tokenId: bigint;
  owner: Address;
  clientId: Address;
  alias: string;
  redirectUris: readonly string[];
}

export async function getDevLicense(client: ProtocolReader, tokenId: bigint): Promise<DevLicenseInfo> {
  const r = <F extends "ownerOf" | "clientIdOf" | "aliasOf" | "redirectUris">(functionName: F) =>
    client.publicClient.readContract({ ...contract(client), functionName, args: [tokenId] } as never);
  const [owner, clientId, alias, redirectUris] = (await Promise.all([
    r("ownerOf"),
    r("clientIdOf"),
    r("aliasOf"),
    r("redirectUris"),
  ])) as [Address, Address, string, readonly string[]];
  return { tokenId, owner, clientId, alias, redirectUris };
}

/** Licence id for a client id (0n when it is not a licence). */
export function devLicenseIdOfClient(client: ProtocolReader, clientId: Address): Promise<bigint> {
  return client.publicClient.readContract({
    ...contract(client),
    functionName: "tokenIdOfClient",
    args: [clientId],
  });
}

/** True when `signer` is an enabled, unexpired signer of the licence. */
export function isDevLicenseSigner(
  client: ProtocolReader,
  p: { tokenId: bigint; signer: Address },
): Promise<boolean> {
  return client.publicClient.readContract({
    ...contract(client),
    functionName: "isSigner",
    args: [p.tokenId, p.signer],
  });
}
