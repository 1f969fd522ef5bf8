import type { Address, Hex } from "viem";
import { permissionsAbi } from "../artifacts/index.ts";
import { eventOf, type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";
import { domainNames, protocolDomain, type TypedMessage, typedMessage } from "../eip712.ts";
import { decodePermissions, encodePermissions } from "../privileges.ts";

const contract = (client: ProtocolReader) =>
  ({ address: client.addresses.permissions, abi: permissionsAbi }) as const;

export interface GrantParams {
  /** ERC-721 contract; default: the vehicle registry. */
  asset?: Address;
  tokenId: bigint;
  grantee: Address;
  /** Privilege ids (1..8 for vehicles). */
  privileges: readonly number[];
  /** Unix seconds; the grant lapses at this second. */
  expiration: bigint;
  /** URI of the signed terms document. */
  source: string;
}

/** Grants privileges over a token the caller owns. */
export function grantPrivileges(client: ProtocolClient, p: GrantParams) {
  return writeContract(client, {
    ...contract(client),
    functionName: "grant",
    args: [
      p.asset ?? client.addresses.vehicleId,
      p.tokenId,
      p.grantee,
      encodePermissions(p.privileges),
      p.expiration,
      p.source,
    ],
  });
}

/** The `Grant` message an owner signs so that anyone can submit the grant for them. */
export async function grantMessage(
  client: ProtocolReader,
  p: GrantParams & { owner: Address; deadline: bigint },
): Promise<TypedMessage<"Grant">> {
  const [chainId, nonce] = await Promise.all([
    client.publicClient.getChainId(),
    client.publicClient.readContract({ ...contract(client), functionName: "nonces", args: [p.owner] }),
  ]);
  return typedMessage(
    protocolDomain(domainNames.permissions, chainId, client.addresses.permissions),
    "Grant",
    {
      asset: p.asset ?? client.addresses.vehicleId,
      tokenId: p.tokenId,
      grantee: p.grantee,
      permissions: encodePermissions(p.privileges),
      expiration: p.expiration,
      source: p.source,
      nonce,
      deadline: p.deadline,
    },
  );
}

export function grantWithSignature(client: ProtocolClient, message: TypedMessage<"Grant">, signature: Hex) {
  const m = message.message;
  return writeContract(client, {
    ...contract(client),
    functionName: "grantWithSignature",
    args: [
      m.asset,
      m.tokenId,
      m.grantee,
      m.permissions,
      m.expiration,
      m.source,
      m.nonce,
      m.deadline,
      signature,
    ],
  });
}

/** Revokes a grant (token owner). */
export function revokeGrant(
  client: ProtocolClient,
  p: { asset?: Address; tokenId: bigint; grantee: Address },
) {
  return writeContract(client, {
    ...contract(client),
    functionName: "revoke",
    args: [p.asset ?? client.addresses.vehicleId, p.tokenId, p.grantee],
  });
}

/** The caller, a grantee, gives up its grant. */
export function renounceGrant(client: ProtocolClient, p: { asset?: Address; tokenId: bigint }) {
  return writeContract(client, {
    ...contract(client),
    functionName: "renounce",
    args: [p.asset ?? client.addresses.vehicleId, p.tokenId],
  });
}

/** Creates a template of privileges and terms; returns its id. */
export async function createGrantTemplate(
  client: ProtocolClient,
  p: { asset?: Address; privileges: readonly number[]; source: string },
) {
  const result = await writeContract(client, {
    ...contract(client),
    functionName: "createTemplate",
    args: [p.asset ?? client.addresses.vehicleId, encodePermissions(p.privileges), p.source],
  });
  return { ...result, templateId: eventOf(result, "TemplateCreated").args.templateId };
}

/** (De)activates a template; deactivation revokes every grant made from it. */
export function setGrantTemplateActive(client: ProtocolClient, p: { templateId: bigint; active: boolean }) {
  return writeContract(client, {
    ...contract(client),
    functionName: "setTemplateActive",
    args: [p.templateId, p.active],
  });
}

export function grantFromTemplate(
  client: ProtocolClient,
  p: { asset?: Address; tokenId: bigint; grantee: Address; templateId: bigint; expiration: bigint },
) {
  return writeContract(client, {
    ...contract(client),
    functionName: "grantFromTemplate",
    args: [p.asset ?? client.addresses.vehicleId, p.tokenId, p.grantee, p.templateId, p.expiration],
  });
}

/**
 * The privileges (of `wanted`, default 1..8) that `grantee` holds over the token right now,
 * as the chain decides it: expiry, transfers, templates and ownership included.
 */
export async function getGrantedPrivileges(
  client: ProtocolReader,
  p: { asset?: Address; tokenId: bigint; grantee: Address; wanted?: readonly number[]; blockNumber?: bigint },
): Promise<number[]> {
  const mask = await client.publicClient.readContract({
    ...contract(client),
    functionName: "getPermissions",
    args: [
      p.asset ?? client.addresses.vehicleId,
      p.tokenId,
      p.grantee,
      encodePermissions(p.wanted ?? [1, 2, 3, 4, 5, 6, 7, 8]),
    ],
    ...(p.blockNumber === undefined ? {} : { blockNumber: p.blockNumber }),
  });
  return decodePermissions(mask);
}

export async function getGrant(
  client: ProtocolReader,
  p: { asset?: Address; tokenId: bigint; grantee: Address },
) {
  const [grant, inForce] = await client.publicClient.readContract({
    ...contract(client),
    functionName: "getGrant",
    args: [p.asset ?? client.addresses.vehicleId, p.tokenId, p.grantee],
  });
  return { ...grant, privileges: decodePermissions(grant.permissions), inForce };
}
