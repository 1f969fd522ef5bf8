import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  checkFirmwareManifest,
  compareFirmwareVersions,
  FirmwareDocumentError,
  type FirmwareManifest,
  firmwareManifestDigest,
  firmwareRolloutTypedData,
  signFirmwareManifest,
  signFirmwareRollout,
  verifyFirmwareManifestSignature,
  verifyFirmwareRolloutSignature,
} from "./firmware.ts";

const manifest: FirmwareManifest = {
  name: "open-dongle",
  version: "1.2.0",
  minimumVersion: "1.1.0",
  rolloutGroup: "*",
  hardware: "od-1",
  imageSha256: `0x${"ab".repeat(32)}`,
  imageSize: 1024,
};

function problem(run: () => unknown): string {
  try {
    run();
    return "accepted";
  } catch (error) {
    expect(error).toBeInstanceOf(FirmwareDocumentError);
    return (error as FirmwareDocumentError).shortMessage;
  }
}

describe("firmware documents", () => {
  it("signs and verifies a manifest and a rollout order with the maker's key, and nobody else's", async () => {
    const maker = privateKeyToAccount(generatePrivateKey());
    const stranger = privateKeyToAccount(generatePrivateKey());
    const signed = await signFirmwareManifest(maker, manifest);
    expect(await verifyFirmwareManifestSignature(signed, [maker.address])).toBe(maker.address);
    const refusal = await verifyFirmwareManifestSignature(signed, [stranger.address]).catch((e) => e);
    expect(refusal).toBeInstanceOf(FirmwareDocumentError);
    expect(refusal.reason).toBe("bad_signature");
    const changed = { ...signed, manifest: { ...manifest, imageSize: 1025 } };
    expect((await verifyFirmwareManifestSignature(changed, [maker.address]).catch((e) => e)).reason).toBe(
      "bad_signature",
    );
    const order = await signFirmwareRollout(maker, {
      name: "open-dongle",
      version: "1.2.0",
      hardware: "od-1",
      basisPoints: 2500,
      halted: false,
      issuedAt: 1_800_000_000,
    });
    expect(await verifyFirmwareRolloutSignature(order, [maker.address])).toBe(maker.address);
    expect(firmwareManifestDigest(manifest)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("refuses a malformed manifest naming the field and the rule", () => {
    expect(problem(() => checkFirmwareManifest(manifest))).toBe("accepted");
    expect(problem(() => checkFirmwareManifest({ ...manifest, version: "1.2" }))).toBe(
      "Firmware manifest: version must be a version X.Y.Z.",
    );
    expect(
      problem(() => checkFirmwareManifest({ ...manifest, imageSha256: `0x${"AB".repeat(32)}` })),
    ).toMatch(/imageSha256 must be 0x and 64 lowercase hex digits/);
    expect(problem(() => checkFirmwareManifest({ ...manifest, imageSize: 0 }))).toMatch(/imageSize/);
    expect(problem(() => checkFirmwareManifest({ ...manifest, extra: 1 }))).toMatch(/unknown field extra/);
    expect(problem(() => checkFirmwareManifest(null))).toMatch(/not an object/);
    // Installed, it would put the device's anti-rollback floor above the version it runs.
    expect(problem(() => checkFirmwareManifest({ ...manifest, minimumVersion: "1.3.0" }))).toMatch(
      /minimumVersion 1\.3\.0 is above the version 1\.2\.0/,
    );
  });

  it("compares versions numerically", () => {
    expect(compareFirmwareVersions("1.10.0", "1.9.9")).toBeGreaterThan(0);
    expect(compareFirmwareVersions("1.2.3", "1.2.3")).toBe(0);
    expect(compareFirmwareVersions("0.9.0", "1.0.0")).toBeLessThan(0);
  });
});

describe("rollout orders", () => {
  it("hash as the documented EIP-712 type FirmwareRollout(…) in the DIMO Firmware domain", async () => {
    const { encodeAbiParameters, hashTypedData, keccak256, toBytes, concat } = await import("viem");
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
    expect(hashTypedData(firmwareRolloutTypedData(order))).toBe(
      keccak256(concat(["0x1901", domain, struct])),
    );
  });

  it("refuses a share above 100 %", async () => {
    expect(() =>
      firmwareRolloutTypedData({
        name: "a",
        version: "1.0.0",
        hardware: "b",
        basisPoints: 10_001,
        halted: false,
        issuedAt: 1,
      }),
    ).toThrow(/basisPoints must be an integer of 0 to 10,000/);
  });
});
