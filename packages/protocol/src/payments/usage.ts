import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hashTypedData,
  keccak256,
  type LocalAccount,
  type TypedDataDomain,
  toBytes,
} from "viem";

/** One metered request (or one priced item of it), as UsageSettlement takes it. */
export interface UsageRecord {
  /** keccak256 of the node's request id (`usageRequestId`). */
  requestId: Hex;
  /** When the request was served, unix milliseconds. */
  at: bigint;
  /** The vehicle read (0n: none). */
  vehicleId: bigint;
  /** Index into the node's price list. */
  item: number;
  units: number;
}

const RECORDS = [
  {
    type: "tuple[]",
    components: [
      { name: "requestId", type: "bytes32" },
      { name: "at", type: "uint64" },
      { name: "vehicleId", type: "uint64" },
      { name: "item", type: "uint8" },
      { name: "units", type: "uint32" },
    ],
  },
] as const;

/** The on-chain form of a request id: keccak256 of its UTF-8 text. */
export function usageRequestId(requestId: string): Hex {
  return keccak256(toBytes(requestId));
}

/** keccak256(abi.encode(records)): what the node signs and the contract stores. */
export function usageRecordsHash(records: readonly UsageRecord[]): Hex {
  return keccak256(encodeAbiParameters(RECORDS, [records as UsageRecord[]]));
}

/** The ordering key UsageSettlement enforces: (time, request id, item), strictly increasing. */
export function usageRecordKey(r: UsageRecord): bigint {
  return (r.at << 192n) | ((BigInt(r.requestId) >> 72n) << 8n) | BigInt(r.item);
}

/** Sorts records into the order a settlement needs. */
export function sortUsageRecords(records: readonly UsageRecord[]): UsageRecord[] {
  return [...records].sort((a, b) => {
    const ka = usageRecordKey(a);
    const kb = usageRecordKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

export const settlementTypes = {
  Settlement: [
    { name: "nodeId", type: "uint256" },
    { name: "licenseId", type: "uint256" },
    { name: "priceVersion", type: "uint32" },
    { name: "recordsHash", type: "bytes32" },
  ],
} as const;

export function settlementDomain(chainId: number, usageSettlement: Address): TypedDataDomain {
  return { name: "DIMO Usage Settlement", version: "1", chainId, verifyingContract: usageSettlement };
}

/** A node's settlement of one licence's usage, ready to sign. */
export interface SettlementBatch {
  nodeId: bigint;
  licenseId: bigint;
  priceVersion: number;
  records: UsageRecord[];
}

function message(batch: SettlementBatch) {
  return {
    nodeId: batch.nodeId,
    licenseId: batch.licenseId,
    priceVersion: batch.priceVersion,
    recordsHash: usageRecordsHash(batch.records),
  };
}

/** The EIP-712 digest of a settlement batch. */
export function settlementDigest(domain: TypedDataDomain, batch: SettlementBatch): Hex {
  return hashTypedData({
    domain,
    types: settlementTypes,
    primaryType: "Settlement",
    message: message(batch),
  });
}

/** Signs a settlement batch with the node's settlement key. */
export function signSettlement(
  signer: LocalAccount,
  domain: TypedDataDomain,
  batch: SettlementBatch,
): Promise<Hex> {
  return signer.signTypedData({
    domain,
    types: settlementTypes,
    primaryType: "Settlement",
    message: message(batch),
  });
}
