/**
 * The device identity lives in a secure element: it signs 32-byte digests and reveals only its
 * address. Everything the device signs (stream events, ClaimDevice / PairDevice messages) goes
 * through this narrow interface, which is exactly stream's DeviceSigner plus what the device
 * says about where its key lives.
 */
import type { TypedMessage, TypedMessageName } from "@dimo-open/protocol";
import { typedMessageDigest } from "@dimo-open/protocol";
import type { DeviceSigner } from "@dimo-open/stream";
import { bytesToHex, type Hex, hexToBytes, recoverAddress } from "viem";
import { KeystoreError } from "../errors.ts";

export type KeyCustody =
  /** A hardware secure element (ATECC608, SE050, TPM, PKCS#11 token): the key never leaves it. */
  | "secure-element"
  /** A key in a file: development only, never certified. */
  | "software";

export interface SecureElement extends DeviceSigner {
  /** Where the key is kept; a node or a certification test may refuse "software". */
  readonly custody: KeyCustody;
}

/**
 * Signs an EIP-712 message of the protocol (ClaimDevice, PairDevice…) with the secure element:
 * the digest is computed here from the typed message, so the element never signs an opaque
 * digest handed over by a phone. Checks the signature recovers to the element's address.
 */
export async function signTypedMessageWithElement<N extends TypedMessageName>(
  element: DeviceSigner,
  message: TypedMessage<N>,
): Promise<Hex> {
  const digest = typedMessageDigest(message);
  const raw = await element.signDigest(hexToBytes(digest));
  if (raw.length !== 65) {
    throw new KeystoreError("The secure element returned a signature that is not 65 bytes.", {
      details: `Got ${raw.length} bytes for a ${message.primaryType} digest.`,
    });
  }
  const sig = new Uint8Array(raw);
  if (sig[64]! < 27) sig[64] = sig[64]! + 27;
  const hex = bytesToHex(sig);
  const recovered = await recoverAddress({ hash: digest, signature: hex });
  if (recovered.toLowerCase() !== element.address.toLowerCase()) {
    throw new KeystoreError(`The secure element's signature recovers to ${recovered}, not to its address.`, {
      details: `The element says its address is ${element.address}; check the key slot it signs with.`,
    });
  }
  return hex;
}
