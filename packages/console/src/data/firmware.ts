/**
 * Firmware releases as the maker's console prepares them. The manifest and rollout-order formats
 * (EIP-712 domain, types, field rules) are the protocol's (@dimo-open/protocol, docs/ota.md),
 * the same ones the device agent verifies and the node distributes; the console only adds the
 * image hash, computed with WebCrypto so it runs in the browser.
 */
import { type Hex, toHex } from "viem";

export {
  type FirmwareManifest,
  type FirmwareRollout,
  firmwareManifestTypedData,
  firmwareRolloutTypedData,
} from "@dimo-open/protocol";

/** SHA-256 of an image, as the manifest carries it (WebCrypto: browsers and Node alike). */
export async function imageSha256(bytes: ArrayBuffer | Uint8Array): Promise<Hex> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}
