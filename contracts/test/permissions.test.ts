import {
  createGrantTemplate,
  encodePermissions,
  getGrant,
  getGrantedPrivileges,
  grantFromTemplate,
  grantMessage,
  grantPrivileges,
  grantWithSignature,
  mintVehicle,
  ProtocolError,
  permissionsAbi,
  renounceGrant,
  revokeGrant,
  setGrantTemplateActive,
  signTypedMessage,
  transferVehicle,
  writeContract,
} from "@dimo-open/protocol";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { type Fixture, protocolFixture } from "./fixture.ts";

const car = { make: "Honda", model: "Civic", year: 2019, definitionURI: "" };
const source = "ipfs://terms-v1";

async function rejects(promise: Promise<unknown>, errorName: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${errorName}`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).errorName).toBe(errorName);
}

describe("grants", () => {
  let f: Fixture;
  let vehicleId: bigint;
  beforeEach(async () => {
    f = await protocolFixture();
    ({ tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    }));
  });

  const granted = (grantee = f.app.address) =>
    getGrantedPrivileges(f.alice.client, { tokenId: vehicleId, grantee });

  it("the owner always holds every privilege; a stranger none", async () => {
    expect(await granted(f.alice.address)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await granted()).toEqual([]);
  });

  it("grants until the exact expiry second, then lapses", async () => {
    const expiration = (await f.now()) + 1000n;
    await grantPrivileges(f.alice.client, {
      tokenId: vehicleId,
      grantee: f.app.address,
      privileges: [1, 4],
      expiration,
      source,
    });
    expect(await granted()).toEqual([1, 4]);
    const g = await getGrant(f.alice.client, { tokenId: vehicleId, grantee: f.app.address });
    expect(g).toMatchObject({ privileges: [1, 4], source, inForce: true, expiration });
    // One second before expiry it holds; at the expiry second it does not.
    await f.mineAt(expiration - 1n);
    expect(await granted()).toEqual([1, 4]);
    await f.mineAt(expiration);
    expect(await granted()).toEqual([]);
  });

  it("refuses grants by non-owners, to the owner, empty, malformed or already expired", async () => {
    const expiration = (await f.now()) + 100n;
    const base = { tokenId: vehicleId, grantee: f.app.address, privileges: [1], expiration, source };
    await rejects(grantPrivileges(f.bob.client, base), "NotTokenOwner");
    await rejects(grantPrivileges(f.alice.client, { ...base, grantee: f.alice.address }), "InvalidGrantee");
    await rejects(grantPrivileges(f.alice.client, { ...base, privileges: [] }), "EmptyPermissions");
    await rejects(
      grantPrivileges(f.alice.client, { ...base, expiration: (await f.now()) - 1n }),
      "ExpirationInPast",
    );
    await rejects(
      writeContract(f.alice.client, {
        address: f.addresses.permissions,
        abi: permissionsAbi,
        functionName: "grant",
        args: [f.addresses.vehicleId, vehicleId, f.app.address, 1n << 2n, expiration, source],
      }),
      "MalformedPermissions",
    );
  });

  it("is revoked by the owner and renounced by the grantee", async () => {
    const expiration = (await f.now()) + 1000n;
    const p = { tokenId: vehicleId, grantee: f.app.address, privileges: [1], expiration, source };
    await grantPrivileges(f.alice.client, p);
    await rejects(revokeGrant(f.bob.client, { tokenId: vehicleId, grantee: f.app.address }), "NotTokenOwner");
    await revokeGrant(f.alice.client, { tokenId: vehicleId, grantee: f.app.address });
    expect(await granted()).toEqual([]);
    await rejects(
      revokeGrant(f.alice.client, { tokenId: vehicleId, grantee: f.app.address }),
      "GrantNotFound",
    );
    await grantPrivileges(f.alice.client, p);
    await renounceGrant(f.app.client, { tokenId: vehicleId });
    expect(await granted()).toEqual([]);
  });

  it("is wiped by a transfer, even if the vehicle comes back", async () => {
    const expiration = (await f.now()) + 1000n;
    await grantPrivileges(f.alice.client, {
      tokenId: vehicleId,
      grantee: f.app.address,
      privileges: [1, 4],
      expiration,
      source,
    });
    await transferVehicle(f.alice.client, { tokenId: vehicleId, to: f.bob.address });
    expect(await granted()).toEqual([]);
    await transferVehicle(f.bob.client, { tokenId: vehicleId, to: f.alice.address });
    expect(await granted()).toEqual([]);
    expect((await getGrant(f.alice.client, { tokenId: vehicleId, grantee: f.app.address })).inForce).toBe(
      false,
    );
  });

  it("template deactivation revokes every grant from it, for good", async () => {
    const { templateId } = await createGrantTemplate(f.app.client, {
      privileges: [1, 8],
      source: "ipfs://app-terms",
    });
    const expiration = (await f.now()) + 1000n;
    await grantFromTemplate(f.alice.client, {
      tokenId: vehicleId,
      grantee: f.app.address,
      templateId,
      expiration,
    });
    expect(await granted()).toEqual([1, 8]);
    await rejects(
      setGrantTemplateActive(f.alice.client, { templateId, active: false }),
      "NotTemplateCreator",
    );
    await setGrantTemplateActive(f.app.client, { templateId, active: false });
    expect(await granted()).toEqual([]);
    await rejects(
      grantFromTemplate(f.alice.client, {
        tokenId: vehicleId,
        grantee: f.bob.address,
        templateId,
        expiration,
      }),
      "TemplateInactive",
    );
    await setGrantTemplateActive(f.app.client, { templateId, active: true });
    expect(await granted()).toEqual([]);
  });

  it("accepts a relayed grant signed by the owner, once, and by an ERC-1271 wallet owner", async () => {
    const expiration = (await f.now()) + 1000n;
    const deadline = (await f.now()) + 100n;
    const msg = await grantMessage(f.relayer, {
      owner: f.alice.address,
      tokenId: vehicleId,
      grantee: f.app.address,
      privileges: [1],
      expiration,
      source,
      deadline,
    });
    const sig = await signTypedMessage(f.alice.account, msg);
    await grantWithSignature(f.relayer, msg, sig);
    expect(await granted()).toEqual([1]);
    await rejects(grantWithSignature(f.relayer, msg, sig), "InvalidAccountNonce");

    // A vehicle held by a smart wallet: its owner key signs for it.
    const wallet = await f.deploySmartWallet(f.bob);
    await transferVehicle(f.alice.client, { tokenId: vehicleId, to: wallet });
    const wmsg = await grantMessage(f.relayer, {
      owner: wallet,
      tokenId: vehicleId,
      grantee: f.app.address,
      privileges: [4],
      expiration,
      source,
      deadline,
    });
    await rejects(
      grantWithSignature(f.relayer, wmsg, await signTypedMessage(f.alice.account, wmsg)),
      "InvalidSignature",
    );
    await grantWithSignature(f.relayer, wmsg, await signTypedMessage(f.bob.account, wmsg));
    expect(await getGrantedPrivileges(f.relayer, { tokenId: vehicleId, grantee: f.app.address })).toEqual([
      4,
    ]);
  });

  it("the contract's mask validation agrees with the TypeScript encoder (property)", async () => {
    const expiration = (await f.now()) + 100_000n;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 127 }), { minLength: 1, maxLength: 10 }),
        async (ids) => {
          const mask = encodePermissions(ids);
          const onChain = await f.alice.client.publicClient.simulateContract({
            account: f.alice.account,
            address: f.addresses.permissions,
            abi: permissionsAbi,
            functionName: "grant",
            args: [f.addresses.vehicleId, vehicleId, f.app.address, mask, expiration, source],
          });
          expect(onChain.result).toBeUndefined();
        },
      ),
      { numRuns: 25 },
    );
  });
});
