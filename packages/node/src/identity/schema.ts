import { defineTable, type Table } from "../chain/table.ts";

/**
 * The identity index's tables. Every row is derived from contract events only (so the index can
 * be rebuilt from the logs at any time). Addresses are stored EIP-55 checksummed, times the
 * chain gives in Unix seconds, `*Block` the block number of the event that wrote them.
 */

export type ManufacturerRow = {
  tokenId: bigint;
  name: string;
  owner: string;
  minter: string;
  mintedAt: bigint;
  mintedBlock: bigint;
};
export const manufacturers = defineTable<ManufacturerRow>({
  name: "identity_manufacturers",
  columns: {
    tokenId: "u64",
    name: "text",
    owner: "text",
    minter: "text",
    mintedAt: "u64",
    mintedBlock: "u64",
  },
  key: ["tokenId"],
  indexes: [["name"]],
});

export type ManufacturerAttributeRow = { manufacturerId: bigint; key: string; value: string };
export const manufacturerAttributes = defineTable<ManufacturerAttributeRow>({
  name: "identity_manufacturer_attributes",
  columns: { manufacturerId: "u64", key: "text", value: "text" },
  key: ["manufacturerId", "key"],
});

export type VehicleRow = {
  tokenId: bigint;
  manufacturerId: bigint;
  owner: string;
  make: string;
  model: string;
  year: number;
  definitionUri: string;
  mintedAt: bigint;
  mintedBlock: bigint;
};
export const vehicles = defineTable<VehicleRow>({
  name: "identity_vehicles",
  columns: {
    tokenId: "u64",
    manufacturerId: "u64",
    owner: "text",
    make: "text",
    model: "text",
    year: "int",
    definitionUri: "text",
    mintedAt: "u64",
    mintedBlock: "u64",
  },
  key: ["tokenId"],
  indexes: [["owner"]],
});

/**
 * An aftermarket device. `addressSeq` is the sequence number of its current secure-element
 * binding (in `deviceAddresses`), `pairingSeq` of its latest pairing (in `pairings`; 0: never).
 */
export type DeviceRow = {
  tokenId: bigint;
  manufacturerId: bigint;
  address: string;
  owner: string;
  serial: string;
  claimed: boolean;
  installedAt: bigint | null;
  vehicleId: bigint | null;
  mintedAt: bigint;
  mintedBlock: bigint;
  addressSeq: number;
  pairingSeq: number;
};
export const devices = defineTable<DeviceRow>({
  name: "identity_devices",
  columns: {
    tokenId: "u64",
    manufacturerId: "u64",
    address: "text",
    owner: "text",
    serial: "text",
    claimed: "bool",
    installedAt: "u64",
    vehicleId: "u64",
    mintedAt: "u64",
    mintedBlock: "u64",
    addressSeq: "int",
    pairingSeq: "int",
  },
  key: ["tokenId"],
  indexes: [["address"], ["owner"], ["vehicleId"], ["serial"]],
});

/** Which secure-element address spoke for a device, from when until when (block times). */
export type DeviceAddressRow = {
  deviceId: bigint;
  seq: number;
  address: string;
  fromTime: bigint;
  fromBlock: bigint;
  toTime: bigint | null;
  toBlock: bigint | null;
};
export const deviceAddresses = defineTable<DeviceAddressRow>({
  name: "identity_device_addresses",
  columns: {
    deviceId: "u64",
    seq: "int",
    address: "text",
    fromTime: "u64",
    fromBlock: "u64",
    toTime: "u64",
    toBlock: "u64",
  },
  key: ["deviceId", "seq"],
});

/** The pairing history: a device was paired with a vehicle from `pairedAt` until `unpairedAt`. */
export type PairingRow = {
  deviceId: bigint;
  seq: number;
  vehicleId: bigint;
  pairedAt: bigint;
  pairedBlock: bigint;
  unpairedAt: bigint | null;
  unpairedBlock: bigint | null;
};
export const pairings = defineTable<PairingRow>({
  name: "identity_pairings",
  columns: {
    deviceId: "u64",
    seq: "int",
    vehicleId: "u64",
    pairedAt: "u64",
    pairedBlock: "u64",
    unpairedAt: "u64",
    unpairedBlock: "u64",
  },
  key: ["deviceId", "seq"],
  indexes: [["vehicleId"]],
});

/** Devices banned by the hardware-licensing layer (`source`: the contract that banned them). */
export type DeviceBanRow = {
  deviceId: bigint;
  source: string;
  reason: string;
  bannedAt: bigint;
  bannedBlock: bigint;
};
export const deviceBans = defineTable<DeviceBanRow>({
  name: "identity_device_bans",
  columns: { deviceId: "u64", source: "text", reason: "text", bannedAt: "u64", bannedBlock: "u64" },
  key: ["deviceId"],
});

/** A grant as stored on chain (one per asset, token and grantee); `permissions` is the 0x-hex mask. */
export type GrantRow = {
  asset: string;
  tokenId: bigint;
  grantee: string;
  permissions: string;
  expiration: bigint;
  source: string;
  grantor: string;
  tokenVersion: bigint;
  templateId: bigint;
  templateEpoch: bigint;
  createdAt: bigint;
  createdBlock: bigint;
};
export const grants = defineTable<GrantRow>({
  name: "identity_grants",
  columns: {
    asset: "text",
    tokenId: "u64",
    grantee: "text",
    permissions: "text",
    expiration: "u64",
    source: "text",
    grantor: "text",
    tokenVersion: "u64",
    templateId: "u64",
    templateEpoch: "u64",
    createdAt: "u64",
    createdBlock: "u64",
  },
  key: ["asset", "tokenId", "grantee"],
  indexes: [["grantee"]],
});

/** A token's transfer counter: grants recorded under another version are void. */
export type TokenVersionRow = { asset: string; tokenId: bigint; version: bigint };
export const tokenVersions = defineTable<TokenVersionRow>({
  name: "identity_token_versions",
  columns: { asset: "text", tokenId: "u64", version: "u64" },
  key: ["asset", "tokenId"],
});

export type GrantTemplateRow = {
  templateId: bigint;
  creator: string;
  asset: string;
  permissions: string;
  source: string;
  active: boolean;
  epoch: bigint;
  createdAt: bigint;
};
export const grantTemplates = defineTable<GrantTemplateRow>({
  name: "identity_grant_templates",
  columns: {
    templateId: "u64",
    creator: "text",
    asset: "text",
    permissions: "text",
    source: "text",
    active: "bool",
    epoch: "u64",
    createdAt: "u64",
  },
  key: ["templateId"],
});

export type DevLicenseRow = {
  tokenId: bigint;
  owner: string;
  clientId: string;
  alias: string | null;
  issuedAt: bigint;
  issuedBlock: bigint;
};
export const devLicenses = defineTable<DevLicenseRow>({
  name: "identity_dev_licenses",
  columns: {
    tokenId: "u64",
    owner: "text",
    clientId: "text",
    alias: "text",
    issuedAt: "u64",
    issuedBlock: "u64",
  },
  key: ["tokenId"],
  indexes: [["clientId"], ["alias"]],
});

export type DevLicenseSignerRow = { licenseId: bigint; signer: string; expiresAt: bigint; enabledAt: bigint };
export const devLicenseSigners = defineTable<DevLicenseSignerRow>({
  name: "identity_dev_license_signers",
  columns: { licenseId: "u64", signer: "text", expiresAt: "u64", enabledAt: "u64" },
  key: ["licenseId", "signer"],
});

export type DevLicenseRedirectUriRow = { licenseId: bigint; uri: string; addedAt: bigint };
export const devLicenseRedirectUris = defineTable<DevLicenseRedirectUriRow>({
  name: "identity_dev_license_redirect_uris",
  columns: { licenseId: "u64", uri: "text", addedAt: "u64" },
  key: ["licenseId", "uri"],
});

/** Every table of the identity index, in the order a dump lists them. */
/**
 * A week of rewards published to DimoRewards: its Merkle root and total (DIMO wei, as decimal
 * text: uint256), the inputs file, and where it stands (`pending` until its challenge window
 * ends, `challenged`, `confirmed` after a rejected challenge, `rejected` after an upheld one; a
 * rejected week can be published again, which replaces the row).
 */
export type RewardWeekRow = {
  week: bigint;
  root: string;
  total: string;
  inputsHash: string;
  inputsUri: string;
  publisher: string;
  publishedAt: bigint;
  finalAt: bigint;
  status: string;
  publishedBlock: bigint;
};
export const rewardWeeks = defineTable<RewardWeekRow>({
  name: "identity_reward_weeks",
  columns: {
    week: "u64",
    root: "text",
    total: "text",
    inputsHash: "text",
    inputsUri: "text",
    publisher: "text",
    publishedAt: "u64",
    finalAt: "u64",
    status: "text",
    publishedBlock: "u64",
  },
  key: ["week"],
});

/** One reward paid: a vehicle's amount for a week (DIMO wei, decimal text) sent to its beneficiary. */
export type RewardClaimRow = {
  week: bigint;
  vehicleId: bigint;
  beneficiary: string;
  amount: string;
  claimedAt: bigint;
  claimedBlock: bigint;
};
export const rewardClaims = defineTable<RewardClaimRow>({
  name: "identity_reward_claims",
  columns: {
    week: "u64",
    vehicleId: "u64",
    beneficiary: "text",
    amount: "text",
    claimedAt: "u64",
    claimedBlock: "u64",
  },
  key: ["week", "vehicleId"],
  indexes: [["beneficiary"], ["vehicleId"]],
});

export const identityTables: readonly Table[] = [
  manufacturers,
  manufacturerAttributes,
  vehicles,
  devices,
  deviceAddresses,
  pairings,
  deviceBans,
  grants,
  tokenVersions,
  grantTemplates,
  devLicenses,
  devLicenseSigners,
  devLicenseRedirectUris,
  rewardWeeks,
  rewardClaims,
] as Table[];
