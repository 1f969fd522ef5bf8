/**
 * Test support: one run through every identity event the protocol emits, recording the block
 * times the assertions need.
 */
import {
  burnVehicle,
  createGrantTemplate,
  disableSigner,
  enableSigner,
  grantFromTemplate,
  grantPrivileges,
  issueDevLicense,
  mintVehicle,
  pairDevice,
  renounceGrant,
  reprovisionDevice,
  returnDeviceToManufacturer,
  revokeGrant,
  setDevLicenseAlias,
  setGrantTemplateActive,
  setManufacturerAttribute,
  setRedirectUri,
  transferVehicle,
  unpairDevice,
  vehicleIdAbi,
  writeContract,
} from "@dimo-open/protocol";
import type { Address } from "viem";
import type { IndexerFixture } from "./devnet.fixture.ts";

export interface Lifecycle {
  vehicles: { v1: bigint; v2: bigint; v3: bigint; burned: bigint };
  devices: { d1: bigint; d2: bigint; d3: bigint };
  /** Block times (Unix seconds) of the pairing changes of d1 and d2. */
  times: {
    d1Minted: bigint;
    d1Paired: bigint;
    d1Unpaired: bigint;
    d1Repaired: bigint;
    d2Paired: bigint;
    v1Transferred: bigint;
    d3Reprovisioned: bigint;
  };
  templateId: bigint;
  licences: { app: { tokenId: bigint; clientId: Address }; bob: { tokenId: bigint; clientId: Address } };
  /** Grantee whose short grant on v2 has expired by the end. */
  expiredGrantee: Address;
}

export async function runLifecycle(fx: IndexerFixture): Promise<Lifecycle> {
  const { f } = fx;
  const m = f.manufacturerId;
  await setManufacturerAttribute(f.maker.client, {
    tokenId: m,
    key: "website",
    value: "https://fixture.example",
  });
  await setManufacturerAttribute(f.maker.client, { tokenId: m, key: "tmp", value: "x" });
  await setManufacturerAttribute(f.maker.client, { tokenId: m, key: "tmp", value: "" });

  const mint = (who: typeof f.alice, make: string, model: string, year: number) =>
    mintVehicle(who.client, { manufacturerId: m, make, model, year, definitionURI: `ipfs://${model}` });
  const { tokenId: v1 } = await mint(f.alice, "Ford", "F-150", 2022);
  const { tokenId: v2 } = await mint(f.alice, "Tesla", "Model 3", 2023);
  const { tokenId: v3 } = await mint(f.bob, "Ford", "Mustang", 2022);
  const { tokenId: burned } = await mint(f.bob, "Ford", "Pinto", 1975);
  await burnVehicle(f.bob.client, burned);
  await writeContract(f.bob.client, {
    address: f.addresses.vehicleId,
    abi: vehicleIdAbi,
    functionName: "setDefinitionURI",
    args: [v3, "ipfs://Mustang-v2"],
  });

  const d1 = await fx.mintDevice(0, "SN-1");
  const d1Minted = await f.now();
  const d2 = await fx.mintDevice(1, "SN-2");
  const d3 = await fx.mintDevice(2, "SN-3");
  await fx.claim(d1, 0, f.alice);
  await fx.claim(d2, 1, f.alice);
  await fx.claim(d3, 2, f.bob);

  const d1Paired = await fx.timeOf(
    (await pairDevice(f.alice.client, { deviceId: d1, vehicleId: v1 })).receipt,
  );
  const now = await f.now();
  await grantPrivileges(f.alice.client, {
    tokenId: v1,
    grantee: f.app.address,
    privileges: [1, 4],
    expiration: now + 3600n,
    source: "ipfs://terms-1",
  });
  const { templateId } = await createGrantTemplate(f.app.client, {
    privileges: [1, 6],
    source: "ipfs://template",
  });
  await grantFromTemplate(f.alice.client, {
    tokenId: v2,
    grantee: f.app.address,
    templateId,
    expiration: now + 3600n,
  });
  await grantPrivileges(f.alice.client, {
    tokenId: v2,
    grantee: f.bob.address,
    privileges: [1],
    expiration: now + 3600n,
    source: "ipfs://terms-bob",
  });
  await grantPrivileges(f.alice.client, {
    tokenId: v2,
    grantee: f.relayer.walletClient.account.address,
    privileges: [1],
    expiration: now + 3600n,
    source: "ipfs://terms-relayer",
  });
  await grantPrivileges(f.alice.client, {
    tokenId: v2,
    grantee: f.maker.address,
    privileges: [8],
    expiration: now + 60n,
    source: "ipfs://terms-short",
  });
  await grantPrivileges(f.bob.client, {
    tokenId: v3,
    grantee: f.app.address,
    privileges: [1, 2, 3, 4, 5, 6, 7, 8],
    expiration: now + 3600n,
    source: "ipfs://terms-v3",
  });
  await renounceGrant(f.bob.client, { tokenId: v2 });
  await revokeGrant(f.alice.client, { tokenId: v2, grantee: f.relayer.walletClient.account.address });
  await setGrantTemplateActive(f.app.client, { templateId, active: false });

  const d1Unpaired = await fx.timeOf((await unpairDevice(f.alice.client, d1)).receipt);
  const d1Repaired = await fx.timeOf(
    (await pairDevice(f.alice.client, { deviceId: d1, vehicleId: v2 })).receipt,
  );
  const d2Paired = await fx.timeOf(
    (await pairDevice(f.alice.client, { deviceId: d2, vehicleId: v1 })).receipt,
  );
  // A transfer voids v1's grants and unpairs d2 in the same transaction.
  const v1Transferred = await fx.timeOf(
    (await transferVehicle(f.alice.client, { tokenId: v1, to: f.bob.address })).receipt,
  );

  await returnDeviceToManufacturer(f.bob.client, d3);
  const d3Reprovisioned = await fx.timeOf(
    (await reprovisionDevice(f.maker.client, { deviceId: d3, newDeviceAddress: fx.deviceKeys[3]!.address }))
      .receipt,
  );

  const app = await issueDevLicense(f.app.client, { alias: "my-app" });
  await enableSigner(f.app.client, {
    tokenId: app.tokenId,
    signer: f.app.address,
    expiresAt: (await f.now()) + 86_400n,
  });
  await enableSigner(f.app.client, {
    tokenId: app.tokenId,
    signer: fx.deviceKeys[9]!.address,
    expiresAt: (await f.now()) + 600n,
  });
  await disableSigner(f.app.client, { tokenId: app.tokenId, signer: fx.deviceKeys[9]!.address });
  await setRedirectUri(f.app.client, {
    tokenId: app.tokenId,
    uri: "https://app.example/callback",
    enabled: true,
  });
  await setRedirectUri(f.app.client, {
    tokenId: app.tokenId,
    uri: "https://old.example/callback",
    enabled: true,
  });
  await setRedirectUri(f.app.client, {
    tokenId: app.tokenId,
    uri: "https://old.example/callback",
    enabled: false,
  });
  await setDevLicenseAlias(f.app.client, { tokenId: app.tokenId, alias: "my-app-2" });
  const bob = await issueDevLicense(f.bob.client);

  // Ban d2 through the test ban source (see testSources), then let the short grant lapse.
  await setManufacturerAttribute(f.maker.client, { tokenId: m, key: "ban", value: d2.toString() });
  await f.increaseTime(120);

  return {
    vehicles: { v1, v2, v3, burned },
    devices: { d1, d2, d3 },
    times: { d1Minted, d1Paired, d1Unpaired, d1Repaired, d2Paired, v1Transferred, d3Reprovisioned },
    templateId,
    licences: {
      app: { tokenId: app.tokenId, clientId: app.clientId },
      bob: { tokenId: bob.tokenId, clientId: bob.clientId },
    },
    expiredGrantee: f.maker.address,
  };
}
