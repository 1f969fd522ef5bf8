/**
 * Firmware manifests: what an image is (name, version, the hardware it is for, its SHA-256 and
 * size), the anti-rollback floor it sets (`minimumVersion`), and who gets it (`rolloutGroup`),
 * signed by the maker's key as EIP-712 typed data, so the same tooling that signs device
 * identities signs firmware, and a contract or a wallet can check it too.
 */
import { type Address, getAddress, type Hex, type LocalAccount, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { OtaError } from "./errors.ts";

export const FIRMWARE_DOMAIN = { name: "DIMO Firmware", version: "1" } as const;

export const FIRMWARE_MANIFEST_TYPES = {
  FirmwareManifest: [
    { name: "name", type: "string" },
    { name: "version", type: "string" },
    { name: "minimumVersion", type: "string" },
    { name: "rolloutGroup", type: "string" },
    { name: "hardware", type: "string" },
    { name: "imageSha256", type: "bytes32" },
    { name: "imageSize", type: "uint64" },
  ],
} as const;

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export const FirmwareManifestSchema = z
  .object({
    name: z.string().min(1).max(64),
    version: z.string().regex(SEMVER, "a version X.Y.Z"),
    minimumVersion: z.string().regex(SEMVER, "a version X.Y.Z"),
    /** "*" for every device. */
    rolloutGroup: z.string().min(1).max(64),
    hardware: z.string().min(1).max(64),
    imageSha256: z.string().regex(/^0x[0-9a-f]{64}$/, "0x and 64 lowercase hex digits"),
    imageSize: z
      .number()
      .int()
      .min(1)
      .max(2 ** 40),
  })
  .strict();
export type FirmwareManifest = z.infer<typeof FirmwareManifestSchema>;

export interface SignedFirmwareManifest {
  manifest: FirmwareManifest;
  /** The maker's EIP-712 signature over the manifest. */
  signature: Hex;
}

/** Compares X.Y.Z versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

function typedData(manifest: FirmwareManifest) {
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_MANIFEST_TYPES,
    primaryType: "FirmwareManifest" as const,
    message: { ...manifest, imageSha256: manifest.imageSha256 as Hex, imageSize: BigInt(manifest.imageSize) },
  };
}

/** The maker signs a manifest (its release tooling; the key never reaches a device). */
export async function signFirmwareManifest(
  maker: LocalAccount,
  manifest: FirmwareManifest,
): Promise<SignedFirmwareManifest> {
  const valid = FirmwareManifestSchema.parse(manifest);
  return { manifest: valid, signature: await maker.signTypedData(typedData(valid)) };
}

/** Checks the manifest's shape and that a trusted maker key signed it; returns the signer. */
export async function verifyFirmwareManifest(
  signed: SignedFirmwareManifest,
  trustedSigners: readonly Address[],
): Promise<Address> {
  const parsed = FirmwareManifestSchema.safeParse(signed.manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OtaError("invalid_manifest", `Firmware manifest: ${issue.path.join(".")} ${issue.message}.`);
  }
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...typedData(parsed.data), signature: signed.signature });
  } catch (error) {
    throw new OtaError("bad_signature", "The firmware manifest's signature is malformed.", { cause: error });
  }
  const trusted = trustedSigners.map((a) => getAddress(a));
  if (!trusted.includes(signer)) {
    throw new OtaError("bad_signature", `The firmware manifest is signed by ${signer}, not by the maker.`, {
      details: `Trusted signers: ${trusted.join(", ")}. A changed manifest recovers to another address.`,
    });
  }
  return signer;
}
