/**
 * Firmware releases as the maker's console prepares them: the manifest devices check before an
 * OTA update (docs/ota.md), hashed and signed here with the maker's wallet as EIP-712 typed
 * data. The wire format (domain, type, field rules) is the device agent's; a test checks that
 * the device's own verifier accepts what this module signs.
 */
import { type Hex, toHex } from "viem";

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

export interface FirmwareManifest {
  name: string;
  version: string;
  minimumVersion: string;
  rolloutGroup: string;
  hardware: string;
  imageSha256: Hex;
  imageSize: number;
}

export class InvalidFirmwareManifestError extends Error {
  override name = "InvalidFirmwareManifestError";
}

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
const LABEL = /^.{1,64}$/su;

/** Checks a manifest the way devices do; throws naming the field and what it must be. */
export function checkFirmwareManifest(m: FirmwareManifest): FirmwareManifest {
  const fail = (field: string, rule: string, value: unknown) => {
    throw new InvalidFirmwareManifestError(
      `Firmware ${field} must be ${rule}; got ${JSON.stringify(value)}.`,
    );
  };
  for (const field of ["name", "rolloutGroup", "hardware"] as const)
    if (!LABEL.test(m[field])) fail(field, "1–64 characters", m[field]);
  if (!SEMVER.test(m.version)) fail("version", "X.Y.Z", m.version);
  if (!SEMVER.test(m.minimumVersion)) fail("minimum version", "X.Y.Z", m.minimumVersion);
  if (compareVersions(m.minimumVersion, m.version) > 0)
    fail("minimum version", `at most the version (${m.version})`, m.minimumVersion);
  if (!/^0x[0-9a-f]{64}$/.test(m.imageSha256)) fail("image hash", "a lowercase 0x SHA-256", m.imageSha256);
  if (!Number.isInteger(m.imageSize) || m.imageSize < 1 || m.imageSize > 2 ** 40)
    fail("image size", "1 byte to 1 TiB", m.imageSize);
  return m;
}

/** Compares X.Y.Z versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The typed data a wallet signs (`signTypedData`) for a manifest. */
export function firmwareTypedData(m: FirmwareManifest) {
  checkFirmwareManifest(m);
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_MANIFEST_TYPES,
    primaryType: "FirmwareManifest" as const,
    message: { ...m, imageSize: BigInt(m.imageSize) },
  };
}

/** SHA-256 of an image, as the manifest carries it (WebCrypto: browsers and Node alike). */
export async function imageSha256(bytes: ArrayBuffer | Uint8Array): Promise<Hex> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/** A maker's signed order widening, narrowing or halting a release's rollout at a node. */
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

export interface FirmwareRollout {
  name: string;
  version: string;
  hardware: string;
  /** Share of the maker's devices (of that hardware and group) offered the release: 0–10,000. */
  basisPoints: number;
  halted: boolean;
  /** Unix seconds; each order must be newer than the last one the node applied. */
  issuedAt: number;
}

/** The typed data a wallet signs for a rollout order; refuses shares outside 0–100 %. */
export function rolloutTypedData(o: FirmwareRollout) {
  if (!Number.isInteger(o.basisPoints) || o.basisPoints < 0 || o.basisPoints > 10_000)
    throw new InvalidFirmwareManifestError(
      `A rollout share must be 0–10,000 basis points; got ${o.basisPoints}.`,
    );
  if (!Number.isInteger(o.issuedAt) || o.issuedAt < 0)
    throw new InvalidFirmwareManifestError(`issuedAt must be Unix seconds; got ${o.issuedAt}.`);
  return {
    domain: FIRMWARE_DOMAIN,
    types: FIRMWARE_ROLLOUT_TYPES,
    primaryType: "FirmwareRollout" as const,
    message: { ...o, issuedAt: BigInt(o.issuedAt) },
  };
}
