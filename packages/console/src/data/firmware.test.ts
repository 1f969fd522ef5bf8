import { verifyFirmwareManifest } from "@dimo-open/device";
import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  checkFirmwareManifest,
  compareVersions,
  type FirmwareManifest,
  firmwareTypedData,
  InvalidFirmwareManifestError,
  imageSha256,
} from "./firmware.ts";

const maker = mnemonicToAccount("test test test test test test test test test test test junk", {
  addressIndex: 1,
});

async function manifestFor(image: Uint8Array): Promise<FirmwareManifest> {
  return {
    name: "dimo-agent",
    version: "1.4.0",
    minimumVersion: "1.3.0",
    rolloutGroup: "stable",
    hardware: "dimo-ref-1",
    imageSha256: await imageSha256(image),
    imageSize: image.length,
  };
}

describe("firmware manifests", () => {
  it("signs a manifest the device agent's verifier accepts", async () => {
    const image = new TextEncoder().encode("firmware image bytes");
    const manifest = await manifestFor(image);
    const signature = await maker.signTypedData(firmwareTypedData(manifest));
    await expect(verifyFirmwareManifest({ manifest, signature }, [maker.address])).resolves.toBe(
      maker.address,
    );
    // A changed manifest does not verify with the same signature.
    await expect(
      verifyFirmwareManifest({ manifest: { ...manifest, rolloutGroup: "*" }, signature }, [maker.address]),
    ).rejects.toThrow(/not by the maker/);
  });

  it("hashes images with SHA-256", async () => {
    expect(await imageSha256(new TextEncoder().encode("abc"))).toBe(
      "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("refuses what devices would refuse, naming the field", async () => {
    const m = await manifestFor(new Uint8Array([1]));
    expect(() => checkFirmwareManifest({ ...m, version: "1.4" })).toThrow(/version must be X.Y.Z; got "1.4"/);
    expect(() => checkFirmwareManifest({ ...m, minimumVersion: "2.0.0" })).toThrow(/at most the version/);
    expect(() => checkFirmwareManifest({ ...m, hardware: "" })).toThrow(InvalidFirmwareManifestError);
    expect(() => checkFirmwareManifest({ ...m, imageSha256: "0xAB" })).toThrow(/image hash/);
    expect(() => checkFirmwareManifest({ ...m, imageSize: 0 })).toThrow(/image size/);
  });

  it("orders versions numerically", () => {
    expect(compareVersions("1.10.0", "1.9.9")).toBeGreaterThan(0);
    expect(compareVersions("1.2.3", "1.2.3")).toBe(0);
    expect(compareVersions("0.9.0", "1.0.0")).toBeLessThan(0);
  });
});

describe("rollout orders", () => {
  it("hash as the documented EIP-712 type FirmwareRollout(…) in the DIMO Firmware domain", async () => {
    const { encodeAbiParameters, hashTypedData, keccak256, toBytes, concat } = await import("viem");
    const { rolloutTypedData } = await import("./firmware.ts");
    const order = {
      name: "dimo-agent",
      version: "1.4.0",
      hardware: "dimo-ref-1",
      basisPoints: 2500,
      halted: false,
      issuedAt: 1_800_000_000,
    };
    const k = (s: string) => keccak256(toBytes(s));
    const domain = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
        [k("EIP712Domain(string name,string version)"), k("DIMO Firmware"), k("1")],
      ),
    );
    const struct = keccak256(
      encodeAbiParameters(
        ["bytes32", "bytes32", "bytes32", "bytes32", "uint16", "bool", "uint64"].map((type) => ({ type })),
        [
          k(
            "FirmwareRollout(string name,string version,string hardware,uint16 basisPoints,bool halted,uint64 issuedAt)",
          ),
          k(order.name),
          k(order.version),
          k(order.hardware),
          order.basisPoints,
          order.halted,
          BigInt(order.issuedAt),
        ],
      ),
    );
    expect(hashTypedData(rolloutTypedData(order))).toBe(keccak256(concat(["0x1901", domain, struct])));
  });

  it("refuses a share above 100 %", async () => {
    const { rolloutTypedData } = await import("./firmware.ts");
    expect(() =>
      rolloutTypedData({
        name: "a",
        version: "1.0.0",
        hardware: "b",
        basisPoints: 10_001,
        halted: false,
        issuedAt: 1,
      }),
    ).toThrow(/0–10,000 basis points; got 10001/);
  });
});
