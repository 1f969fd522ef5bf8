/**
 * The maker-signed documents of an over-the-air update (docs/ota.md, docs/device-services.md),
 * defined once for the device that installs, the node that distributes and the console or CLI
 * that signs:
 *
 * - the firmware manifest a device verifies before installing: EIP-712, domain
 *   `{name: "DIMO Firmware", version: "1"}`, type `FirmwareManifest(string name,string version,
 *   string minimumVersion,string rolloutGroup,string hardware,bytes32 imageSha256,uint64 imageSize)`;
 * - the rollout order a node obeys to widen, narrow or halt a release: same domain, type
 *   `FirmwareRollout(string name,string version,string hardware,uint16 basisPoints,bool halted,
 *   uint64 issuedAt)`.
 *
 * No chain is involved (the maker's keys are whatever the device pins or the node reads from the
 * maker's NFT), so the domain carries no chainId: a manifest is valid on every network.
 */
import { type Address, getAddress, type Hex, hashTypedData, recoverTypedDataAddress } from "viem";

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

export type FirmwareManifest = {
  /** The firmware's name (a product line), 1–64 characters. */
  name: string;
  /** X.Y.Z. */
  version: string;
  /** The anti-rollback floor the device keeps once this is installed: X.Y.Z, at most `version`. */
  minimumVersion: string;
  /** Who gets it: "*" for every device, or a group name. */
  rolloutGroup: string;
  /** The hardware it is built for, 1–64 characters. */
  hardware: string;
  /** SHA-256 of the image: 0x and 64 lowercase hex digits. */
  imageSha256: string;
  /** Bytes, 1 to 2^40. */
  imageSize: number;
};

export type SignedFirmwareManifest = {
  manifest: FirmwareManifest;
  /** The maker's EIP-712 signature over the manifest. */
  signature: Hex;
};

export type FirmwareRollout = {
  name: string;
  version: string;
  hardware: string;
  /** Share of the maker's devices (of that hardware and group) offered the release, 0–10,000. */
  basisPoints: number;
  halted: boolean;
  /** Unix seconds; each order must be newer than the last one applied. */
  issuedAt: number;
};

export type SignedFirmwareRollout = {
  order: FirmwareRollout;
  signature: Hex;
};

export type FirmwareDocumentProblem = "invalid_manifest" | "bad_signature";

/** A manifest or rollout order that is malformed or not signed by the maker's key. */
export class FirmwareDocumentError extends Error {
  override name = "FirmwareDocumentError";
  constructor(
    readonly reason: FirmwareDocumentProblem,
    readonly shortMessage: string,
    readonly details?: string,
    options?: { cause?: unknown },
  ) {
    super(details ? `${shortMessage} ${details}` : shortMessage, options);
  }
}

const VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
const SHA256 = /^0x[0-9a-f]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

/** Compares X.Y.Z versions: negative, zero or positive. */
export function compareFirmwareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

type Rule = [field: string, rule: string, ok: (v: unknown) => boolean];

const label = (v: unknown) => typeof v === "string" && v.length >= 1 && v.length <= 64;
const version = (v: unknown) => typeof v === "string" && VERSION.test(v);
const integer = (min: number, max: number) => (v: unknown) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

const MANIFEST_RULES: Rule[] = [
  ["name", "1–64 characters", label],
  ["version", "a version X.Y.Z", version],
  ["minimumVersion", "a version X.Y.Z", version],
  ["rolloutGroup", "1–64 characters", label],
  ["hardware", "1–64 characters", label],
  ["imageSha256", "0x and 64 lowercase hex digits", (v) => typeof v === "string" && SHA256.test(v)],
  ["imageSize", "an integer of 1 to 2^40 bytes", integer(1, 2 ** 40)],
];

const ROLLOUT_RULES: Rule[] = [
  ["name", "1–64 characters", label],
  ["version", "a version X.Y.Z", version],
  ["hardware", "1–64 characters", label],
  ["basisPoints", "an integer of 0 to 10,000", integer(0, 10_000)],
  ["halted", "true or false", (v) => typeof v === "boolean"],
  ["issuedAt", "unix seconds (an integer of 0 to 2^40)", integer(0, 2 ** 40)],
];

function check<T>(value: unknown, rules: Rule[], what: string, help: string): T {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FirmwareDocumentError("invalid_manifest", `${what}: not an object.`, help);
  const record = value as Record<string, unknown>;
  for (const [field, rule, ok] of rules) {
    if (!ok(record[field]))
      throw new FirmwareDocumentError("invalid_manifest", `${what}: ${field} must be ${rule}.`, help);
  }
  const known = new Set(rules.map(([field]) => field));
  const extra = Object.keys(record).find((k) => !known.has(k));
  if (extra !== undefined)
    throw new FirmwareDocumentError("invalid_manifest", `${what}: unknown field ${extra}.`, help);
  return Object.fromEntries(rules.map(([field]) => [field, record[field]])) as T;
}

/** Checks a manifest's shape, as every device does; returns it or throws FirmwareDocumentError. */
export function checkFirmwareManifest(value: unknown): FirmwareManifest {
  const m = check<FirmwareManifest>(value, MANIFEST_RULES, "Firmware manifest", "See docs/ota.md.");
  if (compareFirmwareVersions(m.minimumVersion, m.version) > 0) {
    // Installed, it would set the device's floor above its own version.
    throw new FirmwareDocumentError(
      "invalid_manifest",
      `Firmware manifest: minimumVersion ${m.minimumVersion} is above the version ${m.version}.`,
      "See docs/ota.md.",
    );
  }
  return m;
}

/** Checks a rollout order's shape; returns it or throws FirmwareDocumentError. */
export function checkFirmwareRollout(value: unknown): FirmwareRollout {
  return check(value, ROLLOUT_RULES, "Rollout order", "See docs/device-services.md.");
}

/** The typed data a maker's wallet signs (`signTypedData`) for a manifest; checks it first. */
export function firmwareManifestTypedData(manifest: FirmwareManifest) {
  const m = checkFirmwareManifest(manifest);
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_MANIFEST_TYPES,
    primaryType: "FirmwareManifest" as const,
    message: { ...m, imageSha256: m.imageSha256 as Hex, imageSize: BigInt(m.imageSize) },
  };
}

/** The typed data a maker's wallet signs for a rollout order; checks it first. */
export function firmwareRolloutTypedData(order: FirmwareRollout) {
  const o = checkFirmwareRollout(order);
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_ROLLOUT_TYPES,
    primaryType: "FirmwareRollout" as const,
    message: { ...o, issuedAt: BigInt(o.issuedAt) },
  };
}

/** The EIP-712 digest of a manifest: a release's id (one manifest, one release). */
export function firmwareManifestDigest(manifest: FirmwareManifest): Hex {
  return hashTypedData(firmwareManifestTypedData(manifest));
}

/** A maker's release tooling signs a manifest (the key never reaches a device). */
export async function signFirmwareManifest(
  maker: { signTypedData(args: ReturnType<typeof firmwareManifestTypedData>): Promise<Hex> },
  manifest: FirmwareManifest,
): Promise<SignedFirmwareManifest> {
  const typed = firmwareManifestTypedData(manifest);
  return { manifest: checkFirmwareManifest(manifest), signature: await maker.signTypedData(typed) };
}

/** A maker signs a rollout order for the nodes that distribute its release. */
export async function signFirmwareRollout(
  maker: { signTypedData(args: ReturnType<typeof firmwareRolloutTypedData>): Promise<Hex> },
  order: FirmwareRollout,
): Promise<SignedFirmwareRollout> {
  const typed = firmwareRolloutTypedData(order);
  return { order: checkFirmwareRollout(order), signature: await maker.signTypedData(typed) };
}

async function signerOf(
  recover: () => Promise<Address>,
  signature: unknown,
  what: string,
  trusted: readonly Address[],
): Promise<Address> {
  if (typeof signature !== "string" || !SIGNATURE.test(signature))
    throw new FirmwareDocumentError("bad_signature", `The ${what}'s signature is not 65 bytes of 0x-hex.`);
  let signer: Address;
  try {
    signer = await recover();
  } catch (error) {
    throw new FirmwareDocumentError("bad_signature", `The ${what}'s signature does not recover.`, undefined, {
      cause: error,
    });
  }
  const keys = trusted.map((a) => getAddress(a));
  if (!keys.includes(signer)) {
    throw new FirmwareDocumentError(
      "bad_signature",
      `The ${what} is signed by ${signer}, not by the maker.`,
      `The maker's keys: ${keys.join(", ") || "(none)"}. A changed document recovers to another address.`,
    );
  }
  return signer;
}

/** Checks a signed manifest's shape and that one of `trusted` signed it; returns the signer. */
export async function verifyFirmwareManifestSignature(
  signed: SignedFirmwareManifest,
  trusted: readonly Address[],
): Promise<Address> {
  const typed = firmwareManifestTypedData(checkFirmwareManifest(signed?.manifest));
  return signerOf(
    () => recoverTypedDataAddress({ ...typed, signature: signed.signature }),
    signed.signature,
    "firmware manifest",
    trusted,
  );
}

/** Checks a signed rollout order's shape and that one of `trusted` signed it; returns the signer. */
export async function verifyFirmwareRolloutSignature(
  signed: SignedFirmwareRollout,
  trusted: readonly Address[],
): Promise<Address> {
  const typed = firmwareRolloutTypedData(checkFirmwareRollout(signed?.order));
  return signerOf(
    () => recoverTypedDataAddress({ ...typed, signature: signed.signature }),
    signed.signature,
    "rollout order",
    trusted,
  );
}
