/**
 * Device signatures "2b": one v2-style signature over many events (docs/streaming.md).
 *
 * Each event of a batch is an ordinary v2 event (dimosigner, dimosequence, its own time and
 * canonical bytes) whose leaf is its EIP-712 DeviceEvent struct hash. The device signs once, the
 * EIP-712 DeviceEventBatch(device, root) over the Merkle root of the leaves; each event carries
 * that signature and its own Merkle proof (`dimoproof`), so it stays verifiable on its own, in
 * any order, long after the batch was split up. A node recovers the signer once per batch (the
 * recovery is the expensive part of verifying) instead of once per event.
 *
 * Tree: leaves in batch order; a parent is keccak256 of its two children sorted as bytes (the
 * smaller first, as OpenZeppelin's MerkleProof); an odd last node moves up a level unchanged.
 */
import { getAddress, keccak256 } from "viem";
import { resolveLimits, type StreamLimits } from "../envelope/limits.ts";
import type { DimoCloudEvent, EventType } from "../envelope/schema.ts";
import { validateCloudEvent } from "../envelope/validate.ts";
import { EventRejectedError, SignerError } from "../errors.ts";
import { deviceEventBatchDigest, deviceEventStructHash } from "./digest.ts";
import { deviceEventMessage } from "./message.ts";
import { recoverAddress } from "./recover.ts";
import type { DeviceSigner, UnsignedDeviceEvent } from "./sign.ts";
import {
  bytesToHex,
  hexToBytes,
  type RecoverableSignature,
  readSignature,
  signatureBytes,
  toLowS,
} from "./signature.ts";

/** Most events one "2b" signature may cover (a proof is then at most 10 hashes, 640 hex digits). */
export const MAX_SIGNED_BATCH = 1024;

/** A keccak256 over bytes; the node passes a faster (WebAssembly) one. */
export type Keccak = (bytes: Uint8Array) => Uint8Array;

const viemKeccak: Keccak = (bytes) => keccak256(bytes, "bytes");

/** keccak256 of the two 32-byte nodes, the smaller (as bytes) first. */
export function hashPair(a: Uint8Array, b: Uint8Array, keccak: Keccak = viemKeccak): Uint8Array {
  const pair = new Uint8Array(64);
  const aFirst = Buffer.compare(a, b) <= 0;
  pair.set(aFirst ? a : b, 0);
  pair.set(aFirst ? b : a, 32);
  return keccak(pair);
}

/** The Merkle root of `leaves` and each leaf's proof (sibling hashes, bottom-up). */
export function merkleTree(
  leaves: readonly Uint8Array[],
  keccak: Keccak = viemKeccak,
): { root: Uint8Array; proofs: Uint8Array[][] } {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const proofs: Uint8Array[][] = leaves.map(() => []);
  // positions[k] = index of leaf k's ancestor in the current level
  const positions = leaves.map((_, k) => k);
  let level = [...leaves];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? hashPair(level[i]!, level[i + 1]!, keccak) : level[i]!);
    }
    for (let k = 0; k < leaves.length; k++) {
      const p = positions[k]!;
      const sibling = p ^ 1;
      if (sibling < level.length) proofs[k]!.push(level[sibling]!);
      positions[k] = p >> 1;
    }
    level = next;
  }
  return { root: level[0]!, proofs };
}

/** Folds a leaf with its proof: the root it belongs to. */
export function merkleRootFromProof(
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  keccak: Keccak = viemKeccak,
): Uint8Array {
  let node = leaf;
  for (const sibling of proof) node = hashPair(node, sibling, keccak);
  return node;
}

/** `dimoproof` text → its 32-byte hashes; throws bad_signature when it is not whole hashes. */
export function readProof(dimoproof: string): Uint8Array[] {
  if (!/^0x([0-9a-fA-F]{64})*$/.test(dimoproof)) {
    throw new EventRejectedError("bad_signature", "dimoproof is not a list of 32-byte hashes.", {
      path: "dimoproof",
      details: "dimoproof is 0x followed by the proof's sibling hashes, 64 hex digits each.",
    });
  }
  const bytes = hexToBytes(dimoproof);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(bytes.subarray(i, i + 32));
  return out;
}

export function proofHex(proof: readonly Uint8Array[]): `0x${string}` {
  return `0x${proof.map((h) => Buffer.from(h).toString("hex")).join("")}`;
}

/**
 * Signs several events with one "2b" signature: each gets dimosigversion "2b", dimosigner, its
 * dimosequence, the batch's signature and its own dimoproof. The events are validated as a node
 * would; they must all be on one chain. Returned in the order given.
 */
export async function signDeviceEventBatch<T extends EventType>(
  events: readonly UnsignedDeviceEvent<T>[],
  signer: DeviceSigner,
  options: { limits?: Partial<StreamLimits> } = {},
): Promise<DimoCloudEvent<T>[]> {
  if (events.length === 0) throw new RangeError("a batch holds at least one event");
  if (events.length > MAX_SIGNED_BATCH) {
    throw new RangeError(`a batch holds at most ${MAX_SIGNED_BATCH} events, got ${events.length}`);
  }
  const limits = resolveLimits(options.limits);
  const device = getAddress(signer.address);
  const valid = events.map((event) => {
    const {
      signature: _s,
      dimoproof: _p,
      ...rest
    } = event as UnsignedDeviceEvent<T> & {
      signature?: unknown;
      dimoproof?: unknown;
    };
    return validateCloudEvent(
      {
        ...rest,
        dimosigversion: "2b",
        dimosequence: String(event.dimosequence),
        dimosigner: device,
        dimoproof: "0x",
      },
      limits,
    );
  });
  const messages = valid.map((v) => deviceEventMessage(v));
  const chainId = messages[0]!.chainId;
  if (messages.some((m) => m.chainId !== chainId)) {
    throw new SignerError("The events of a batch must all be on one chain.", {
      details: "Sign the events of each chain as a batch of their own.",
    });
  }
  const leaves = messages.map((m) => hexToBytes(deviceEventStructHash(m)));
  const { root, proofs } = merkleTree(leaves);
  const digest = deviceEventBatchDigest({ chainId, device, root: bytesToHex(root) });
  const raw = await signer.signDigest(digest);
  if (!(raw instanceof Uint8Array) || raw.length !== 65) {
    throw new SignerError("The device signer returned something other than a 65-byte signature.", {
      details: `Got ${raw instanceof Uint8Array ? `${raw.length} bytes` : typeof raw}; return r‖s‖v.`,
    });
  }
  let sig: RecoverableSignature;
  try {
    sig = toLowS(readSignature(raw));
  } catch (error) {
    throw new SignerError("The device signer returned a malformed signature.", { cause: error });
  }
  const recovered = recoverAddress(digest, sig);
  if (recovered !== device) {
    throw new SignerError(`The device signer's signature recovers to ${recovered}, not to its address.`, {
      details: `The signer says its address is ${device}; check that the keystore uses that key.`,
    });
  }
  const signature = bytesToHex(signatureBytes(sig));
  return valid.map((v, i) => ({ ...v, dimoproof: proofHex(proofs[i]!), signature }) as DimoCloudEvent<T>);
}

/**
 * Recovered signers of recent batch digests: the events of one batch arrive together and share
 * digest and signature, so the recovery runs once per batch. Keyed by digest and signature, so a
 * hit is exactly what a recovery would return.
 */
const recovered = new Map<string, `0x${string}`>();
const RECOVERED_CACHE = 1024;

/** recoverAddress for a "2b" digest, remembering recent answers. */
export function recoverBatchSigner(
  digest: Uint8Array,
  sig: RecoverableSignature,
  recover: (digest: Uint8Array, sig: RecoverableSignature) => `0x${string}`,
): `0x${string}` {
  const key = `${Buffer.from(digest).toString("hex")}${Buffer.from(sig.compact).toString("hex")}${sig.recovery}`;
  let signer = recovered.get(key);
  if (signer === undefined) {
    signer = recover(digest, sig);
    if (recovered.size >= RECOVERED_CACHE) recovered.clear();
    recovered.set(key, signer);
  }
  return signer;
}
