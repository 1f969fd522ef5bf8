import {
  devLicenseAbi,
  devLicenseAccountAbi,
  disableSigner,
  enableSigner,
  getDevLicense,
  issueDevLicense,
  ProtocolError,
  setDevLicenseAlias,
  setRedirectUri,
  writeContract,
} from "@dimo-open/protocol";
import { hashMessage } from "viem";
import { beforeEach, describe, expect, it } from "vitest";
import { type Fixture, protocolFixture } from "./fixture.ts";

const ERC1271_MAGIC = "0x1626ba7e";

async function rejects(promise: Promise<unknown>, errorName: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${errorName}`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).errorName).toBe(errorName);
}

describe("developer licences", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await protocolFixture();
  });

  it("issue a licence whose client id validates its enabled signers (ERC-1271)", async () => {
    const { tokenId, clientId } = await issueDevLicense(f.app.client, { alias: "my-app" });
    const challenge = hashMessage("Sign in to DIMO");
    const isValid = async (signer: Fixture["bob"]) =>
      f.app.client.publicClient.readContract({
        address: clientId,
        abi: devLicenseAccountAbi,
        functionName: "isValidSignature",
        args: [challenge, await signer.account.signMessage({ message: "Sign in to DIMO" })],
      });
    expect(await isValid(f.bob)).not.toBe(ERC1271_MAGIC);
    const expiresAt = (await f.now()) + 3600n;
    await enableSigner(f.app.client, { tokenId, signer: f.bob.address, expiresAt });
    expect(await isValid(f.bob)).toBe(ERC1271_MAGIC);
    expect(await isValid(f.alice)).not.toBe(ERC1271_MAGIC);
    // Signer expiry is enforced at the exact second.
    await f.mineAt(expiresAt);
    expect(await isValid(f.bob)).not.toBe(ERC1271_MAGIC);
    await enableSigner(f.app.client, { tokenId, signer: f.bob.address, expiresAt: (await f.now()) + 3600n });
    await disableSigner(f.app.client, { tokenId, signer: f.bob.address });
    expect(await isValid(f.bob)).not.toBe(ERC1271_MAGIC);
    await rejects(
      enableSigner(f.bob.client, { tokenId, signer: f.bob.address, expiresAt }),
      "NotLicenseOwner",
    );
  });

  it("keeps redirect URIs and a unique alias", async () => {
    const { tokenId } = await issueDevLicense(f.app.client, { alias: "fleet-tool" });
    await setRedirectUri(f.app.client, { tokenId, uri: "https://app.example.com/callback", enabled: true });
    await setRedirectUri(f.app.client, { tokenId, uri: "http://localhost:3000", enabled: true });
    await rejects(
      setRedirectUri(f.app.client, { tokenId, uri: "http://localhost:3000", enabled: true }),
      "RedirectUriExists",
    );
    await setRedirectUri(f.app.client, { tokenId, uri: "https://app.example.com/callback", enabled: false });
    const info = await getDevLicense(f.app.client, tokenId);
    expect(info).toMatchObject({
      owner: f.app.address,
      alias: "fleet-tool",
      redirectUris: ["http://localhost:3000"],
    });
    await rejects(issueDevLicense(f.bob.client, { alias: "fleet-tool" }), "AliasTaken");
    await setDevLicenseAlias(f.app.client, { tokenId, alias: "renamed" });
    await issueDevLicense(f.bob.client, { alias: "fleet-tool" });
  });

  it("is soulbound", async () => {
    const { tokenId } = await issueDevLicense(f.app.client);
    await rejects(
      writeContract(f.app.client, {
        address: f.addresses.devLicense,
        abi: devLicenseAbi,
        functionName: "transferFrom",
        args: [f.app.address, f.bob.address, tokenId],
      }),
      "LicenseIsSoulbound",
    );
  });

  it("can be held by an ERC-1271 smart wallet", async () => {
    const wallet = await f.deploySmartWallet(f.alice);
    const { tokenId, clientId } = await f
      .viaWallet(f.alice, wallet, {
        address: f.addresses.devLicense,
        abi: devLicenseAbi,
        functionName: "issue",
        args: ["wallet-app"],
      })
      .then(async () => {
        const id = await f.alice.client.publicClient.readContract({
          address: f.addresses.devLicense,
          abi: devLicenseAbi,
          functionName: "tokenIdOfAlias",
          args: ["wallet-app"],
        });
        return { tokenId: id, clientId: (await getDevLicense(f.alice.client, id)).clientId };
      });
    expect((await getDevLicense(f.alice.client, tokenId)).owner).toBe(wallet);
    expect(clientId).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });
});
