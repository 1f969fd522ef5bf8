import { verifyFirmwareManifest } from "@dimo-open/device";
import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { type FirmwareManifest, firmwareManifestTypedData, imageSha256 } from "./firmware.ts";

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
    const signature = await maker.signTypedData(firmwareManifestTypedData(manifest));
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
});
