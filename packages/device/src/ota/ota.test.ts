import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FirmwareManifest, signFirmwareManifest } from "@dimo-open/protocol";
import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { OtaError } from "./errors.ts";
import { FirmwareUpdater } from "./updater.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
const maker = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
const stranger = mnemonicToAccount(MNEMONIC, { addressIndex: 5 });

function image(text: string) {
  const bytes = new TextEncoder().encode(text);
  return { bytes, sha: `0x${createHash("sha256").update(bytes).digest("hex")}` };
}

function manifest(
  version: string,
  img: ReturnType<typeof image>,
  extra: Partial<FirmwareManifest> = {},
): FirmwareManifest {
  return {
    name: "dimo-agent",
    version,
    minimumVersion: version,
    rolloutGroup: "*",
    hardware: "dimo-ref-1",
    imageSha256: img.sha,
    imageSize: img.bytes.length,
    ...extra,
  };
}

function updater(
  healthy: (dir: string) => boolean | Promise<boolean> = () => true,
  root = mkdtempSync(join(tmpdir(), "dimo-ota-")),
) {
  return FirmwareUpdater.open(
    {
      root,
      trustedSigners: [maker.address],
      hardware: "dimo-ref-1",
      rolloutGroup: "stable",
      healthCheck: async (dir) => healthy(dir),
      healthCheckTimeoutMs: 300,
    },
    { version: "1.0.0" },
  );
}

describe("OTA updates", () => {
  it("installs a good image into the inactive slot, switches, confirms and raises the floor", async () => {
    const u = updater((dir) => readFileSync(join(dir, "firmware.img"), "utf8").startsWith("agent "));
    const img = image("agent 1.1.0");
    const signed = await signFirmwareManifest(maker, manifest("1.1.0", img, { minimumVersion: "1.1.0" }));
    const result = await u.install(signed, img.bytes);
    expect(result).toEqual({ status: "installed", slot: "b", version: "1.1.0" });
    expect(u.version).toBe("1.1.0");
    expect(u.state).toMatchObject({ active: "b", floor: "1.1.0", slots: { b: { confirmed: true } } });
    expect(readlinkSync(join(u.slotDir("b"), "..", "current"))).toBe("b");
    // The next update goes to the other slot.
    const next = image("agent 1.2.0");
    expect(
      (await u.install(await signFirmwareManifest(maker, manifest("1.2.0", next)), next.bytes)).slot,
    ).toBe("a");
  });

  it("rejects a tampered image and a tampered or foreign-signed manifest", async () => {
    const u = updater();
    const img = image("agent 1.1.0");
    const signed = await signFirmwareManifest(maker, manifest("1.1.0", img));
    const tampered = image("agent 1.1.0 + backdoor");
    const e1 = await u.install(signed, tampered.bytes).catch((e) => e);
    expect(e1).toBeInstanceOf(OtaError);
    expect(e1.reason).toBe("hash_mismatch");
    // The manifest changed to match the tampered image: the signature no longer holds.
    const forged = {
      ...signed,
      manifest: { ...signed.manifest, imageSha256: tampered.sha, imageSize: tampered.bytes.length },
    };
    expect((await u.install(forged, tampered.bytes).catch((e) => e)).reason).toBe("bad_signature");
    const foreign = await signFirmwareManifest(stranger, manifest("1.1.0", img));
    const e3 = await u.install(foreign, img.bytes).catch((e) => e);
    expect(e3.reason).toBe("bad_signature");
    expect(e3.shortMessage).toContain(stranger.address);
    expect(u.state.active).toBe("a");
    expect(existsSync(join(u.slotDir("b"), "firmware.img"))).toBe(false);
  });

  it("rejects an older or equal image and one below the anti-rollback floor", async () => {
    const u = updater();
    const v2 = image("agent 2.0.0");
    await u.install(
      await signFirmwareManifest(maker, manifest("2.0.0", v2, { minimumVersion: "1.5.0" })),
      v2.bytes,
    );
    const old = image("agent 1.9.0");
    const e1 = await u
      .install(await signFirmwareManifest(maker, manifest("1.9.0", old)), old.bytes)
      .catch((e) => e);
    expect(e1.reason).toBe("not_newer");
    const same = await u
      .install(await signFirmwareManifest(maker, manifest("2.0.0", v2)), v2.bytes)
      .catch((e) => e);
    expect(same.reason).toBe("not_newer");
    expect(u.state.floor).toBe("1.5.0");
  });

  it("refuses firmware for other hardware or another rollout group", async () => {
    const u = updater();
    const img = image("x");
    expect(
      (
        await u
          .install(
            await signFirmwareManifest(maker, manifest("1.1.0", img, { hardware: "other" })),
            img.bytes,
          )
          .catch((e) => e)
      ).reason,
    ).toBe("wrong_hardware");
    expect(
      (
        await u
          .install(
            await signFirmwareManifest(maker, manifest("1.1.0", img, { rolloutGroup: "beta" })),
            img.bytes,
          )
          .catch((e) => e)
      ).reason,
    ).toBe("not_in_rollout");
  });

  it("rolls back when the health check fails, throws or hangs, and keeps the floor", async () => {
    for (const check of [
      () => false,
      () => Promise.reject(new Error("agent crashed")),
      () => new Promise<boolean>(() => {}),
    ]) {
      const u = updater(check);
      const img = image("agent 1.1.0 broken");
      const result = await u.install(await signFirmwareManifest(maker, manifest("1.1.0", img)), img.bytes);
      expect(result.status).toBe("rolled-back");
      expect(u.version).toBe("1.0.0");
      expect(u.state).toMatchObject({
        active: "a",
        floor: "1.0.0",
        slots: { b: { version: "1.1.0", confirmed: false } },
      });
      expect(u.state.trial).toBeUndefined();
    }
  });

  it("rolls back a trial that never confirmed when the device restarts", async () => {
    const root = mkdtempSync(join(tmpdir(), "dimo-ota-"));
    let restart: () => void = () => {};
    const powerLoss = new Promise<void>((r) => {
      restart = r;
    });
    const u = updater(async () => {
      restart();
      return new Promise<boolean>(() => {});
    }, root);
    const img = image("agent 1.1.0");
    void u.install(await signFirmwareManifest(maker, manifest("1.1.0", img)), img.bytes).catch(() => {});
    await powerLoss;
    // "Reboot": a new updater over the same slots, mid-trial.
    const again = updater(() => true, root);
    expect(again.state.trial?.slot).toBe("b");
    expect(again.recover()).toEqual({ rolledBack: true });
    expect(again.version).toBe("1.0.0");
    expect(readlinkSync(join(root, "current"))).toBe("a");
  });
});
