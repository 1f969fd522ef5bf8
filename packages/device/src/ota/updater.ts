/**
 * Over-the-air updates into A/B slots. An image is installed only when its manifest is signed
 * by a trusted maker key, is for this hardware and rollout group, is newer than what runs and
 * not below the anti-rollback floor, and the image's size and SHA-256 match. It is written to
 * the inactive slot (a directory, replaced atomically), the device switches to it on trial, a
 * health check decides, and the device either confirms (raising the floor to the manifest's
 * minimumVersion) or rolls back to the slot it came from. A trial that never confirmed (power
 * lost mid-check) is rolled back on the next start by `recover()`, as a bootloader's boot
 * counter would.
 *
 *   <root>/state.json   which slot is active, versions, the floor, a trial in progress
 *   <root>/a/, <root>/b/   firmware.img + manifest.json
 *   <root>/current      symlink to the active slot (what the boot script runs)
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  compareFirmwareVersions as compareVersions,
  type FirmwareManifest,
  type SignedFirmwareManifest,
} from "@dimo-open/protocol";
import type { Address } from "viem";
import { OtaError } from "./errors.ts";
import { verifyFirmwareManifest } from "./manifest.ts";

export type Slot = "a" | "b";

interface SlotState {
  version: string;
  sha256?: string;
  confirmed: boolean;
}

export interface UpdaterState {
  active: Slot;
  slots: Partial<Record<Slot, SlotState>>;
  /** Anti-rollback floor: no image below it is ever installed. */
  floor: string;
  trial?: { slot: Slot; previous: Slot; startedAt: number };
}

export interface FirmwareUpdaterOptions {
  root: string;
  /** Maker keys whose signatures are accepted (pinned at manufacture). */
  trustedSigners: readonly Address[];
  hardware: string;
  rolloutGroup: string;
  /** Runs against the new slot after the switch; false or a throw rolls back. */
  healthCheck: (slotDir: string, manifest: FirmwareManifest) => Promise<boolean>;
  healthCheckTimeoutMs?: number;
  maxImageBytes?: number;
  now?: () => number;
}

export type InstallResult =
  | { status: "installed"; slot: Slot; version: string }
  | { status: "rolled-back"; slot: Slot; version: string; reason: string };

const other = (s: Slot): Slot => (s === "a" ? "b" : "a");

export class FirmwareUpdater {
  readonly #o: FirmwareUpdaterOptions;
  #state: UpdaterState;

  private constructor(options: FirmwareUpdaterOptions, state: UpdaterState) {
    this.#o = options;
    this.#state = state;
  }

  /**
   * Opens the slots at `root`; a fresh root is set up with `factory` (the version the device
   * left the factory with) in slot a.
   */
  static open(
    options: FirmwareUpdaterOptions,
    factory: { version: string } = { version: "0.0.0" },
  ): FirmwareUpdater {
    mkdirSync(options.root, { recursive: true });
    const path = join(options.root, "state.json");
    let state: UpdaterState;
    if (existsSync(path)) state = JSON.parse(readFileSync(path, "utf8")) as UpdaterState;
    else {
      state = {
        active: "a",
        slots: { a: { version: factory.version, confirmed: true } },
        floor: factory.version,
      };
      mkdirSync(join(options.root, "a"), { recursive: true });
    }
    const updater = new FirmwareUpdater(options, state);
    updater.#persist();
    return updater;
  }

  get state(): Readonly<UpdaterState> {
    return structuredClone(this.#state);
  }

  get version(): string {
    return this.#state.slots[this.#state.active]!.version;
  }

  slotDir(slot: Slot): string {
    return join(this.#o.root, slot);
  }

  /** After a restart: a trial that never confirmed failed; go back to the slot it came from. */
  recover(): { rolledBack: boolean } {
    const trial = this.#state.trial;
    if (!trial) return { rolledBack: false };
    this.#rollBack(trial.previous, trial.slot);
    return { rolledBack: true };
  }

  async install(
    signed: SignedFirmwareManifest,
    image: Uint8Array | { path: string },
  ): Promise<InstallResult> {
    const o = this.#o;
    await verifyFirmwareManifest(signed, o.trustedSigners);
    const m = signed.manifest;
    if (m.hardware !== o.hardware) {
      throw new OtaError(
        "wrong_hardware",
        `Firmware ${m.name} ${m.version} is for ${m.hardware}, not ${o.hardware}.`,
      );
    }
    if (m.rolloutGroup !== "*" && m.rolloutGroup !== o.rolloutGroup) {
      throw new OtaError(
        "not_in_rollout",
        `Firmware ${m.version} is for rollout group ${m.rolloutGroup}; this device is in ${o.rolloutGroup}.`,
      );
    }
    if (compareVersions(m.version, this.version) <= 0) {
      throw new OtaError(
        "not_newer",
        `Firmware ${m.version} is not newer than the running ${this.version}.`,
        {
          details: "Devices never go back to an older image: publish a fix with a higher version.",
        },
      );
    }
    if (compareVersions(m.version, this.#state.floor) < 0) {
      throw new OtaError(
        "below_floor",
        `Firmware ${m.version} is below the anti-rollback floor ${this.#state.floor}.`,
      );
    }
    const max = o.maxImageBytes ?? 512 * 1024 * 1024;
    if (m.imageSize > max)
      throw new OtaError("too_large", `Firmware image of ${m.imageSize} bytes exceeds ${max}.`);
    const bytes = image instanceof Uint8Array ? image : await readFile(image.path);
    const sha = `0x${createHash("sha256").update(bytes).digest("hex")}`;
    if (bytes.length !== m.imageSize || sha !== m.imageSha256) {
      throw new OtaError("hash_mismatch", "The firmware image does not match its signed manifest.", {
        details: `Got ${bytes.length} bytes with sha256 ${sha}; the manifest says ${m.imageSize} bytes, ${m.imageSha256}.`,
      });
    }

    // Write the inactive slot aside and swap it in whole.
    const slot = other(this.#state.active);
    const dir = this.slotDir(slot);
    const staging = `${dir}.staging`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    writeFileSync(join(staging, "firmware.img"), bytes, { flush: true });
    writeFileSync(join(staging, "manifest.json"), JSON.stringify(signed, null, 2), { flush: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);

    // Switch on trial.
    const previous = this.#state.active;
    this.#state.slots[slot] = { version: m.version, sha256: sha, confirmed: false };
    this.#state.trial = { slot, previous, startedAt: o.now?.() ?? Date.now() };
    this.#state.active = slot;
    this.#persist();

    let healthy = false;
    let reason = "health check failed";
    try {
      healthy = await withTimeout(o.healthCheck(dir, m), o.healthCheckTimeoutMs ?? 60_000);
    } catch (error) {
      reason = `health check failed: ${(error as Error).message}`;
    }
    if (!healthy) {
      this.#rollBack(previous, slot);
      return { status: "rolled-back", slot: previous, version: this.version, reason };
    }
    this.#state.slots[slot]!.confirmed = true;
    delete this.#state.trial;
    if (compareVersions(m.minimumVersion, this.#state.floor) > 0) this.#state.floor = m.minimumVersion;
    this.#persist();
    return { status: "installed", slot, version: m.version };
  }

  #rollBack(to: Slot, failed: Slot): void {
    this.#state.active = to;
    const f = this.#state.slots[failed];
    if (f) f.confirmed = false;
    delete this.#state.trial;
    this.#persist();
  }

  #persist(): void {
    const root = this.#o.root;
    const tmp = join(root, "state.json.tmp");
    writeFileSync(tmp, JSON.stringify(this.#state, null, 2), { flush: true });
    renameSync(tmp, join(root, "state.json"));
    const link = join(root, "current.tmp");
    rmSync(link, { force: true });
    symlinkSync(this.#state.active, link);
    renameSync(link, join(root, "current"));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
