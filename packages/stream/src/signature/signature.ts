import { EventRejectedError } from "../errors.ts";

/** secp256k1 group order n, and n/2: the low-s bound (EIP-2). */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

/** A 65-byte r‖s‖v signature taken apart. */
export interface RecoverableSignature {
  /** r‖s, 64 bytes. */
  compact: Uint8Array;
  /** 0 or 1. */
  recovery: 0 | 1;
  /** True if s > n/2: the malleable twin of a canonical signature. */
  highS: boolean;
}

/** Reads r‖s‖v with v ∈ {27, 28} (Ethereum) or {0, 1}; checks 0 < r, s < n. */
export function readSignature(signature: Uint8Array | `0x${string}`): RecoverableSignature {
  const bytes = typeof signature === "string" ? hexToBytes(signature) : signature;
  if (bytes.length !== 65) throw bad(`signature is ${bytes.length} bytes, expected 65 (r‖s‖v)`);
  const v = bytes[64]!;
  const recovery = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : undefined;
  if (recovery === undefined) throw bad(`v is ${v}, expected 27 or 28`);
  const r = toBigInt(bytes.subarray(0, 32));
  const s = toBigInt(bytes.subarray(32, 64));
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) throw bad("r or s is out of range");
  return { compact: bytes.slice(0, 64), recovery, highS: s > HALF_N };
}

/**
 * The canonical (low-s) form of a signature: s' = n − s and the recovery bit flipped, which
 * recovers the same key. Returns the input unchanged when it is already low-s.
 */
export function toLowS(sig: RecoverableSignature): RecoverableSignature {
  if (!sig.highS) return sig;
  const s = SECP256K1_N - toBigInt(sig.compact.subarray(32, 64));
  const compact = sig.compact.slice();
  compact.set(fromBigInt(s), 32);
  return { compact, recovery: sig.recovery === 0 ? 1 : 0, highS: false };
}

/** Serialises to 65 bytes r‖s‖v with v = 27 + recovery. */
export function signatureBytes(sig: RecoverableSignature): Uint8Array {
  const out = new Uint8Array(65);
  out.set(sig.compact);
  out[64] = 27 + sig.recovery;
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw bad("not 0x-prefixed hex");
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

export function bytesToHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")}`;
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(bytesToHex(bytes));
}

function fromBigInt(n: bigint): Uint8Array {
  return hexToBytes(`0x${n.toString(16).padStart(64, "0")}`);
}

function bad(what: string): EventRejectedError {
  return new EventRejectedError("bad_signature", `Malformed signature: ${what}.`, { path: "signature" });
}
