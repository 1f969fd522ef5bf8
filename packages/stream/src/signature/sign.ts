/**
 * The device side: sign an event with the v2 scheme using whatever holds the device key (a
 * secure element, a TPM, a file keystore) through the small DeviceSigner interface.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, getAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { resolveLimits, type StreamLimits } from "../envelope/limits.ts";
import type { DimoCloudEvent, EventType } from "../envelope/schema.ts";
import { validateCloudEvent } from "../envelope/validate.ts";
import { SignerError } from "../errors.ts";
import { deviceEventDigest } from "./digest.ts";
import { deviceEventMessage } from "./message.ts";
import { recoverAddress } from "./recover.ts";
import { bytesToHex, hexToBytes, readSignature, signatureBytes, toLowS } from "./signature.ts";

/** Holds a device's secp256k1 key and signs 32-byte digests with it, nothing else. */
export interface DeviceSigner {
  /** The device address (the key's Ethereum address). */
  readonly address: Address;
  /** Signs a 32-byte digest as is (no prefix, no hashing): 65 bytes r‖s‖v, v ∈ {27, 28} or {0, 1}. */
  signDigest(digest: Uint8Array): Promise<Uint8Array>;
}

/** An event ready to sign: the signature attributes are filled in by signDeviceEvent. */
export type UnsignedDeviceEvent<T extends EventType = EventType> = T extends EventType
  ? Omit<DimoCloudEvent<T>, "signature" | "dimosigversion" | "dimosigner" | "dimosequence"> & {
      /** This device's next sequence number (SequenceCounter.next()). */
      dimosequence: bigint | string;
    }
  : never;

/**
 * Signs an event with the v2 scheme: sets dimosigversion "2", dimosigner (the signer's
 * address) and dimosequence, validates the event as a node would (so a device never sends what
 * will be refused), signs the EIP-712 digest, normalises to low-s, and checks that the
 * signature recovers to the signer's address.
 */
export async function signDeviceEvent<T extends EventType>(
  event: UnsignedDeviceEvent<T>,
  signer: DeviceSigner,
  options: { limits?: Partial<StreamLimits> } = {},
): Promise<DimoCloudEvent<T>> {
  const { signature: _ignored, ...rest } = event as UnsignedDeviceEvent<T> & { signature?: unknown };
  const candidate = {
    ...rest,
    dimosigversion: "2",
    dimosequence: String(event.dimosequence),
    dimosigner: getAddress(signer.address),
  };
  const valid = validateCloudEvent(candidate, resolveLimits(options.limits));
  const digest = deviceEventDigest(deviceEventMessage(valid));
  const raw = await signer.signDigest(digest);
  if (!(raw instanceof Uint8Array) || raw.length !== 65) {
    throw new SignerError("The device signer returned something other than a 65-byte signature.", {
      details: `Got ${raw instanceof Uint8Array ? `${raw.length} bytes` : typeof raw}; return r‖s‖v.`,
    });
  }
  let sig: ReturnType<typeof readSignature>;
  try {
    sig = toLowS(readSignature(raw));
  } catch (error) {
    throw new SignerError("The device signer returned a malformed signature.", { cause: error });
  }
  const recovered = recoverAddress(digest, sig);
  if (recovered !== valid.dimosigner) {
    throw new SignerError(`The device signer's signature recovers to ${recovered}, not to its address.`, {
      details: `The signer says its address is ${valid.dimosigner}; check that the keystore uses that key.`,
    });
  }
  return { ...valid, signature: bytesToHex(signatureBytes(sig)) } as DimoCloudEvent<T>;
}

/**
 * A DeviceSigner over a private key in memory, for simulators and development devices. Real
 * devices keep the key in a secure element and implement DeviceSigner over it.
 */
export function privateKeySigner(privateKey: `0x${string}`): DeviceSigner {
  const key = hexToBytes(privateKey);
  if (key.length !== 32) throw new TypeError("a secp256k1 private key is 32 bytes");
  const address = privateKeyToAddress(privateKey);
  return {
    address,
    async signDigest(digest: Uint8Array): Promise<Uint8Array> {
      const sig = secp256k1.sign(digest, key, { lowS: true });
      const out = new Uint8Array(65);
      out.set(sig.toCompactRawBytes());
      out[64] = 27 + sig.recovery;
      return out;
    },
  };
}
