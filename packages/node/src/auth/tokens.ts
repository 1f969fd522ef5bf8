import { type Address, getAddress, isAddress } from "viem";
import { unauthorized } from "../api/errors.ts";
import { InvalidTokenError, type KeyRing } from "./keyRing.ts";

/** What a developer (or wallet) token says about its holder, after verification. */
export interface DeveloperIdentity {
  kind: "developer" | "user";
  /** The checksummed client id (a licence account) or wallet address. */
  address: Address;
  /** Developer licence token id; only for `kind: "developer"`. */
  licenseId?: bigint;
}

/** What a verified vehicle token allows. */
export interface VehicleGrant {
  /** Grantee: the licence's client id (the owner's wallet for an owner token). */
  grantee: Address;
  licenseId: bigint;
  vehicleContract: Address;
  tokenId: bigint;
  asset: string;
  privileges: readonly number[];
  expiresAt: number;
  /** The vehicle's owner's own token (licence 0): its queries are not charged. */
  owner: boolean;
}

/** DIMO's vehicle-token audience; the data-sdk and DIMO's services expect exactly this. */
export const VEHICLE_TOKEN_AUDIENCE = "dimo.zone";

export async function verifyDeveloperToken(
  keys: KeyRing,
  issuer: string,
  token: string | undefined,
): Promise<DeveloperIdentity> {
  if (!token) {
    throw unauthorized(
      "missing_token",
      "Send the developer token from /auth/web3/submit_challenge as `Authorization: Bearer <token>`.",
    );
  }
  const claims = await verifyOrThrow(keys, issuer, token);
  const use = claims.token_use;
  const address = claims.ethereum_address;
  if ((use !== "developer" && use !== "user") || typeof address !== "string" || !isAddress(address)) {
    throw unauthorized(
      "wrong_token",
      "This is not a developer token; sign in at /auth/web3/submit_challenge.",
    );
  }
  const identity: DeveloperIdentity = { kind: use, address: getAddress(address) };
  if (use === "developer") identity.licenseId = BigInt(String(claims.developer_license_id));
  return identity;
}

export async function verifyVehicleToken(
  keys: KeyRing,
  issuer: string,
  token: string | undefined,
): Promise<VehicleGrant> {
  if (!token) {
    throw unauthorized(
      "missing_token",
      "Send the vehicle token from /v1/tokens/exchange as `Authorization: Bearer <token>`.",
    );
  }
  const claims = await verifyOrThrow(keys, issuer, token, VEHICLE_TOKEN_AUDIENCE);
  if (claims.token_use !== "vehicle" || !Array.isArray(claims.privilege_ids)) {
    throw unauthorized("wrong_token", "This is not a vehicle token; exchange one at /v1/tokens/exchange.");
  }
  return {
    grantee: getAddress(String(claims.ethereum_address)),
    licenseId: BigInt(String(claims.developer_license_id)),
    vehicleContract: getAddress(String(claims.contract_address)),
    tokenId: BigInt(String(claims.token_id)),
    asset: String(claims.asset),
    privileges: (claims.privilege_ids as unknown[]).map(Number),
    expiresAt: Number(claims.exp),
    owner: claims.owner === true,
  };
}

async function verifyOrThrow(keys: KeyRing, issuer: string, token: string, audience?: string) {
  try {
    return await keys.verify(token, { issuer, ...(audience ? { audience } : {}) });
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw unauthorized("invalid_token", `The bearer token was rejected: ${error.message}.`);
    }
    throw error;
  }
}
