import type { Address } from "viem";

/**
 * What the identity index answers, shaped for the identity API (DIMO's identity-api): block
 * times as `Date`, chain-supplied deadlines (grant and signer expiries, which may be far beyond
 * what a Date holds) as Unix seconds in a bigint.
 */

export interface Manufacturer {
  tokenId: bigint;
  name: string;
  owner: Address;
  mintedAt: Date;
  attributes: Record<string, string>;
}

export interface Vehicle {
  tokenId: bigint;
  owner: Address;
  manufacturerId: bigint;
  make: string;
  model: string;
  year: number;
  definitionUri: string;
  mintedAt: Date;
  /** The aftermarket device paired with it now, if any. */
  aftermarketDeviceId: bigint | undefined;
}

export interface AftermarketDevice {
  tokenId: bigint;
  manufacturerId: bigint;
  /** Its current secure-element address. */
  address: Address;
  owner: Address;
  serial: string;
  claimed: boolean;
  /** When it was first paired (its installation). */
  installedAt: Date | undefined;
  /** The vehicle it is paired with now, if any. */
  vehicleId: bigint | undefined;
  mintedAt: Date;
  banned: boolean;
}

export interface Pairing {
  deviceId: bigint;
  vehicleId: bigint;
  pairedAt: Date;
  unpairedAt: Date | undefined;
}

/**
 * Why a stored grant is or is not in force. The chain keeps grants it no longer honours (after a
 * transfer or a template's deactivation); the index keeps them too and says why.
 */
export type GrantStatus =
  | "active"
  | "expired"
  /** The token changed hands (or was burned) since the grant: every grant on it is void. */
  | "asset_transferred"
  /** Made from a template since deactivated. */
  | "template_revoked"
  /** The grantor no longer owns the token. */
  | "grantor_not_owner"
  /** The token is not in the index (burned, or never seen). */
  | "asset_missing";

export interface Grant {
  asset: Address;
  tokenId: bigint;
  grantee: Address;
  /** DIMO's 2-bit-per-privilege mask. */
  permissions: bigint;
  /** The privilege ids the mask grants. */
  privileges: number[];
  /** Unix seconds; the grant lapses at this second. */
  expiresAt: bigint;
  /** URI of the signed terms document. */
  source: string;
  grantor: Address;
  tokenVersion: bigint;
  templateId: bigint | undefined;
  templateEpoch: bigint | undefined;
  createdAt: Date;
  status: GrantStatus;
}

export interface DevLicenseSigner {
  address: Address;
  /** Unix seconds. */
  expiresAt: bigint;
  enabledAt: Date;
}

export interface DevLicense {
  tokenId: bigint;
  owner: Address;
  /** The licence's ERC-1271 account: what apps sign in as. */
  clientId: Address;
  alias: string | undefined;
  issuedAt: Date;
  signers: DevLicenseSigner[];
  redirectUris: string[];
}

/** Cursor pagination (GraphQL Relay): `first`/`after` forwards, or `last`/`before` backwards. At most 100. */
export interface PageArgs {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

export interface Page<T> {
  nodes: T[];
  /** One opaque cursor per node. */
  cursors: string[];
  totalCount: number;
  pageInfo: { startCursor?: string; endCursor?: string; hasNextPage: boolean; hasPreviousPage: boolean };
}

export interface VehicleFilter {
  owner?: Address;
  /** Only vehicles this account holds an in-force grant on. */
  privileged?: Address;
  manufacturerId?: bigint;
  make?: string;
  model?: string;
  year?: number;
  /** When to evaluate `privileged` grants' expiry. Default: now. */
  at?: Date;
}

export interface DeviceFilter {
  owner?: Address;
  manufacturerId?: bigint;
}

/** A reward paid on DimoRewards: a vehicle's amount (DIMO wei) for a week, sent to its beneficiary. */
export interface RewardClaim {
  week: bigint;
  vehicleId: bigint;
  beneficiary: Address;
  amount: bigint;
  claimedAt: Date;
}

/** A published week of rewards (DimoRewards' root), as the chain's events left it. */
export interface RewardsWeek {
  week: bigint;
  root: string;
  /** DIMO wei promised to the week, and paid out so far (by `claims` claims). */
  total: bigint;
  claimed: bigint;
  claims: number;
  inputsHash: string;
  inputsUri: string;
  publisher: Address;
  publishedAt: Date;
  /** When its challenge window ends (claims open then, unless challenged). */
  finalAt: Date;
  status: "pending" | "challenged" | "confirmed" | "rejected";
}
