/**
 * Public-key recovery → address. The native libsecp256k1 binding (npm `secp256k1`) is ~20×
 * faster than pure JavaScript, which decides how many events a core can verify; @noble/curves
 * (audited, pure JS) is the fallback where the binding does not load.
 *
 * We load `secp256k1/bindings` directly: the package's index silently falls back to `elliptic`
 * when the binding is missing, and we want to know which one we run.
 * Set DIMO_SECP256K1=noble to force the fallback (or pass `{ backend: "noble" }`).
 */
import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, checksumAddress, keccak256 } from "viem";
import { EventRejectedError } from "../errors.ts";
import { bytesToHex, type RecoverableSignature, readSignature } from "./signature.ts";

export type RecoveryBackend = "native" | "noble";

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

function loadNative(): NativeSecp256k1 | undefined {
  if (process.env.DIMO_SECP256K1 === "noble") return undefined;
  try {
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** The backend recoverAddress uses by default: "native" when libsecp256k1's binding loaded. */
export function recoveryBackend(): RecoveryBackend {
  return native ? "native" : "noble";
}

/** Uncompressed public key (65 bytes, 0x04‖x‖y) of the signer of a 32-byte digest. */
export function recoverPublicKey(
  digest: Uint8Array,
  sig: RecoverableSignature,
  backend: RecoveryBackend = recoveryBackend(),
): Uint8Array {
  if (digest.length !== 32) throw new TypeError(`digest must be 32 bytes, got ${digest.length}`);
  try {
    if (backend === "native") {
      if (!native) throw new Error("the native secp256k1 binding is not loaded");
      return native.ecdsaRecover(sig.compact, sig.recovery, digest, false);
    }
    return secp256k1.Signature.fromCompact(sig.compact)
      .addRecoveryBit(sig.recovery)
      .recoverPublicKey(digest)
      .toRawBytes(false);
  } catch (error) {
    if (backend === "native" && !native) throw error;
    throw new EventRejectedError("bad_signature", "No public key recovers from this signature.", {
      path: "signature",
      cause: error,
    });
  }
}

/** The Ethereum address (EIP-55) that signed `digest` with the 65-byte r‖s‖v `signature`. */
export function recoverAddress(
  digest: Uint8Array,
  signature: Uint8Array | `0x${string}` | RecoverableSignature,
  options: { backend?: RecoveryBackend } = {},
): Address {
  const sig =
    typeof signature === "string" || signature instanceof Uint8Array ? readSignature(signature) : signature;
  const publicKey = recoverPublicKey(digest, sig, options.backend);
  const hash = keccak256(publicKey.subarray(1), "bytes");
  return checksumAddress(bytesToHex(hash.subarray(12)));
}
