/**
 * The maker-signed documents of an OTA release (docs/ota.md, docs/device-services.md):
 *
 * - the firmware manifest devices verify before installing — EIP-712, domain
 *   `{name: "DIMO Firmware", version: "1"}`, type `FirmwareManifest(string name,string version,
 *   string minimumVersion,string rolloutGroup,string hardware,bytes32 imageSha256,uint64 imageSize)`;
 * - rollout orders, which the node obeys to widen, narrow or halt a release's rollout —
 *   same domain, type `FirmwareRollout(string name,string version,string hardware,
 *   uint16 basisPoints,bool halted,uint64 issuedAt)`.
 *
 * Written here against the documented format (the node does not depend on the device package);
 * a manifest signed by the device's `signFirmwareManifest` verifies here and the other way round.
 */
import { type Address, getAddress, type Hex, hashTypedData, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { FirmwareReleaseError } from "../errors.ts";

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

export const FIRMWARE_ROLLOUT_TYPES = {
  FirmwareRollout: [
    { name: "name", type: "string" },
    { name: "version", type: "string" },
    { name: "hardware", type: "string" },
    { name: "basisPoints", type: "uint16" },
    { name: "halted", type: "bool" },
    { name: "issuedAt", type: "uint64" },
  ],
} as const;

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
const LABEL = z.string().min(1).max(64);

export const FirmwareManifestSchema = z.strictObject({
  name: LABEL,
  version: z.string().regex(SEMVER, "a version X.Y.Z"),
  minimumVersion: z.string().regex(SEMVER, "a version X.Y.Z"),
  /** "*" for every device. */
  rolloutGroup: LABEL,
  hardware: LABEL,
  imageSha256: z.string().regex(/^0x[0-9a-f]{64}$/, "0x and 64 lowercase hex digits"),
  imageSize: z
    .number()
    .int()
    .min(1)
    .max(2 ** 40),
});
export type FirmwareManifest = z.infer<typeof FirmwareManifestSchema>;

export interface SignedFirmwareManifest {
  manifest: FirmwareManifest;
  signature: Hex;
}

export const FirmwareRolloutSchema = z.strictObject({
  name: LABEL,
  version: z.string().regex(SEMVER, "a version X.Y.Z"),
  hardware: LABEL,
  /** Share of the maker's devices (of that hardware and group) offered the release, 0–10,000 (100 % = 10,000). */
  basisPoints: z.number().int().min(0).max(10_000),
  halted: z.boolean(),
  /** Unix seconds; each order must be newer than the last one applied. */
  issuedAt: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40),
});
export type FirmwareRollout = z.infer<typeof FirmwareRolloutSchema>;

export interface SignedFirmwareRollout {
  order: FirmwareRollout;
  signature: Hex;
}

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

function manifestTypedData(m: FirmwareManifest) {
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_MANIFEST_TYPES,
    primaryType: "FirmwareManifest" as const,
    message: { ...m, imageSha256: m.imageSha256 as Hex, imageSize: BigInt(m.imageSize) },
  };
}

function rolloutTypedData(o: FirmwareRollout) {
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_ROLLOUT_TYPES,
    primaryType: "FirmwareRollout" as const,
    message: { ...o, issuedAt: BigInt(o.issuedAt) },
  };
}

function shape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FirmwareReleaseError(
      "invalid_manifest",
      `${what}: ${issue.path.join(".") || "(root)"} ${issue.message}.`,
      {
        details: "See docs/ota.md for the manifest and docs/device-services.md for rollout orders.",
      },
    );
  }
  return parsed.data;
}

/** The EIP-712 digest of a manifest: the release's id (one manifest, one release). */
export function firmwareManifestDigest(manifest: FirmwareManifest): Hex {
  return hashTypedData(manifestTypedData(shape(FirmwareManifestSchema, manifest, "Firmware manifest")));
}

async function recover(run: () => Promise<Address>): Promise<Address> {
  try {
    return await run();
  } catch (error) {
    throw new FirmwareReleaseError("bad_signature", "The signature is malformed.", { cause: error });
  }
}

function checkSigner(signer: Address, trusted: readonly Address[], what: string): Address {
  const keys = trusted.map((a) => getAddress(a));
  if (!keys.includes(signer)) {
    throw new FirmwareReleaseError("bad_signature", `The ${what} is signed by ${signer}, not by the maker.`, {
      details: `The maker's keys: ${keys.join(", ") || "(none)"}. A changed document recovers to another address.`,
    });
  }
  return signer;
}

/** Checks a signed manifest's shape and that one of the maker's keys signed it; returns the signer. */
export async function verifyFirmwareManifest(
  signed: SignedFirmwareManifest,
  trustedSigners: readonly Address[],
): Promise<Address> {
  const manifest = shape(FirmwareManifestSchema, signed?.manifest, "Firmware manifest");
  if (typeof signed.signature !== "string" || !SIGNATURE.test(signed.signature)) {
    throw new FirmwareReleaseError("bad_signature", "The manifest's signature is not 65 bytes of 0x-hex.");
  }
  const signer = await recover(() =>
    recoverTypedDataAddress({ ...manifestTypedData(manifest), signature: signed.signature }),
  );
  return checkSigner(signer, trustedSigners, "firmware manifest");
}

/** Checks a signed rollout order's shape and signer; returns the signer. */
export async function verifyFirmwareRollout(
  signed: SignedFirmwareRollout,
  trustedSigners: readonly Address[],
): Promise<Address> {
  const order = shape(FirmwareRolloutSchema, signed?.order, "Rollout order");
  if (typeof signed.signature !== "string" || !SIGNATURE.test(signed.signature)) {
    throw new FirmwareReleaseError(
      "bad_signature",
      "The rollout order's signature is not 65 bytes of 0x-hex.",
    );
  }
  const signer = await recover(() =>
    recoverTypedDataAddress({ ...rolloutTypedData(order), signature: signed.signature }),
  );
  return checkSigner(signer, trustedSigners, "rollout order");
}

/** What a maker's release tooling does (tests, the CLI): sign a manifest with an account. */
export async function signFirmwareManifest(
  maker: { signTypedData: (args: ReturnType<typeof manifestTypedData>) => Promise<Hex> },
  manifest: FirmwareManifest,
): Promise<SignedFirmwareManifest> {
  const valid = shape(FirmwareManifestSchema, manifest, "Firmware manifest");
  return { manifest: valid, signature: await maker.signTypedData(manifestTypedData(valid)) };
}

/** Signs a rollout order with the maker's account. */
export async function signFirmwareRollout(
  maker: { signTypedData: (args: ReturnType<typeof rolloutTypedData>) => Promise<Hex> },
  order: FirmwareRollout,
): Promise<SignedFirmwareRollout> {
  const valid = shape(FirmwareRolloutSchema, order, "Rollout order");
  return { order: valid, signature: await maker.signTypedData(rolloutTypedData(valid)) };
}
