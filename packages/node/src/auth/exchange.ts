import {
  erc721Did,
  getGrant,
  getGrantedPrivileges,
  InvalidDidError,
  isPrivilegeId,
  type PrivilegeId,
  type ProtocolReader,
  parseErc721Did,
  privilegeFromName,
  privilegeTokenName,
  UnknownPrivilegeError,
  vehicleIdAbi,
} from "@dimo-open/protocol";
import { type Address, getAddress, isAddress } from "viem";
import { ApiError, badRequest, forbidden } from "../api/errors.ts";
import type { KeyRing } from "./keyRing.ts";
import { type DeveloperIdentity, VEHICLE_TOKEN_AUDIENCE } from "./tokens.ts";

export interface ExchangeOptions {
  chain: ProtocolReader;
  chainId: number;
  keys: KeyRing;
  issuer: string;
  /** Vehicle token lifetime (DIMO: 10 minutes); never beyond the grant's own expiry. */
  tokenLifetimeSeconds: number;
}

export interface ExchangeRequest {
  tokenId: bigint;
  privileges: PrivilegeId[];
}

export interface ExchangeResult {
  token: string;
  tokenId: bigint;
  grantee: Address;
  privileges: PrivilegeId[];
  expiresAt: number;
}

/**
 * Parses either body DIMO's token exchange accepts: legacy `{nftContractAddress, privileges,
 * tokenId}` (the data-sdk's) or `{asset: "did:erc721:…", permissions: ["privilege:…"]}`.
 */
export function parseExchangeRequest(
  body: Record<string, unknown>,
  vehicleContract: Address,
  chainId: number,
): ExchangeRequest {
  let contract: Address;
  let tokenId: bigint;
  let privileges: PrivilegeId[];
  if (typeof body.asset === "string") {
    let did: ReturnType<typeof parseErc721Did>;
    try {
      did = parseErc721Did(body.asset);
    } catch (error) {
      if (error instanceof InvalidDidError) throw badRequest("invalid_asset", error.message);
      throw error;
    }
    if (did.chainId !== chainId) {
      throw badRequest(
        "invalid_asset",
        `Asset ${body.asset} is on chain ${did.chainId}; this node serves chain ${chainId}.`,
      );
    }
    contract = did.contract;
    tokenId = did.tokenId;
    if (!Array.isArray(body.permissions) || body.permissions.length === 0 || body.permissions.length > 16) {
      throw badRequest(
        "invalid_request",
        '`permissions` must list 1–16 names like "privilege:GetNonLocationHistory".',
      );
    }
    privileges = body.permissions.map((name) => {
      if (typeof name !== "string")
        throw badRequest("invalid_privilege", `Permission ${JSON.stringify(name)} is not a string.`);
      try {
        return privilegeFromName(name);
      } catch (error) {
        if (error instanceof UnknownPrivilegeError) throw badRequest("invalid_privilege", error.message);
        throw error;
      }
    });
  } else {
    const address = body.nftContractAddress;
    if (typeof address !== "string" || !isAddress(address, { strict: false })) {
      throw badRequest(
        "invalid_request",
        'Send {nftContractAddress, privileges, tokenId} or {asset: "did:erc721:…", permissions: ["privilege:…"]}.',
      );
    }
    contract = getAddress(address);
    const raw = body.tokenId;
    if (
      !(typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) &&
      !(typeof raw === "string" && /^[0-9]{1,78}$/.test(raw))
    ) {
      throw badRequest("invalid_request", `tokenId ${JSON.stringify(raw)} must be a non-negative integer.`);
    }
    tokenId = BigInt(raw);
    if (!Array.isArray(body.privileges) || body.privileges.length === 0 || body.privileges.length > 16) {
      throw badRequest("invalid_request", "`privileges` must list 1–16 privilege ids, e.g. [1, 4].");
    }
    privileges = body.privileges.map((id) => {
      if (!isPrivilegeId(id)) {
        throw badRequest(
          "invalid_privilege",
          `Unknown privilege id ${JSON.stringify(id)}: expected integers 1–8.`,
        );
      }
      return id;
    });
  }
  if (contract !== vehicleContract) {
    throw badRequest(
      "invalid_asset",
      `Contract ${contract} is not this node's vehicle registry (${vehicleContract}); exchange tokens for vehicles only.`,
    );
  }
  return { tokenId, privileges: [...new Set(privileges)].sort((a, b) => a - b) };
}

/**
 * The per-vehicle token: issued only for privileges the on-chain grant holds right now (expiry,
 * template deactivation and transfers are the chain's to decide), and never outliving the grant.
 */
export async function exchangeVehicleToken(
  o: ExchangeOptions,
  developer: DeveloperIdentity,
  request: ExchangeRequest,
): Promise<ExchangeResult> {
  if (developer.kind === "user") return exchangeOwnerToken(o, developer.address, request);
  if (developer.licenseId === undefined) {
    throw forbidden(
      "not_a_license",
      "Only developer licences and vehicle owners exchange vehicle tokens; sign in with a licence's client id or the owner's wallet.",
    );
  }
  const asset = o.chain.addresses.vehicleId;
  const grantee = developer.address;
  let held: number[];
  let grant: Awaited<ReturnType<typeof getGrant>>;
  let block: { timestamp: bigint };
  try {
    [held, grant, block] = await Promise.all([
      getGrantedPrivileges(o.chain, { asset, tokenId: request.tokenId, grantee, wanted: request.privileges }),
      getGrant(o.chain, { asset, tokenId: request.tokenId, grantee }),
      o.chain.publicClient.getBlock(),
    ]);
  } catch (error) {
    await requireVehicle(o, request.tokenId);
    throw error;
  }
  const missing = request.privileges.filter((p) => !held.includes(p));
  const did = erc721Did(o.chainId, asset, request.tokenId);
  if (missing.length > 0) {
    await requireVehicle(o, request.tokenId);
    throw forbidden(
      "missing_privileges",
      `Address ${grantee} lacks permissions [${missing.map(privilegeTokenName).join(" ")}] for asset ${did}`,
      { missing: missing.map(privilegeTokenName) },
    );
  }
  // Chain time decides expiry (the devnet's clock can be moved); never hand out a token that outlives the grant.
  const chainNow = Number(block.timestamp);
  let lifetime = o.tokenLifetimeSeconds;
  if (grant.inForce && grant.expiration > 0n)
    lifetime = Math.min(lifetime, Number(grant.expiration) - chainNow);
  if (lifetime <= 0)
    throw new ApiError(403, "grant_expired", `The grant on ${did} to ${grantee} has expired.`);
  const permissions = request.privileges.map(privilegeTokenName);
  const token = await o.keys.sign(
    {
      token_use: "vehicle",
      asset: did,
      permissions,
      contract_address: asset,
      token_id: request.tokenId.toString(),
      privilege_ids: request.privileges,
      ethereum_address: grantee,
      developer_license_id: developer.licenseId.toString(),
    },
    { issuer: o.issuer, audience: [VEHICLE_TOKEN_AUDIENCE], subject: did, expiresInSeconds: lifetime },
  );
  return {
    token,
    tokenId: request.tokenId,
    grantee,
    privileges: request.privileges,
    expiresAt: Math.floor(Date.now() / 1000) + lifetime,
  };
}

/**
 * The owner's own token: a wallet signed in through /auth/web3/* (a `user` token) gets a vehicle
 * token for a vehicle it owns, with any privileges it asks for (the owner holds every privilege).
 * Ownership is read from the chain at exchange, so a vehicle sold a block ago is refused; the
 * token carries `developer_license_id: "0"` and `owner: true`, and queries made with it are not
 * charged (an owner reads their own data for free, within the rate limits).
 */
async function exchangeOwnerToken(
  o: ExchangeOptions,
  wallet: Address,
  request: ExchangeRequest,
): Promise<ExchangeResult> {
  const asset = o.chain.addresses.vehicleId;
  const did = erc721Did(o.chainId, asset, request.tokenId);
  let owner: Address;
  try {
    owner = getAddress(
      await o.chain.publicClient.readContract({
        address: asset,
        abi: vehicleIdAbi,
        functionName: "ownerOf",
        args: [request.tokenId],
      }),
    );
  } catch (error) {
    await requireVehicle(o, request.tokenId);
    throw error;
  }
  if (owner !== wallet) {
    throw forbidden(
      "not_owner",
      `Address ${wallet} does not own ${did} and holds no licence; sign in with the owner's wallet, or with a developer licence the owner granted privileges to.`,
    );
  }
  const lifetime = o.tokenLifetimeSeconds;
  const token = await o.keys.sign(
    {
      token_use: "vehicle",
      asset: did,
      permissions: request.privileges.map(privilegeTokenName),
      contract_address: asset,
      token_id: request.tokenId.toString(),
      privilege_ids: request.privileges,
      ethereum_address: wallet,
      developer_license_id: "0",
      owner: true,
    },
    { issuer: o.issuer, audience: [VEHICLE_TOKEN_AUDIENCE], subject: did, expiresInSeconds: lifetime },
  );
  return {
    token,
    tokenId: request.tokenId,
    grantee: wallet,
    privileges: request.privileges,
    expiresAt: Math.floor(Date.now() / 1000) + lifetime,
  };
}

/** A token that does not exist holds no grant (or makes reads revert): answer 404, not 403 or 500. */
async function requireVehicle(o: ExchangeOptions, tokenId: bigint): Promise<void> {
  const exists = await o.chain.publicClient
    .readContract({
      address: o.chain.addresses.vehicleId,
      abi: vehicleIdAbi,
      functionName: "exists",
      args: [tokenId],
    })
    .catch(() => true);
  if (!exists) throw new ApiError(404, "NOT_FOUND", `No vehicle with token id ${tokenId}.`);
}
