/**
 * The maker-signed documents of an OTA release (docs/ota.md, docs/device-services.md), as the node
 * checks them. The format — EIP-712 domain and types, field rules, signing — is defined once in
 * @dimo-open/protocol (device/firmware.ts), for the devices, the node and the makers' tools alike;
 * here its refusals become the node's FirmwareReleaseError (HTTP 422 for a malformed document,
 * 403 for a signature that is not the maker's).
 */
import {
  FirmwareDocumentError,
  type FirmwareManifest,
  firmwareManifestDigest as manifestDigest,
  type SignedFirmwareManifest,
  type SignedFirmwareRollout,
  verifyFirmwareManifestSignature,
  verifyFirmwareRolloutSignature,
} from "@dimo-open/protocol";
import type { Address, Hex } from "viem";
import { FirmwareReleaseError } from "../errors.ts";

export {
  FIRMWARE_DOMAIN,
  FIRMWARE_MANIFEST_TYPES,
  FIRMWARE_ROLLOUT_TYPES,
  type FirmwareManifest,
  type FirmwareRollout,
  type SignedFirmwareManifest,
  type SignedFirmwareRollout,
  signFirmwareManifest,
  signFirmwareRollout,
} from "@dimo-open/protocol";

function asReleaseError(error: unknown): unknown {
  if (!(error instanceof FirmwareDocumentError)) return error;
  return new FirmwareReleaseError(error.reason, error.shortMessage, {
    ...(error.details !== undefined && { details: error.details }),
    cause: error,
  });
}

/** The EIP-712 digest of a manifest: the release's id (one manifest, one release). */
export function firmwareManifestDigest(manifest: FirmwareManifest): Hex {
  try {
    return manifestDigest(manifest);
  } catch (error) {
    throw asReleaseError(error);
  }
}

/** Checks a signed manifest's shape and that one of the maker's keys signed it; returns the signer. */
export async function verifyFirmwareManifest(
  signed: SignedFirmwareManifest,
  trustedSigners: readonly Address[],
): Promise<Address> {
  return verifyFirmwareManifestSignature(signed, trustedSigners).catch((error: unknown) => {
    throw asReleaseError(error);
  });
}

/** Checks a signed rollout order's shape and signer; returns the signer. */
export async function verifyFirmwareRollout(
  signed: SignedFirmwareRollout,
  trustedSigners: readonly Address[],
): Promise<Address> {
  return verifyFirmwareRolloutSignature(signed, trustedSigners).catch((error: unknown) => {
    throw asReleaseError(error);
  });
}
