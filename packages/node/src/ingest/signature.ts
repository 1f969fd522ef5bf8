/**
 * Device signature verification on the ingest path: the same rules as the stream package's
 * `verifyEventSignature` (v2 EIP-712 DeviceEvent, or DIMO's legacy keccak over the exact `data`
 * text), with the hashing done by a WebAssembly keccak. viem's keccak (pure JavaScript) takes
 * ~200 µs for a 2 KiB event on this machine, more than the secp256k1 recovery itself; the WASM
 * one takes ~8 µs. signature.test.ts checks that both verifiers agree on valid and tampered events.
 */
import { parseDid } from "@dimo-open/protocol";
import {
  canonicalEventBytes,
  domainSeparator,
  EventRejectedError,
  type ParsedEvent,
  readSignature,
  recoverAddress,
  rfc3339Millis,
  toLowS,
  type VerifiedSignature,
  type VerifyOptions,
} from "@dimo-open/stream";
import { createKeccak } from "hash-wasm";
import type { Address } from "viem";

const hasher = await createKeccak(256);

/** keccak256 of `bytes` (synchronous; one shared WASM instance per thread). */
export function keccak256Bytes(bytes: Uint8Array): Uint8Array {
  return hasher.init().update(bytes).digest("binary");
}

const utf8 = new TextEncoder();
const DEVICE_EVENT_TYPEHASH = keccak256Bytes(
  utf8.encode("DeviceEvent(address device,uint64 sequence,uint64 timeMs,bytes32 eventHash)"),
);

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

/** The v2 EIP-712 digest of a CloudEvent carrying dimosigversion "2" (see stream's digest.ts). */
export function v2Digest(event: {
  producer: string;
  dimosigner?: string;
  dimosequence?: string;
  time: string;
}): Uint8Array {
  const eventHash = keccak256Bytes(canonicalEventBytes(event as Parameters<typeof canonicalEventBytes>[0]));
  const struct = new Uint8Array(160);
  struct.set(DEVICE_EVENT_TYPEHASH, 0);
  hexInto(struct, 44, event.dimosigner!);
  uint64Into(struct, 96, BigInt(event.dimosequence!));
  uint64Into(struct, 128, BigInt(rfc3339Millis(event.time)!));
  struct.set(eventHash, 128);
  const structHash = keccak256Bytes(struct);
  const envelope = new Uint8Array(66);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  hexInto(envelope, 2, domainSeparator(parseDid(event.producer).chainId));
  envelope.set(structHash, 34);
  return keccak256Bytes(envelope);
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
    v2 = e.dimosigversion === "2";
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
        details: "v2 requires low-s signatures (EIP-2); negate s and flip v.",
      });
    }
    digest = v2Digest(parsed.event);
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
  const signer = recoverAddress(digest, toLowS(sig), { backend: options.backend });
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
    ? { scheme: "v2", signer, sequence: BigInt(parsed.event.dimosequence!) }
    : { scheme: "legacy", signer };
}
