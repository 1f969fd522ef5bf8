/**
 * Firmware manifests as the device checks them before an update. What a manifest is — name,
 * version, the hardware it is for, its SHA-256 and size, the anti-rollback floor it sets
 * (`minimumVersion`) and who gets it (`rolloutGroup`), signed by the maker's key as EIP-712 typed
 * data — is defined once in @dimo-open/protocol (device/firmware.ts), for the devices, the node
 * and the makers' tools alike; here its refusals become the device's OtaError.
 */
import {
  FirmwareDocumentError,
  type SignedFirmwareManifest,
  verifyFirmwareManifestSignature,
} from "@dimo-open/protocol";
import type { Address } from "viem";
import { OtaError } from "./errors.ts";

/** Checks the manifest's shape and that a trusted maker key signed it; returns the signer. */
export async function verifyFirmwareManifest(
  signed: SignedFirmwareManifest,
  trustedSigners: readonly Address[],
): Promise<Address> {
  try {
    return await verifyFirmwareManifestSignature(signed, trustedSigners);
  } catch (error) {
    if (!(error instanceof FirmwareDocumentError)) throw error;
    throw new OtaError(error.reason, error.shortMessage, {
      ...(error.details !== undefined && { details: error.details }),
      cause: error,
    });
  }
}
