/**
 * What the console asks the node's identity GraphQL (DIMO's identity-api shapes over the
 * node's chain index): an owner's vehicles with their devices and grants, an owner's devices.
 */
import { decodePermissions, PRIVILEGE_IDS, type PrivilegeId, privilegeTokenName } from "@dimo-open/protocol";
import { type DimoClient, DimoGraphQLError } from "@dimo-open/sdk";
import type { Address } from "viem";

export async function identityQuery<T>(
  client: DimoClient,
  query: string,
  variables?: Record<string, unknown>,
) {
  const r = await client.identity<T>(query, variables);
  if (r.errors?.length) throw new DimoGraphQLError(r.errors, r.data);
  return r.data;
}

export interface SacdNode {
  grantee: Address;
  permissions: string;
  source: string;
  createdAt: string;
  expiresAt: string;
}

export interface OwnedVehicle {
  tokenId: number;
  tokenDID: string;
  mintedAt: string;
  definition: { make: string | null; model: string | null; year: number | null } | null;
  manufacturer: { tokenId: number; name: string } | null;
  aftermarketDevice: {
    tokenId: number;
    serial: string | null;
    address: Address;
    pairedAt: string | null;
  } | null;
  sacds: { nodes: SacdNode[] };
}

export const VEHICLES_QUERY = `query OwnerVehicles($owner: Address!) {
  vehicles(first: 100, filterBy: { owner: $owner }) {
    totalCount
    nodes {
      tokenId tokenDID mintedAt
      definition { make model year }
      manufacturer { tokenId name }
      aftermarketDevice { tokenId serial address pairedAt }
      sacds(first: 100) { nodes { grantee permissions source createdAt expiresAt } }
    }
  }
}`;

export async function ownedVehicles(client: DimoClient, owner: Address): Promise<OwnedVehicle[]> {
  const data = await identityQuery<{ vehicles: { nodes: OwnedVehicle[] } }>(client, VEHICLES_QUERY, {
    owner,
  });
  return [...data.vehicles.nodes].sort((a, b) => a.tokenId - b.tokenId);
}

export interface OwnedDevice {
  tokenId: number;
  tokenDID: string;
  address: Address;
  serial: string | null;
  mintedAt: string;
  claimedAt: string | null;
  pairedAt: string | null;
  manufacturer: { tokenId: number; name: string } | null;
  vehicle: {
    tokenId: number;
    definition: { make: string | null; model: string | null; year: number | null } | null;
  } | null;
}

export const DEVICES_QUERY = `query OwnerDevices($owner: Address!) {
  aftermarketDevices(first: 100, filterBy: { owner: $owner }) {
    nodes {
      tokenId tokenDID address serial mintedAt claimedAt pairedAt
      manufacturer { tokenId name }
      vehicle { tokenId definition { make model year } }
    }
  }
}`;

export async function ownedDevices(client: DimoClient, owner: Address): Promise<OwnedDevice[]> {
  const data = await identityQuery<{ aftermarketDevices: { nodes: OwnedDevice[] } }>(client, DEVICES_QUERY, {
    owner,
  });
  return [...data.aftermarketDevices.nodes].sort((a, b) => a.tokenId - b.tokenId);
}

/** "2021 Toyota Prius", or the token when the definition is empty. */
export function vehicleName(v: Pick<OwnedVehicle, "tokenId" | "definition">): string {
  const d = v.definition;
  const name = [d?.year, d?.make, d?.model]
    .filter((x) => x !== null && x !== undefined && x !== "")
    .join(" ");
  return name || `Vehicle #${v.tokenId}`;
}

/** What a privilege lets an app do, in an owner's words. */
export const PRIVILEGE_DESCRIPTIONS: Record<PrivilegeId, string> = {
  1: "Read history except location",
  2: "Send commands",
  3: "Read current location",
  4: "Read location history",
  5: "Read the VIN credential",
  6: "Read live data",
  7: "Read raw data",
  8: "Read approximate location",
};

export interface GrantView {
  grantee: Address;
  privileges: { id: PrivilegeId; name: string; description: string }[];
  source: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The identity API's grants (hex 2-bit masks) as privileges an owner can read. */
export function grantsFromSacds(sacds: readonly SacdNode[]): GrantView[] {
  return sacds
    .map((s) => ({
      grantee: s.grantee,
      privileges: decodePermissions(BigInt(s.permissions))
        .filter((id): id is PrivilegeId => (PRIVILEGE_IDS as readonly number[]).includes(id))
        .map((id) => ({
          id,
          name: privilegeTokenName(id).slice("privilege:".length),
          description: PRIVILEGE_DESCRIPTIONS[id],
        })),
      source: s.source,
      createdAt: new Date(s.createdAt),
      expiresAt: new Date(s.expiresAt),
    }))
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}
