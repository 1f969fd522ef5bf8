/**
 * OTA releases. A maker publishes a release by sending its signed manifest (the node checks the
 * signature against the maker's keys on chain), then the image (refused unless its size and
 * SHA-256 are the manifest's). Rollout orders, signed by the maker too, set the share of its
 * devices that are offered the release (basis points, deterministic per device: a device is in
 * when its bucket — a hash of the release and its address — is below the share, so widening a
 * rollout only ever adds devices) or halt it. Devices ask which release they should install;
 * they verify the manifest themselves before installing (docs/ota.md).
 *
 * Tables: `firmware_releases`, `firmware_rollout_orders` (every order applied, as signed).
 * Images: `<dir>/<sha256>.img`, written aside and renamed once checked.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import type { SerialConnection } from "../../api/sql.ts";
import type { IdentityIndex } from "../../identity/index.ts";
import { compareVersions } from "../config/versions.ts";
import { DeviceServiceNotFoundError, FirmwareReleaseError } from "../errors.ts";
import {
  type FirmwareManifest,
  firmwareManifestDigest,
  type SignedFirmwareManifest,
  type SignedFirmwareRollout,
  verifyFirmwareManifest,
  verifyFirmwareRollout,
} from "./manifest.ts";

/** Which keys sign a maker's firmware: the port the release service checks signatures against. */
export interface MakerKeys {
  trustedSigners(manufacturerId: bigint): Promise<Address[]>;
}

/** On-chain attribute a maker may set to name extra release keys (comma-separated addresses). */
export const FIRMWARE_SIGNERS_ATTRIBUTE = "firmwareSigners";

/** The maker's keys from the chain index: the manufacturer NFT's owner and its `firmwareSigners` attribute. */
export class IdentityMakerKeys implements MakerKeys {
  constructor(private readonly identity: IdentityIndex) {}

  async trustedSigners(manufacturerId: bigint): Promise<Address[]> {
    const maker = await this.identity.getManufacturer({ tokenId: manufacturerId });
    if (!maker) return [];
    const extra = (maker.attributes[FIRMWARE_SIGNERS_ATTRIBUTE] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => isAddress(s, { strict: false }))
      .map((s) => getAddress(s));
    return [...new Set([maker.owner, ...extra])];
  }
}

export type ReleaseStatus = "awaiting_image" | "ready";

export interface FirmwareRelease {
  /** The manifest's EIP-712 digest. */
  id: Hex;
  manufacturerId: bigint;
  manifest: FirmwareManifest;
  signature: Hex;
  signer: Address;
  status: ReleaseStatus;
  /** Share of devices offered the release, 0–10,000. */
  basisPoints: number;
  halted: boolean;
  /** `issuedAt` (Unix seconds) of the last rollout order applied. */
  lastOrderAt: number | undefined;
  createdAt: number;
}

/** What a device is told to install. */
export interface FirmwareOffer {
  releaseId: Hex;
  manifest: FirmwareManifest;
  signature: Hex;
  /** Path of the image under the node (GET). */
  imagePath: string;
}

/** The device's bucket for a release, 0–9,999: in the rollout when below its basis points. */
export function rolloutBucket(
  manifest: Pick<FirmwareManifest, "name" | "hardware" | "version">,
  device: Address,
): number {
  const digest = createHash("sha256")
    .update(`${manifest.name}\n${manifest.hardware}\n${manifest.version}\n${device.toLowerCase()}`)
    .digest();
  return digest.readUInt32BE(0) % 10_000;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS firmware_releases (
     id VARCHAR PRIMARY KEY, manufacturer_id BIGINT NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
     hardware VARCHAR NOT NULL, rollout_group VARCHAR NOT NULL, image_sha256 VARCHAR NOT NULL, manifest VARCHAR NOT NULL, signature VARCHAR NOT NULL,
     signer VARCHAR NOT NULL, status VARCHAR NOT NULL, basis_points INTEGER NOT NULL, halted BOOLEAN NOT NULL,
     last_order_at BIGINT, created_at BIGINT NOT NULL, UNIQUE (manufacturer_id, name, hardware, version))`,
  `CREATE TABLE IF NOT EXISTS firmware_rollout_orders (
     release_id VARCHAR NOT NULL, basis_points INTEGER NOT NULL, halted BOOLEAN NOT NULL, issued_at BIGINT NOT NULL,
     signer VARCHAR NOT NULL, signature VARCHAR NOT NULL, applied_at BIGINT NOT NULL)`,
];

export interface FirmwareReleasesOptions {
  sql: SerialConnection;
  /** Where images are kept. */
  dir: string;
  makers: MakerKeys;
  /** Devices' manufacturers (the chain index). */
  identity: Pick<IdentityIndex, "getDevice">;
  /** Largest image accepted (default 512 MiB, as devices). */
  maxImageBytes?: number;
  /** How far a rollout order's `issuedAt` may be from the node's clock (default 10 minutes). */
  orderSkewMs?: number;
  now?: () => number;
}

export class FirmwareReleases {
  private constructor(private readonly o: FirmwareReleasesOptions) {}

  static async open(o: FirmwareReleasesOptions): Promise<FirmwareReleases> {
    for (const statement of SCHEMA) await o.sql.run(statement);
    mkdirSync(o.dir, { recursive: true });
    return new FirmwareReleases(o);
  }

  #now(): number {
    return this.o.now?.() ?? Date.now();
  }

  imagePath(sha256: string): string {
    return join(this.o.dir, `${sha256.replace(/^0x/, "")}.img`);
  }

  /**
   * Registers a release from its signed manifest: the signer must be one of the maker's keys, and
   * the same name, hardware and version may be released once. It waits for its image, with a
   * rollout of 0 until the maker orders one.
   */
  async publish(p: { manufacturerId: bigint; signed: SignedFirmwareManifest }): Promise<FirmwareRelease> {
    const trusted = await this.o.makers.trustedSigners(p.manufacturerId);
    if (trusted.length === 0) {
      throw new DeviceServiceNotFoundError(`No manufacturer ${p.manufacturerId} on chain.`);
    }
    const signer = await verifyFirmwareManifest(p.signed, trusted);
    const m = p.signed.manifest;
    const id = firmwareManifestDigest(m);
    const [existing] = await this.o.sql.all(
      "SELECT id FROM firmware_releases WHERE manufacturer_id = ? AND name = ? AND hardware = ? AND version = ?",
      [p.manufacturerId, m.name, m.hardware, m.version],
    );
    if (existing) {
      throw new FirmwareReleaseError(
        "duplicate_release",
        `${m.name} ${m.version} for ${m.hardware} is released already.`,
        {
          details: `Release ${String(existing.id)}. Versions are immutable: release a new version instead.`,
        },
      );
    }
    const status: ReleaseStatus = existsSync(this.imagePath(m.imageSha256)) ? "ready" : "awaiting_image";
    await this.o.sql.run(
      "INSERT INTO firmware_releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, false, NULL, ?)",
      [
        id,
        p.manufacturerId,
        m.name,
        m.version,
        m.hardware,
        m.rolloutGroup,
        m.imageSha256,
        JSON.stringify(m),
        p.signed.signature,
        signer,
        status,
        this.#now(),
      ],
    );
    return (await this.get(id))!;
  }

  async get(id: string): Promise<FirmwareRelease | undefined> {
    const [row] = await this.o.sql.all("SELECT * FROM firmware_releases WHERE id = ?", [id]);
    return row && toRelease(row);
  }

  async list(manufacturerId: bigint): Promise<FirmwareRelease[]> {
    const rows = await this.o.sql.all(
      "SELECT * FROM firmware_releases WHERE manufacturer_id = ? ORDER BY created_at DESC",
      [manufacturerId],
    );
    // Newest first; releases of the same moment by version.
    return rows
      .map(toRelease)
      .sort((a, b) => b.createdAt - a.createdAt || compareVersions(b.manifest.version, a.manifest.version));
  }

  /**
   * Stores the release's image from a stream: refused (and nothing kept) unless it is exactly the
   * manifest's size and SHA-256.
   */
  async putImage(id: string, body: AsyncIterable<Uint8Array> | Uint8Array): Promise<FirmwareRelease> {
    const release = await this.get(id);
    if (!release) throw new DeviceServiceNotFoundError(`No firmware release ${id.slice(0, 80)}.`);
    const { imageSha256, imageSize } = release.manifest;
    const limit = Math.min(imageSize, this.o.maxImageBytes ?? 512 * 1024 * 1024);
    if (imageSize > limit) {
      throw new FirmwareReleaseError(
        "image_mismatch",
        `The manifest's image of ${imageSize} bytes exceeds ${limit}.`,
      );
    }
    const target = this.imagePath(imageSha256);
    if (!existsSync(target)) {
      const tmp = `${target}.${randomUUID()}.part`;
      const hash = createHash("sha256");
      let size = 0;
      const file = await open(tmp, "wx", 0o600);
      try {
        const chunks = body instanceof Uint8Array ? [body] : body;
        for await (const chunk of chunks) {
          size += chunk.byteLength;
          if (size > imageSize) {
            throw new FirmwareReleaseError(
              "image_mismatch",
              `The image is larger than the ${imageSize} bytes the manifest names.`,
            );
          }
          hash.update(chunk);
          await file.write(chunk);
        }
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(tmp, { force: true });
        throw error;
      }
      await file.close();
      const sha = `0x${hash.digest("hex")}`;
      if (size !== imageSize || sha !== imageSha256) {
        await rm(tmp, { force: true });
        throw new FirmwareReleaseError("image_mismatch", "The image is not the one the manifest names.", {
          details: `Received ${size} bytes with SHA-256 ${sha}; the manifest names ${imageSize} bytes, ${imageSha256}.`,
        });
      }
      await rename(tmp, target);
    }
    // Every release naming this image (e.g. one per rollout group) is ready now.
    await this.o.sql.run("UPDATE firmware_releases SET status = 'ready' WHERE image_sha256 = ?", [
      imageSha256,
    ]);
    return (await this.get(id))!;
  }

  /**
   * Applies a maker-signed rollout order: the share of devices offered the release, or a halt.
   * Orders apply in `issuedAt` order (an older or replayed one is refused) and only near the
   * node's clock.
   */
  async applyRollout(id: string, signed: SignedFirmwareRollout): Promise<FirmwareRelease> {
    const release = await this.get(id);
    if (!release) throw new DeviceServiceNotFoundError(`No firmware release ${id.slice(0, 80)}.`);
    const signer = await verifyFirmwareRollout(
      signed,
      await this.o.makers.trustedSigners(release.manufacturerId),
    );
    const order = signed.order;
    const m = release.manifest;
    if (order.name !== m.name || order.version !== m.version || order.hardware !== m.hardware) {
      throw new FirmwareReleaseError(
        "invalid_manifest",
        `The order is for ${order.name} ${order.version} (${order.hardware}), not this release.`,
        { details: `This release is ${m.name} ${m.version} for ${m.hardware}.` },
      );
    }
    const skew = this.o.orderSkewMs ?? 10 * 60_000;
    if (Math.abs(order.issuedAt * 1000 - this.#now()) > skew) {
      throw new FirmwareReleaseError(
        "stale_order",
        `The order was issued at ${order.issuedAt}, too far from now.`,
        {
          details: `Orders must be issued within ${skew / 1000} s of the node's clock (Unix seconds).`,
        },
      );
    }
    if (release.lastOrderAt !== undefined && order.issuedAt <= release.lastOrderAt) {
      throw new FirmwareReleaseError("stale_order", "A newer rollout order was applied already.", {
        details: `Last order issued at ${release.lastOrderAt}; this one at ${order.issuedAt}.`,
      });
    }
    if (!order.halted && order.basisPoints > 0 && release.status !== "ready") {
      throw new FirmwareReleaseError(
        "not_ready",
        "The release has no image yet: upload it before rolling out.",
      );
    }
    await this.o.sql.transaction(async (tx) => {
      await tx.run(
        "UPDATE firmware_releases SET basis_points = ?, halted = ?, last_order_at = ? WHERE id = ?",
        [order.basisPoints, order.halted, order.issuedAt, id],
      );
      await tx.run("INSERT INTO firmware_rollout_orders VALUES (?, ?, ?, ?, ?, ?, ?)", [
        id,
        order.basisPoints,
        order.halted,
        order.issuedAt,
        signer,
        signed.signature,
        this.#now(),
      ]);
    });
    return (await this.get(id))!;
  }

  /**
   * The release the device at `address` should install now, if any: its maker's, for its hardware
   * and rollout group, newer than what it runs, not halted, and with the device in the rollout.
   * The newest such release wins.
   */
  async offerFor(
    address: string,
    p: { hardware: string; version: string; group?: string },
  ): Promise<FirmwareOffer | undefined> {
    if (!isAddress(address, { strict: false })) {
      throw new FirmwareReleaseError(
        "invalid_manifest",
        `${JSON.stringify(address.slice(0, 60))} is not an address.`,
      );
    }
    const device = await this.o.identity.getDevice({ address: getAddress(address) });
    if (!device) throw new DeviceServiceNotFoundError(`No device ${getAddress(address)} on chain.`);
    compareVersions(p.version, p.version); // throws on a malformed version
    const rows = await this.o.sql.all(
      `SELECT * FROM firmware_releases WHERE manufacturer_id = ? AND hardware = ? AND status = 'ready'
       AND NOT halted AND basis_points > 0 AND (rollout_group = '*' OR rollout_group = ?)`,
      [device.manufacturerId, p.hardware, p.group ?? "*"],
    );
    const candidates = rows
      .map(toRelease)
      .filter((r) => compareVersions(r.manifest.version, p.version) > 0)
      .sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
    const chosen = candidates.find((r) => rolloutBucket(r.manifest, device.address) < r.basisPoints);
    if (!chosen) return undefined;
    return {
      releaseId: chosen.id,
      manifest: chosen.manifest,
      signature: chosen.signature,
      imagePath: `/v1/firmware/images/${chosen.manifest.imageSha256}`,
    };
  }

  /** The stored image of a ready release, as a stream with its size. */
  async image(sha256: string): Promise<{ size: number; stream: ReturnType<typeof createReadStream> }> {
    if (!/^0x[0-9a-f]{64}$/.test(sha256)) throw new DeviceServiceNotFoundError("No such image.");
    const [row] = await this.o.sql.all(
      "SELECT id FROM firmware_releases WHERE status = 'ready' AND image_sha256 = ? LIMIT 1",
      [sha256],
    );
    const path = this.imagePath(sha256);
    if (!row || !existsSync(path)) throw new DeviceServiceNotFoundError(`No image ${sha256}.`);
    return { size: (await stat(path)).size, stream: createReadStream(path) };
  }
}

function toRelease(row: Record<string, unknown>): FirmwareRelease {
  return {
    id: String(row.id) as Hex,
    manufacturerId: BigInt(row.manufacturer_id as bigint),
    manifest: JSON.parse(String(row.manifest)) as FirmwareManifest,
    signature: String(row.signature) as Hex,
    signer: String(row.signer) as Address,
    status: String(row.status) as ReleaseStatus,
    basisPoints: Number(row.basis_points),
    halted: Boolean(row.halted),
    lastOrderAt:
      row.last_order_at === null || row.last_order_at === undefined ? undefined : Number(row.last_order_at),
    createdAt: Number(row.created_at),
  };
}
