import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setManufacturerAttribute } from "@dimo-open/protocol";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SerialConnection } from "../../api/sql.ts";
import { FirmwareReleaseError } from "../errors.ts";
import { createDeviceServicesHandler } from "../index.ts";
import { type DeviceWorld, devAccount, startDeviceWorld } from "../world.test-support.ts";
import {
  type FirmwareManifest,
  signFirmwareManifest,
  signFirmwareRollout,
  verifyFirmwareManifest,
} from "./manifest.ts";
import { FirmwareReleases, IdentityMakerKeys, rolloutBucket } from "./releases.ts";

const DEVICES = 120;
let w: DeviceWorld;
let releases: FirmwareReleases;
let handler: ReturnType<typeof createDeviceServicesHandler>;
let clock = 0;

beforeAll(async () => {
  w = await startDeviceWorld(
    Array.from({ length: DEVICES }, () => null),
    { keyBase: 2000 },
  );
  clock = await w.chainNowMs();
  releases = await FirmwareReleases.open({
    sql: await SerialConnection.open(w.db),
    dir: mkdtempSync(join(tmpdir(), "dimo-firmware-")),
    makers: new IdentityMakerKeys(w.identity),
    identity: w.identity,
    now: () => clock,
  });
  handler = createDeviceServicesHandler({ firmware: releases });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const image = (text: string) => Buffer.from(text.repeat(1000));
const manifestOf = (bytes: Buffer, over: Partial<FirmwareManifest> = {}): FirmwareManifest => ({
  name: "dimo-agent",
  version: "1.4.0",
  minimumVersion: "1.3.0",
  rolloutGroup: "*",
  hardware: "dimo-ref-1",
  imageSha256: `0x${createHash("sha256").update(bytes).digest("hex")}`,
  imageSize: bytes.length,
  ...over,
});
const call = async (method: string, path: string, body?: unknown) => {
  const response = await handler(
    new Request(`http://node.test${path}`, {
      method,
      ...(body !== undefined && {
        body: body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body),
        headers: {
          "content-type": body instanceof Uint8Array ? "application/octet-stream" : "application/json",
        },
      }),
    }),
  );
  return { status: response!.status, body: response!.status === 204 ? undefined : await response!.json() };
};
const order = (basisPoints: number, halted = false, version = "1.4.0") =>
  signFirmwareRollout(w.f.maker.account, {
    name: "dimo-agent",
    version,
    hardware: "dimo-ref-1",
    basisPoints,
    halted,
    issuedAt: Math.floor(clock / 1000),
  });
const offered = async (version = "1.3.0") => {
  const out: string[] = [];
  for (const d of w.devices) {
    const r = await call(
      "GET",
      `/v1/firmware/eth-addr/${d.address}/update?hardware=dimo-ref-1&version=${version}`,
    );
    if (r.status === 200) out.push(d.address);
    else expect(r.status).toBe(204);
  }
  return out;
};

describe("OTA releases", () => {
  it("verifies a manifest signed by the device package's signFirmwareManifest (the documented format)", async () => {
    // Produced by @dimo-open/device's signFirmwareManifest with m/44'/60'/0'/0/1 of the development mnemonic.
    const signed = {
      manifest: {
        name: "dimo-agent",
        version: "1.4.0",
        minimumVersion: "1.3.0",
        rolloutGroup: "*",
        hardware: "dimo-ref-1",
        imageSha256: `0x${"ab".repeat(32)}`,
        imageSize: 1048576,
      },
      signature:
        "0x6cf93e2a13d16bb7ac8e12b034632cd91129028d8620c98b22418c6635fa4af436379d72c9efcddc61189415a091ad44589325b67c35f6c63d5e7c083aef6e131b" as Hex,
    };
    expect(await verifyFirmwareManifest(signed, [devAccount(1).address])).toBe(devAccount(1).address);
    expect(devAccount(1).address).toBe(w.f.maker.address);
  });

  it("accepts a release signed by the maker and refuses a tampered or foreign one", async () => {
    const bytes = image("firmware 1.4.0;");
    const signed = await signFirmwareManifest(w.f.maker.account, manifestOf(bytes));
    const id = w.f.manufacturerId.toString();

    // Tampered: the manifest changed after signing (a bigger image) recovers to another address.
    const tampered = { ...signed, manifest: { ...signed.manifest, imageSize: bytes.length + 1 } };
    const refused = await call("POST", "/v1/firmware/releases", { manufacturerId: id, ...tampered });
    expect(refused).toMatchObject({ status: 403, body: { error: "bad_signature" } });
    // Signed by someone who is not the maker.
    const stranger = await signFirmwareManifest(w.f.bob.account, manifestOf(bytes));
    expect(
      (await call("POST", "/v1/firmware/releases", { manufacturerId: id, ...stranger })).body.message,
    ).toContain(`signed by ${w.f.bob.address}, not by the maker`);
    // Malformed manifests are refused with what is wrong.
    const bad = await call("POST", "/v1/firmware/releases", {
      manufacturerId: id,
      manifest: { ...signed.manifest, version: "1.4" },
      signature: signed.signature,
    });
    expect(bad).toMatchObject({ status: 422, body: { error: "invalid_manifest" } });
    expect(bad.body.message).toContain("version");

    const created = await call("POST", "/v1/firmware/releases", { manufacturerId: id, ...signed });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: "awaiting_image",
      basisPoints: 0,
      signer: w.f.maker.address,
    });
    expect((await call("POST", "/v1/firmware/releases", { manufacturerId: id, ...signed })).status).toBe(409);

    // A key the maker lists on chain may sign too.
    await setManufacturerAttribute(w.f.maker.client, {
      tokenId: w.f.manufacturerId,
      key: "firmwareSigners",
      value: devAccount(3000).address,
    });
    await w.indexer.syncToHead();
    const other = await signFirmwareManifest(
      devAccount(3000),
      manifestOf(image("beta;"), { version: "1.5.0", rolloutGroup: "beta" }),
    );
    expect((await call("POST", "/v1/firmware/releases", { manufacturerId: id, ...other })).status).toBe(201);

    // The image must be the one the manifest names.
    const wrong = await call(
      "PUT",
      `/v1/firmware/releases/${created.body.id}/image`,
      image("firmware 1.4.1;"),
    );
    expect(wrong).toMatchObject({ status: 422, body: { error: "image_mismatch" } });
    const ready = await call("PUT", `/v1/firmware/releases/${created.body.id}/image`, bytes);
    expect(ready).toMatchObject({ status: 200, body: { status: "ready" } });
    const download = await handler(
      new Request(`http://node.test/v1/firmware/images/${signed.manifest.imageSha256}`),
    );
    expect(Buffer.from(await download!.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("rolls out to a deterministic share of devices, widens to a superset, and a halt stops it", async () => {
    const [release] = (await releases.list(w.f.manufacturerId)).filter((r) => r.manifest.version === "1.4.0");
    const path = `/v1/firmware/releases/${release!.id}/rollout`;
    expect(await offered()).toEqual([]);

    clock += 1000;
    expect((await call("POST", path, await order(2500))).body).toMatchObject({
      basisPoints: 2500,
      halted: false,
    });
    const quarter = await offered();
    const expected = w.devices
      .filter((d) => rolloutBucket(release!.manifest, d.address) < 2500)
      .map((d) => d.address);
    expect(quarter).toEqual(expected);
    // ~25 % of 120 devices (binomial: 30 ± 3σ).
    expect(quarter.length).toBeGreaterThan(15);
    expect(quarter.length).toBeLessThan(45);
    // The same devices on every ask.
    expect(await offered()).toEqual(quarter);
    // Devices already on 1.4.0 are offered nothing.
    expect(await offered("1.4.0")).toEqual([]);

    clock += 1000;
    await call("POST", path, await order(5000));
    const half = await offered();
    expect(half.length).toBeGreaterThan(quarter.length);
    expect(quarter.every((a) => half.includes(a))).toBe(true);

    // An order older than the last one applied (a replay) is refused.
    clock -= 500;
    const replay = await call("POST", path, await order(10_000));
    expect(replay).toMatchObject({ status: 422, body: { error: "stale_order" } });
    clock += 500;
    // Orders from someone else are refused.
    const foreign = await signFirmwareRollout(w.f.bob.account, {
      name: "dimo-agent",
      version: "1.4.0",
      hardware: "dimo-ref-1",
      basisPoints: 10_000,
      halted: false,
      issuedAt: Math.floor(clock / 1000) + 1,
    });
    expect((await call("POST", path, foreign)).status).toBe(403);

    clock += 1000;
    expect((await call("POST", path, await order(5000, true))).body).toMatchObject({ halted: true });
    expect(await offered()).toEqual([]);

    clock += 1000;
    await call("POST", path, await order(10_000));
    expect(await offered()).toHaveLength(DEVICES);
    const offer = await call(
      "GET",
      `/v1/firmware/eth-addr/${w.devices[0]!.address}/update?hardware=dimo-ref-1&version=1.3.0`,
    );
    expect(offer.body).toMatchObject({
      releaseId: release!.id,
      manifest: release!.manifest,
      signature: release!.signature,
      imagePath: `/v1/firmware/images/${release!.manifest.imageSha256}`,
    });
    // Other hardware gets nothing; an unknown device is a 404.
    expect(
      (
        await call(
          "GET",
          `/v1/firmware/eth-addr/${w.devices[0]!.address}/update?hardware=other&version=1.0.0`,
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await call(
          "GET",
          "/v1/firmware/eth-addr/0x000000000000000000000000000000000000dEaD/update?hardware=dimo-ref-1&version=1.0.0",
        )
      ).status,
    ).toBe(404);
  });

  it("refuses to roll out a release whose image is missing", async () => {
    const bytes = image("firmware 2.0.0;");
    const signed = await signFirmwareManifest(w.f.maker.account, manifestOf(bytes, { version: "2.0.0" }));
    const release = await releases.publish({ manufacturerId: w.f.manufacturerId, signed });
    clock += 1000;
    const error = await releases.applyRollout(release.id, await order(100, false, "2.0.0")).catch((e) => e);
    expect(error).toBeInstanceOf(FirmwareReleaseError);
    expect(error.reason).toBe("not_ready");
  });
});
