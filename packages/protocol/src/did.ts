import { type Address, getAddress, isAddress } from "viem";

/**
 * Decentralised identifiers as DIMO puts them on the wire:
 * assets are `did:erc721:<chainId>:<contract>:<tokenId>`, accounts `did:ethr:<chainId>:<address>`.
 * Addresses are always EIP-55 checksummed.
 */
export interface Erc721Did {
  method: "erc721";
  chainId: number;
  contract: Address;
  tokenId: bigint;
}

export interface EthrDid {
  method: "ethr";
  chainId: number;
  address: Address;
}

export class InvalidDidError extends Error {
  override name = "InvalidDidError";
  constructor(
    readonly did: string,
    reason: string,
  ) {
    super(`Invalid DID "${did.slice(0, 200)}": ${reason}`);
  }
}

const MAX_DID_LENGTH = 256;

export function erc721Did(chainId: number, contract: Address, tokenId: bigint | number): string {
  return `did:erc721:${chainId}:${getAddress(contract)}:${BigInt(tokenId).toString()}`;
}

export function ethrDid(chainId: number, address: Address): string {
  return `did:ethr:${chainId}:${getAddress(address)}`;
}

function parseChainId(did: string, text: string | undefined): number {
  if (!text || !/^[1-9][0-9]{0,15}$/.test(text))
    throw new InvalidDidError(did, "chain id must be a positive integer");
  return Number(text);
}

function parseAddress(did: string, text: string | undefined): Address {
  if (!text || !isAddress(text, { strict: false }))
    throw new InvalidDidError(did, "not a 20-byte hex address");
  return getAddress(text);
}

export function parseErc721Did(did: string): Erc721Did {
  if (did.length > MAX_DID_LENGTH) throw new InvalidDidError(did, "too long");
  const parts = did.split(":");
  if (parts.length !== 5 || parts[0] !== "did" || parts[1] !== "erc721") {
    throw new InvalidDidError(did, "expected did:erc721:<chainId>:<contract>:<tokenId>");
  }
  const tokenText = parts[4] ?? "";
  if (!/^[0-9]{1,78}$/.test(tokenText)) throw new InvalidDidError(did, "token id must be a decimal integer");
  return {
    method: "erc721",
    chainId: parseChainId(did, parts[2]),
    contract: parseAddress(did, parts[3]),
    tokenId: BigInt(tokenText),
  };
}

export function parseEthrDid(did: string): EthrDid {
  if (did.length > MAX_DID_LENGTH) throw new InvalidDidError(did, "too long");
  const parts = did.split(":");
  if (parts.length !== 4 || parts[0] !== "did" || parts[1] !== "ethr") {
    throw new InvalidDidError(did, "expected did:ethr:<chainId>:<address>");
  }
  return { method: "ethr", chainId: parseChainId(did, parts[2]), address: parseAddress(did, parts[3]) };
}

export function parseDid(did: string): Erc721Did | EthrDid {
  if (did.startsWith("did:erc721:")) return parseErc721Did(did);
  if (did.startsWith("did:ethr:")) return parseEthrDid(did);
  throw new InvalidDidError(did, "unsupported DID method (expected erc721 or ethr)");
}
