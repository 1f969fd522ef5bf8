import type { Account, Address, Hex, LocalAccount, TypedDataDomain, WalletClient } from "viem";
import { hashTypedData } from "viem";

/**
 * EIP-712 messages the contracts accept. Each carries the signer's current nonce (from the
 * contract's `nonces(signer)`) and a deadline (unix seconds), so it works once and not forever.
 */
export const typedDataTypes = {
  MintVehicle: [
    { name: "manufacturerId", type: "uint256" },
    { name: "owner", type: "address" },
    { name: "make", type: "string" },
    { name: "model", type: "string" },
    { name: "year", type: "uint16" },
    { name: "definitionURI", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  ClaimDevice: [
    { name: "deviceId", type: "uint256" },
    { name: "owner", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  PairDevice: [
    { name: "deviceId", type: "uint256" },
    { name: "vehicleId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  UnpairDevice: [
    { name: "deviceId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  Grant: [
    { name: "asset", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "grantee", type: "address" },
    { name: "permissions", type: "uint256" },
    { name: "expiration", type: "uint64" },
    { name: "source", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type TypedMessageName = keyof typeof typedDataTypes;

/** EIP-712 domain names of the contracts, version "1". */
export const domainNames = {
  vehicleId: "DIMO Vehicle ID",
  aftermarketDeviceId: "DIMO Aftermarket Device ID",
  permissions: "DIMO Permissions",
} as const;

export function protocolDomain(name: string, chainId: number, verifyingContract: Address): TypedDataDomain {
  return { name, version: "1", chainId, verifyingContract };
}

export interface MintVehicleMessage {
  manufacturerId: bigint;
  owner: Address;
  make: string;
  model: string;
  year: number;
  definitionURI: string;
  nonce: bigint;
  deadline: bigint;
}
export interface ClaimDeviceMessage {
  deviceId: bigint;
  owner: Address;
  nonce: bigint;
  deadline: bigint;
}
export interface PairDeviceMessage {
  deviceId: bigint;
  vehicleId: bigint;
  nonce: bigint;
  deadline: bigint;
}
export interface UnpairDeviceMessage {
  deviceId: bigint;
  nonce: bigint;
  deadline: bigint;
}
export interface GrantMessage {
  asset: Address;
  tokenId: bigint;
  grantee: Address;
  permissions: bigint;
  expiration: bigint;
  source: string;
  nonce: bigint;
  deadline: bigint;
}

interface MessageOf {
  MintVehicle: MintVehicleMessage;
  ClaimDevice: ClaimDeviceMessage;
  PairDevice: PairDeviceMessage;
  UnpairDevice: UnpairDeviceMessage;
  Grant: GrantMessage;
}

/** Anything that can sign typed data: a local account (a device key, a test key) or a wallet client. */
export type TypedDataSigner = LocalAccount | WalletClient;

export interface TypedMessage<N extends TypedMessageName> {
  domain: TypedDataDomain;
  primaryType: N;
  message: MessageOf[N];
}

export function typedMessage<N extends TypedMessageName>(
  domain: TypedDataDomain,
  primaryType: N,
  message: MessageOf[N],
): TypedMessage<N> {
  return { domain, primaryType, message };
}

/** The 32-byte digest a secure element signs for a typed message (EIP-712 `hashTypedData`). */
export function typedMessageDigest<N extends TypedMessageName>(m: TypedMessage<N>): Hex {
  return hashTypedData({
    domain: m.domain,
    types: { [m.primaryType]: typedDataTypes[m.primaryType] },
    primaryType: m.primaryType,
    message: m.message as unknown as Record<string, unknown>,
  } as Parameters<typeof hashTypedData>[0]);
}

/** Signs a typed message with a local account or a wallet client (whose account must be set). */
export async function signTypedMessage<N extends TypedMessageName>(
  signer: TypedDataSigner,
  m: TypedMessage<N>,
): Promise<Hex> {
  // The message types are checked by TypedMessage<N>; viem's generic signature cannot follow a
  // primary type chosen at run time, hence the casts.
  const args = {
    domain: m.domain,
    types: { [m.primaryType]: typedDataTypes[m.primaryType] },
    primaryType: m.primaryType,
    message: m.message,
  } as unknown as Parameters<LocalAccount["signTypedData"]>[0];
  if (signer.type === "local") return (signer as LocalAccount).signTypedData(args);
  const wallet = signer as WalletClient;
  return wallet.signTypedData({ ...args, account: wallet.account as Account } as unknown as Parameters<
    WalletClient["signTypedData"]
  >[0]);
}
