/**
 * `dimo ota publish|status|rollout|halt` (docs/ota.md): a maker releases firmware. The maker's key
 * signs the manifest (EIP-712, the node's and the device's format: name, version, minimum version,
 * rollout group, hardware, SHA-256 and size of the image) and every rollout order; the node checks
 * both against the manufacturer's keys on chain, so no account on the node is needed. Devices
 * verify the manifest again before installing.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { deviceServices } from "@dimo-open/node";
import {
  FirmwareDocumentError,
  type FirmwareManifest,
  type SignedFirmwareManifest,
  signFirmwareManifest,
  signFirmwareRollout,
} from "@dimo-open/protocol";
import { DimoApiError, type FirmwareReleaseInfo } from "@dimo-open/sdk";
import { type Command, InvalidArgumentError } from "commander";
import type { Address, LocalAccount } from "viem";
import { tokenId } from "../args.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatTime, table } from "../output.ts";
import {
  type CommonOptions,
  type Context,
  context,
  identity,
  manufacturerOf,
  readCommand,
  writeCommand,
} from "./common.ts";

type Release = FirmwareReleaseInfo<FirmwareManifest>;

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

function semver(value: string): string {
  if (!SEMVER.test(value.trim()))
    throw new InvalidArgumentError(`expected a version X.Y.Z such as 1.4.0, got "${value}".`);
  return value.trim();
}

/** "25" or "12.5" (percent) → basis points (0–10,000). */
export function rolloutPercent(value: string): number {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?%?$/.exec(value.trim());
  const bp = m ? Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0")) : Number.NaN;
  if (!m || bp > 10_000)
    throw new InvalidArgumentError(`expected a share of devices from 0 to 100 (percent), got "${value}".`);
  return bp;
}

const percent = (bp: number) => `${bp / 100}%`;

/** The node's refusal as a sentence a maker can act on (the node's details included). */
function refusal(action: string, error: unknown): never {
  if (!(error instanceof DimoApiError)) throw error;
  const body = (error.body ?? {}) as { message?: string; details?: string };
  const message = body.message ?? error.message;
  const advice =
    error.code === "bad_signature"
      ? " Sign with the key that owns the manufacturer identity, or one it names in its firmwareSigners attribute."
      : error.code === "duplicate_release"
        ? " Publish a new version instead."
        : "";
  throw new CliError(
    `the node refused ${action}: ${message}${body.details ? ` ${body.details}` : ""}${advice}`,
    error.status >= 500 ? ExitCode.Failure : ExitCode.Refused,
  );
}

/**
 * A release by a unique prefix of its id among the maker's releases (`dimo ota status` shows the
 * first 10 characters). The whole 64-digit id looks like a private key, which the command line
 * refuses on principle, so prefixes are the way to name one.
 */
async function findRelease(ctx: Context, manufacturerId: bigint, ref: string): Promise<Release> {
  const wanted = ref.trim().toLowerCase();
  if (!/^0x[0-9a-f]{6,63}$/.test(wanted))
    throw new CliError(
      `"${ref}" is not a release id prefix (0x and 6 to 63 hex digits, as dimo ota status shows it).`,
      ExitCode.Usage,
    );
  const releases = (await ctx.node().firmwareReleases(manufacturerId)) as Release[];
  const matches = releases.filter((r) => r.id.toLowerCase().startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new CliError(
      `manufacturer ${manufacturerId} has no release ${ref} on this node (dimo ota status lists them).`,
      ExitCode.Refused,
    );
  throw new CliError(`${ref} matches ${matches.length} releases; give more of the id.`, ExitCode.Usage);
}

/**
 * Signs and sends a rollout order. `issuedAt` is now, or one second after the last order when
 * that was this same second (the node applies orders in strictly increasing `issuedAt`).
 */
async function order(
  ctx: Context,
  maker: LocalAccount,
  release: Release,
  p: { basisPoints: number; halted: boolean },
): Promise<Release> {
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = Math.max(now, (release.lastOrderAt ?? 0) + 1);
  const { name, version, hardware } = release.manifest;
  const signed = await signFirmwareRollout(maker, {
    name,
    version,
    hardware,
    basisPoints: p.basisPoints,
    halted: p.halted,
    issuedAt,
  });
  return (await ctx
    .node()
    .orderFirmwareRollout(release.id, signed)
    .catch((e) => refusal("the rollout order", e))) as Release;
}

interface DeviceRef {
  tokenId: number;
  address: Address;
}

/** The maker's devices from the node's identity index (every page). */
async function devicesOf(ctx: Context, manufacturerId: bigint): Promise<DeviceRef[]> {
  const out: DeviceRef[] = [];
  let after: string | null = null;
  for (;;) {
    const page: {
      aftermarketDevices: {
        nodes: DeviceRef[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await identity(
      ctx,
      `query($after: String, $m: Int) { aftermarketDevices(first: 100, after: $after, filterBy: { manufacturerId: $m }) { nodes { tokenId address } pageInfo { hasNextPage endCursor } } }`,
      { after, m: Number(manufacturerId) },
    );
    out.push(...page.aftermarketDevices.nodes);
    if (!page.aftermarketDevices.pageInfo.hasNextPage) return out;
    after = page.aftermarketDevices.pageInfo.endCursor;
  }
}

/** A release with the maker's devices whose rollout bucket is inside its share (the node's rule). */
function withReach(r: Release, devices: readonly DeviceRef[]) {
  const inRollout = r.halted
    ? []
    : devices.filter((d) => deviceServices.rolloutBucket(r.manifest, d.address) < r.basisPoints);
  return {
    ...r,
    rolloutPercent: r.basisPoints / 100,
    devices: devices.length,
    devicesInRollout: inRollout.map((d) => d.tokenId),
  };
}

function describe(r: ReturnType<typeof withReach>): string {
  const m = r.manifest;
  return [
    `${m.name} ${m.version} for ${m.hardware} (group ${m.rolloutGroup}, minimum ${m.minimumVersion})`,
    `  release  ${r.id}`,
    `  image    ${m.imageSha256}, ${m.imageSize} bytes, ${r.status === "ready" ? "uploaded" : "awaiting upload"}`,
    `  rollout  ${r.halted ? `HALTED (was ${percent(r.basisPoints)})` : percent(r.basisPoints)}: ${r.devicesInRollout.length} of ${r.devices} devices offered${r.devicesInRollout.length ? ` (${r.devicesInRollout.join(", ")})` : ""}`,
    `  signed   by ${r.signer}, published ${formatTime(Math.floor(r.createdAt / 1000))}${r.lastOrderAt ? `, last order ${formatTime(r.lastOrderAt)}` : ""}`,
  ].join("\n");
}

export function registerOtaCommands(program: Command): void {
  const ota = program
    .command("ota")
    .description("firmware releases: publish a signed image, staged rollout, halt, status");

  writeCommand(ota.command("publish"))
    .description("sign a firmware image's manifest with the maker's key, upload it and set its rollout")
    .argument("<image>", "the firmware image file")
    .requiredOption("--name <name>", "the firmware's name, e.g. od-1-firmware")
    .requiredOption("--version <X.Y.Z>", "this release's version", semver)
    .requiredOption("--hardware <board>", "the board it runs on (devices ask for their own)")
    .option(
      "--minimum-version <X.Y.Z>",
      "anti-rollback floor: devices that install it refuse anything older",
      semver,
      "0.0.0",
    )
    .option("--group <group>", 'rollout group; "*" for every device', "*")
    .option("--rollout <percent>", "share of the maker's devices offered it (0–100)", rolloutPercent, 0)
    .option("--manufacturer <id>", "the maker (default on the devnet: the demo maker)", tokenId)
    .action(
      async (
        image: string,
        o: CommonOptions & {
          name: string;
          version: string;
          hardware: string;
          minimumVersion: string;
          group: string;
          rollout: number;
          manufacturer?: bigint;
        },
      ) => {
        const ctx = await context(o);
        const manufacturerId = manufacturerOf(ctx, o.manufacturer);
        const bytes = new Uint8Array(
          await readFile(image).catch((error: Error) => {
            throw new CliError(`cannot read the image ${image}: ${error.message}`);
          }),
        );
        if (bytes.byteLength === 0) throw new CliError(`the image ${image} is empty.`);
        const manifest: FirmwareManifest = {
          name: o.name,
          version: o.version,
          minimumVersion: o.minimumVersion,
          rolloutGroup: o.group,
          hardware: o.hardware,
          imageSha256: `0x${createHash("sha256").update(bytes).digest("hex")}`,
          imageSize: bytes.byteLength,
        };
        const maker = await ctx.signer(`signing firmware for manufacturer ${manufacturerId}`);
        let signed: SignedFirmwareManifest;
        try {
          signed = await signFirmwareManifest(maker, manifest);
        } catch (error) {
          // A manifest that does not check out (e.g. a floor above its own version).
          if (error instanceof FirmwareDocumentError) throw new CliError(error.message, ExitCode.Usage);
          throw error;
        }
        const node = ctx.node();
        const published = (await node
          .publishFirmwareRelease({ manufacturerId, ...signed })
          .catch((e) => refusal("the release", e))) as Release;
        ctx.out.progress(`release ${published.id} registered; uploading ${bytes.byteLength} bytes`);
        let release = (await node
          .uploadFirmwareImage(published.id, bytes)
          .catch((e) => refusal("the image", e))) as Release;
        if (o.rollout > 0)
          release = await order(ctx, maker, release, { basisPoints: o.rollout, halted: false });
        const result = withReach(release, await devicesOf(ctx, manufacturerId));
        ctx.out.result(result, () =>
          [
            `Published ${describe(result)}`,
            o.rollout === 0
              ? `Offered to no device yet: widen it with dimo ota rollout ${release.id.slice(0, 10)} --percent <n>.`
              : "",
          ].join("\n"),
        );
      },
    );

  writeCommand(ota.command("rollout"))
    .description("widen or narrow a release's staged rollout (a maker-signed order); resumes a halted one")
    .argument("<release>", "the release: a unique prefix of its id, as dimo ota status shows it")
    .requiredOption("--percent <n>", "share of the maker's devices offered it (0–100)", rolloutPercent)
    .option("--manufacturer <id>", "the maker (default on the devnet: the demo maker)", tokenId)
    .action(async (ref: string, o: CommonOptions & { percent: number; manufacturer?: bigint }) => {
      const ctx = await context(o);
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const release = await findRelease(ctx, manufacturerId, ref);
      const maker = await ctx.signer(
        `ordering the rollout of ${release.manifest.name} ${release.manifest.version}`,
      );
      const updated = await order(ctx, maker, release, { basisPoints: o.percent, halted: false });
      const result = withReach(updated, await devicesOf(ctx, manufacturerId));
      ctx.out.result(result, () => `Rollout set. ${describe(result)}`);
    });

  writeCommand(ota.command("halt"))
    .description("stop offering a release to any device (a maker-signed order); rollout resumes it")
    .argument("<release>", "the release: a unique prefix of its id, as dimo ota status shows it")
    .option("--manufacturer <id>", "the maker (default on the devnet: the demo maker)", tokenId)
    .action(async (ref: string, o: CommonOptions & { manufacturer?: bigint }) => {
      const ctx = await context(o);
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const release = await findRelease(ctx, manufacturerId, ref);
      if (release.halted) throw new CliError(`release ${release.id} is halted already.`, ExitCode.Refused);
      const maker = await ctx.signer(`halting ${release.manifest.name} ${release.manifest.version}`);
      const updated = await order(ctx, maker, release, { basisPoints: release.basisPoints, halted: true });
      const result = withReach(updated, await devicesOf(ctx, manufacturerId));
      ctx.out.result(result, () => `Halted. ${describe(result)}`);
    });

  readCommand(ota.command("status"))
    .description("a maker's releases: rollout share, halted or not, which of its devices are offered each")
    .option("--manufacturer <id>", "the maker (default on the devnet: the demo maker)", tokenId)
    .option("--release <id>", "only this release (a unique prefix of its id)")
    .action(async (o: CommonOptions & { manufacturer?: bigint; release?: string }) => {
      const ctx = await context(o);
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const releases = o.release
        ? [await findRelease(ctx, manufacturerId, o.release)]
        : ((await ctx.node().firmwareReleases(manufacturerId)) as Release[]);
      const devices = await devicesOf(ctx, manufacturerId);
      const result = {
        manufacturerId,
        // The node records what it offers, not what each device installed: devices report
        // their running version only when they ask for an update.
        releases: releases.map((r) => withReach(r, devices)),
      };
      ctx.out.result(result, () =>
        result.releases.length === 0
          ? `Manufacturer ${manufacturerId} has no firmware releases on this node (dimo ota publish <image> …).`
          : [
              `Manufacturer ${manufacturerId}: ${result.releases.length} release(s), ${devices.length} devices`,
              table([
                ["VERSION", "NAME", "HARDWARE", "GROUP", "IMAGE", "ROLLOUT", "OFFERED", "RELEASE"],
                ...result.releases.map((r) => [
                  r.manifest.version,
                  r.manifest.name,
                  r.manifest.hardware,
                  r.manifest.rolloutGroup,
                  r.status === "ready" ? "uploaded" : "awaiting",
                  r.halted ? `halted (${percent(r.basisPoints)})` : percent(r.basisPoints),
                  `${r.devicesInRollout.length}/${r.devices}`,
                  r.id.slice(0, 10),
                ]),
              ]),
            ].join("\n"),
      );
    });
}
