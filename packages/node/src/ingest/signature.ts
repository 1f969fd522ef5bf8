/**
 * Device signature verification on the ingest path: the same rules as the stream package's
 * `verifyEventSignature` (v2 EIP-712 DeviceEvent, or DIMO's legacy keccak over the exact `data`
 * text), with the hashing done by a WebAssembly keccak. viem's keccak (pure JavaScript) takes
 * ~200 µs for a 2 KiB event on this machine, more than the secp256k1 recovery itself; the WASM
 * one takes ~8 µs. signature.test.ts checks that both verifiers agree on valid and tampered events.
 * "2b" batch events are checked here with their Merkle proof, and the recovery is done once per
 * batch (recoverBatchSigner), so a batch event costs its hashing, not a recovery.
 */
import { parseDid } from "@dimo-open/protocol";
import {
  canonicalEventBytes,
  DEVICE_EVENT_BATCH_TYPEHASH,
  domainSeparator,
  EventRejectedError,
  merkleRootFromProof,
  merkleTree,
  type ParsedEvent,
  proofHex,
  type RecoverableSignature,
  readProof,
  readSignature,
  recoverAddress,
  recoverBatchSigner,
  rfc3339Millis,
  toLowS,
  type VerifiedSignature,
  type VerifyOptions,
} from "@dimo-open/stream";
import { createKeccak } from "hash-wasm";
import { type Address, bytesToHex } from "viem";

const hasher = await createKeccak(256);

/** keccak256 of `bytes` (synchronous; one shared WASM instance per thread). */
export function keccak256Bytes(bytes: Uint8Array): Uint8Array {
  return hasher.init().update(bytes).digest("binary");
}

const utf8 = new TextEncoder();
const DEVICE_EVENT_TYPEHASH = keccak256Bytes(
  utf8.encode("DeviceEvent(address device,uint64 sequence,uint64 timeMs,bytes32 eventHash)"),
);
const DEVICE_EVENT_BATCH_TYPEHASH_BYTES = Buffer.from(DEVICE_EVENT_BATCH_TYPEHASH.slice(2), "hex");

function hexInto(target: Uint8Array, offset: number, hex: string): void {
  target.set(Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex"), offset);
}

function uint64Into(target: Uint8Array, end: number, value: bigint): void {
  let v = value;
  for (let i = end - 1; v > 0n; i--) {
    target[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

type SignedAttributes = {
  producer: string;
  dimosigner?: string;
  dimosequence?: string;
  dimosigversion?: string;
  time: string;
};

/** hashStruct(DeviceEvent) of a v2 or "2b" event: the v2 signed struct, and a "2b" Merkle leaf. */
export function v2StructHash(event: SignedAttributes): Uint8Array {
  const eventHash = keccak256Bytes(canonicalEventBytes(event as Parameters<typeof canonicalEventBytes>[0]));
  const struct = new Uint8Array(160);
  struct.set(DEVICE_EVENT_TYPEHASH, 0);
  hexInto(struct, 44, event.dimosigner!);
  uint64Into(struct, 96, BigInt(event.dimosequence!));
  uint64Into(struct, 128, BigInt(rfc3339Millis(event.time)!));
  struct.set(eventHash, 128);
  return keccak256Bytes(struct);
}

/** keccak256(0x1901 ‖ domainSeparator(chain) ‖ structHash): an EIP-712 digest. */
function typedDataDigest(chainId: number, structHash: Uint8Array): Uint8Array {
  const envelope = new Uint8Array(66);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  hexInto(envelope, 2, domainSeparator(chainId));
  envelope.set(structHash, 34);
  return keccak256Bytes(envelope);
}

/** The v2 EIP-712 digest of a CloudEvent carrying dimosigversion "2" (see stream's digest.ts). */
export function v2Digest(event: SignedAttributes): Uint8Array {
  return typedDataDigest(parseDid(event.producer).chainId, v2StructHash(event));
}

/** The "2b" EIP-712 digest of DeviceEventBatch(device, root) (see stream's batch.ts). */
export function v2BatchDigest(chainId: number, device: string, root: Uint8Array): Uint8Array {
  const struct = new Uint8Array(96);
  struct.set(DEVICE_EVENT_BATCH_TYPEHASH_BYTES, 0);
  hexInto(struct, 44, device);
  struct.set(root, 64);
  return typedDataDigest(chainId, keccak256Bytes(struct));
}

/**
 * Signs events as one "2b" batch with a raw signing function (the bench's native signer): the
 * events with dimosigversion "2b", dimosigner and dimosequence set, each gets its proof and the
 * signature. The stream package's signDeviceEventBatch is the device-side API; this is its fast
 * twin, cross-checked in signature.test.ts.
 */
export function signV2Batch<E extends SignedAttributes>(
  events: readonly E[],
  sign: (digest: Uint8Array) => Uint8Array,
): (E & { dimoproof: `0x${string}`; signature: `0x${string}` })[] {
  const leaves = events.map((e) => v2StructHash(e));
  const { root, proofs } = merkleTree(leaves, keccak256Bytes);
  const chainId = parseDid(events[0]!.producer).chainId;
  const signature = bytesToHex(sign(v2BatchDigest(chainId, events[0]!.dimosigner!, root)));
  return events.map((e, i) => ({ ...e, dimoproof: proofHex(proofs[i]!), signature }));
}

/** The legacy digest: keccak256 of the exact `data` text as sent. */
export function legacyDigest(rawData: string): Uint8Array {
  return keccak256Bytes(utf8.encode(rawData));
}

/**
 * Verifies a parsed event's device signature; throws the stream package's EventRejectedError
 * (reason missing_signature, bad_signature, wrong_chain, unknown_signer, …), exactly as
 * `verifyEventSignature` does.
 */
export function verifyDeviceSignature(parsed: ParsedEvent, options: VerifyOptions = {}): VerifiedSignature {
  const event = parsed.event;
  const claims: [string, Address][] = [];
  if (options.expectedSigner) claims.push(["the expected device", options.expectedSigner]);
  let v2 = false;
  if (parsed.format === "cloudevents") {
    const e = parsed.event;
    for (const path of ["producer", "subject"] as const) {
      const did = parseDid(e[path]);
      if (options.chainId !== undefined && did.chainId !== options.chainId) {
        throw new EventRejectedError(
          "wrong_chain",
          `The ${path} ${e[path]} is on chain ${did.chainId}; this node serves chain ${options.chainId}.`,
          { path },
        );
      }
      if (path === "producer" && did.method === "ethr") claims.push(["the producer", did.address]);
    }
    v2 = e.dimosigversion === "2" || e.dimosigversion === "2b";
    if (v2) claims.push(["dimosigner", e.dimosigner!]);
  } else {
    claims.push(["the subject", parsed.device]);
  }
  if (event.signature === undefined) {
    throw new EventRejectedError("missing_signature", "The event is not signed.", {
      path: "signature",
      details: "Devices must sign every event (docs/streaming.md, device signatures v2).",
    });
  }
  const sig = readSignature(event.signature as `0x${string}`);
  let digest: Uint8Array;
  if (v2 && parsed.format === "cloudevents") {
    if (sig.highS) {
      throw new EventRejectedError("bad_signature", "The v2 signature is not canonical (s > n/2).", {
        path: "signature",
        details: "v2 and 2b require low-s signatures (EIP-2); negate s and flip v.",
      });
    }
    if (parsed.event.dimosigversion === "2b") {
      const root = merkleRootFromProof(
        v2StructHash(parsed.event),
        readProof(parsed.event.dimoproof ?? ""),
        keccak256Bytes,
      );
      digest = v2BatchDigest(parseDid(parsed.event.producer).chainId, parsed.event.dimosigner!, root);
    } else digest = v2Digest(parsed.event);
  } else {
    if (options.acceptLegacy === false) {
      throw new EventRejectedError(
        "unsupported_signature_version",
        "Legacy device signatures are not accepted here.",
        { path: "dimosigversion", details: 'Sign with v2 (dimosigversion "2").' },
      );
    }
    if (parsed.rawData === undefined) {
      throw new EventRejectedError(
        "bad_signature",
        "A legacy signature can only be checked on JSON as sent.",
        {
          path: "signature",
          details: "It covers the exact bytes of data; binary codecs do not keep them. Sign with v2.",
        },
      );
    }
    if (claims.length === 0) {
      throw new EventRejectedError(
        "unknown_signer",
        "Nothing ties this legacy signature to a device address.",
        {
          details:
            "Publish on devices/<address>/… or POST to /v1/devices/<address>/events, or sign with v2 (dimosigner).",
        },
      );
    }
    digest = legacyDigest(parsed.rawData);
  }
  // Legacy signatures are accepted in either s form (DIMO's devices never enforced low-s).
  const batch = v2 && parsed.format === "cloudevents" && parsed.event.dimosigversion === "2b";
  const recover = (d: Uint8Array, s: RecoverableSignature) =>
    recoverAddress(d, s, { backend: options.backend });
  // A batch's events share digest and signature: one recovery per batch (cached by both).
  const signer = batch ? recoverBatchSigner(digest, sig, recover) : recover(digest, toLowS(sig));
  for (const [label, address] of claims) {
    if (signer.toLowerCase() !== address.toLowerCase()) {
      throw new EventRejectedError(
        "bad_signature",
        `The signature recovers to ${signer}, not ${label} ${address}.`,
        {
          path: "signature",
          details: "The event was altered after signing, or signed by another key.",
        },
      );
    }
  }
  return v2 && parsed.format === "cloudevents"
    ? { scheme: batch ? "v2b" : "v2", signer, sequence: BigInt(parsed.event.dimosequence!) }
    : { scheme: "legacy", signer };
}
