/**
 * What device signatures sign.
 *
 * v2 (docs/streaming.md): an EIP-712 typed-data digest
 *   domain  EIP712Domain(string name,string version,uint256 chainId) = ("DIMO Stream", "2", chainId)
 *   message DeviceEvent(address device,uint64 sequence,uint64 timeMs,bytes32 eventHash)
 * where eventHash = keccak256(RFC 8785 canonical JSON of the event without `signature`).
 * EIP-712 gives the domain separation (0x1901 prefix, name, version, chain), is what wallets and
 * hardware signers can display, and is what a contract can check on-chain in a dispute.
 *
 * legacy (DIMO today): keccak256 of the exact bytes of `data` as sent, no prefix.
 */
import { encodeAbiParameters, keccak256, toBytes } from "viem";
import { canonicalJson } from "../canonical.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import type { JsonValue } from "../json.ts";

export const SIGNATURE_DOMAIN_NAME = "DIMO Stream";
export const SIGNATURE_DOMAIN_VERSION = "2";

/** viem/EIP-712 form of the v2 types, for wallets and cross-checks. */
export const DEVICE_EVENT_TYPES = {
  DeviceEvent: [
    { name: "device", type: "address" },
    { name: "sequence", type: "uint64" },
    { name: "timeMs", type: "uint64" },
    { name: "eventHash", type: "bytes32" },
  ],
} as const;

const DOMAIN_TYPEHASH = keccak256(toBytes("EIP712Domain(string name,string version,uint256 chainId)"));
const DEVICE_EVENT_TYPEHASH = keccak256(
  toBytes("DeviceEvent(address device,uint64 sequence,uint64 timeMs,bytes32 eventHash)"),
);
const NAME_HASH = keccak256(toBytes(SIGNATURE_DOMAIN_NAME));
const VERSION_HASH = keccak256(toBytes(SIGNATURE_DOMAIN_VERSION));

const separators = new Map<number, `0x${string}`>();

/** EIP-712 domain separator for a chain (cached: a node sees one or two chains). */
export function domainSeparator(chainId: number): `0x${string}` {
  let sep = separators.get(chainId);
  if (!sep) {
    sep = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }],
        [DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, BigInt(chainId)],
      ),
    );
    if (separators.size < 16) separators.set(chainId, sep);
  }
  return sep;
}

/**
 * The canonical bytes a v2 signature covers: RFC 8785 JSON of the event minus `signature` (and,
 * for a "2b" batch event, minus `dimoproof`: the proof is derived from the signed hashes).
 */
export function canonicalEventBytes(event: DimoCloudEvent): Uint8Array {
  const { signature: _signature, ...unsigned } = event;
  if (unsigned.dimosigversion === "2b") delete unsigned.dimoproof;
  return toBytes(canonicalJson(unsigned as JsonValue));
}

export function eventHash(event: DimoCloudEvent): `0x${string}` {
  return keccak256(canonicalEventBytes(event));
}

export interface DeviceEventMessage {
  chainId: number;
  device: `0x${string}`;
  sequence: bigint;
  timeMs: bigint;
  eventHash: `0x${string}`;
}

/** hashStruct(DeviceEvent): what a v2 signature signs (in its EIP-712 envelope), and a "2b" leaf. */
export function deviceEventStructHash(m: Omit<DeviceEventMessage, "chainId">): `0x${string}` {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "uint64" }, { type: "uint64" }, { type: "bytes32" }],
      [DEVICE_EVENT_TYPEHASH, m.device, m.sequence, m.timeMs, m.eventHash],
    ),
  );
}

/** The 32-byte v2 digest: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(DeviceEvent)). */
export function deviceEventDigest(m: DeviceEventMessage): Uint8Array {
  const structHash = deviceEventStructHash(m);
  return keccak256(`0x1901${domainSeparator(m.chainId).slice(2)}${structHash.slice(2)}`, "bytes");
}

/** viem/EIP-712 form of the "2b" batch type, for wallets and cross-checks. */
export const DEVICE_EVENT_BATCH_TYPES = {
  DeviceEventBatch: [
    { name: "device", type: "address" },
    { name: "root", type: "bytes32" },
  ],
} as const;

export const DEVICE_EVENT_BATCH_TYPEHASH = keccak256(
  toBytes("DeviceEventBatch(address device,bytes32 root)"),
);

/**
 * The 32-byte "2b" digest: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(DeviceEventBatch)),
 * where `root` is the Merkle root of the batch's DeviceEvent struct hashes (batch.ts).
 */
export function deviceEventBatchDigest(m: {
  chainId: number;
  device: `0x${string}`;
  root: `0x${string}`;
}): Uint8Array {
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [DEVICE_EVENT_BATCH_TYPEHASH, m.device, m.root],
    ),
  );
  return keccak256(`0x1901${domainSeparator(m.chainId).slice(2)}${structHash.slice(2)}`, "bytes");
}

/** The legacy digest: keccak256 of the exact `data` text as the device sent it. */
export function legacyDataDigest(rawData: string | Uint8Array): Uint8Array {
  return keccak256(typeof rawData === "string" ? toBytes(rawData) : rawData, "bytes");
}
