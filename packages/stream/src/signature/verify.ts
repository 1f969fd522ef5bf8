/**
 * The node's second step: verify the device signature of a parsed event. v2 is preferred;
 * DIMO's legacy scheme is accepted (optionally) because today's devices send it.
 */
import { parseDid } from "@dimo-open/protocol";
import type { Address } from "viem";
import type { ParsedEvent } from "../envelope/parse.ts";
import { EventRejectedError } from "../errors.ts";
import { merkleRootFromProof, readProof, recoverBatchSigner } from "./batch.ts";
import {
  deviceEventBatchDigest,
  deviceEventDigest,
  deviceEventStructHash,
  legacyDataDigest,
} from "./digest.ts";
import { deviceEventMessage } from "./message.ts";
import { type RecoveryBackend, recoverAddress } from "./recover.ts";
import { bytesToHex, hexToBytes, type RecoverableSignature, readSignature, toLowS } from "./signature.ts";

export interface VerifyOptions {
  /** The node's chain id: producer and subject DIDs on another chain are rejected. */
  chainId?: number;
  /**
   * The device address the chain index pairs with the producer DID. Needed for a legacy
   * signature from a did:erc721 producer (nothing else in the event names the device).
   */
  expectedSigner?: Address;
  /** Accept DIMO's legacy signature (default true: today's devices send it). */
  acceptLegacy?: boolean;
  backend?: RecoveryBackend;
}

export interface VerifiedSignature {
  /** "v2b": a v2 batch signature ("2b"), checked with the event's Merkle proof. */
  scheme: "v2" | "v2b" | "legacy";
  /** The recovered device address (EIP-55). */
  signer: Address;
  /** v2 only: the signed per-device sequence number (see checkSequence). */
  sequence?: bigint;
}

/** Verifies the event's signature; throws EventRejectedError with the reason. */
export function verifyEventSignature(parsed: ParsedEvent, options: VerifyOptions = {}): VerifiedSignature {
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
    const message = deviceEventMessage(parsed.event);
    if (parsed.event.dimosigversion === "2b") {
      const leaf = hexToBytes(deviceEventStructHash(message));
      const root = merkleRootFromProof(leaf, readProof(parsed.event.dimoproof ?? ""));
      digest = deviceEventBatchDigest({
        chainId: message.chainId,
        device: message.device,
        root: bytesToHex(root),
      });
    } else digest = deviceEventDigest(message);
  } else {
    if (options.acceptLegacy === false) {
      throw new EventRejectedError(
        "unsupported_signature_version",
        "Legacy device signatures are not accepted here.",
        {
          path: "dimosigversion",
          details: 'Sign with v2 (dimosigversion "2").',
        },
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
          details: "Pass expectedSigner: the device address the chain index pairs with the producer DID.",
        },
      );
    }
    digest = legacyDataDigest(parsed.rawData);
  }
  // Legacy signatures are accepted in either s form (DIMO's devices never enforced low-s).
  const batch = v2 && parsed.format === "cloudevents" && parsed.event.dimosigversion === "2b";
  const recover = (d: Uint8Array, s: RecoverableSignature) =>
    recoverAddress(d, s, { backend: options.backend });
  const signer = batch ? recoverBatchSigner(digest, sig, recover) : recover(digest, toLowS(sig));
  for (const [label, address] of claims) {
    if (signer !== address) {
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
