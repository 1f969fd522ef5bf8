/**
 * The whole node on a real devnet, end to end: a maker mints a device, its owner claims it with
 * the device's signature and pairs it; the device posts a signed event to the node's HTTP ingest;
 * an app with a licence and a grant signs in, exchanges a vehicle token and reads the value back
 * through telemetry GraphQL; without a grant the exchange is refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimDevice,
  claimDeviceMessage,
  enableSigner,
  erc721Did,
  grantPrivileges,
  issueDevLicense,
  mintDevices,
  mintManufacturer,
  mintVehicle,
  type ProtocolClient,
  pairDevice,
  setRedirectUri,
  signTypedMessage,
  transferDimo,
} from "@dimo-open/protocol";
import { type DevnetNetwork, deriveDevnetAccounts, startDevnetNetwork } from "@dimo-open/protocol/devnet";
import { DimoApiError, DimoClient } from "@dimo-open/sdk";
import { jsonCodec, privateKeySigner, signDeviceEvent } from "@dimo-open/stream";
import { createWalletClient, custom, type LocalAccount } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningNode, startNode } from "./node.ts";

describe("a node on the devnet", () => {
  let network: DevnetNetwork;
  let node: RunningNode;
  let dataDir: string;
  const as = (account: LocalAccount): ProtocolClient => ({
    publicClient: network.admin.publicClient,
    walletClient: createWalletClient({
      chain: network.chain,
      transport: custom(network.devnet.provider, { retryCount: 0 }),
      account,
      pollingInterval: 20,
      cacheTime: 0,
    }),
    addresses: network.deployment.addresses,
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "dimo-node-"));
    network = await startDevnetNetwork({ port: 0, accounts: 6 });
    const { deployment } = network;
    node = await startNode(
      {
        dataDir,
        chain: {
          rpcUrl: deployment.rpcUrl,
          chainId: deployment.chainId,
          startBlock: deployment.startBlock,
          pollIntervalMs: 50,
        },
        contracts: deployment.addresses,
        api: { port: 0 },
        ingest: { http: { port: 0 }, mqtt: { port: 0 } },
        credits: { initialCredits: 1000 },
        logLevel: "silent",
      },
      { provider: network.devnet.provider },
    );
  });

  afterAll(async () => {
    await node?.close();
    await network?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves an owner-granted app exactly the value a paired device sent, and nothing without a grant", async () => {
    const [, makerKey, ownerKey, appKey, strangerKey] = deriveDevnetAccounts(
      undefined,
      5,
    ) as unknown as LocalAccount[];
    const maker = as(makerKey!);
    const owner = as(ownerKey!);
    const app = as(appKey!);
    await transferDimo(network.admin, { to: ownerKey!.address, amount: 1n });

    // The chain: manufacturer, device, vehicle, claim, pair.
    const { tokenId: manufacturerId } = await mintManufacturer(network.admin, {
      name: "Node Test Devices",
      owner: makerKey!.address,
    });
    const devicePrivateKey = generatePrivateKey();
    const deviceSigner = privateKeySigner(devicePrivateKey);
    const { tokenIds } = await mintDevices(maker, {
      manufacturerId,
      devices: [{ deviceAddress: deviceSigner.address }],
    });
    const deviceId = tokenIds[0]!;
    const { privateKeyToAccount } = await import("viem/accounts");
    const deviceKey = privateKeyToAccount(devicePrivateKey);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const claim = await claimDeviceMessage(owner, {
      deviceId,
      deviceAddress: deviceKey.address,
      owner: ownerKey!.address,
      deadline: now + 3600n,
    });
    await claimDevice(owner, claim, await signTypedMessage(deviceKey, claim));
    const { tokenId: vehicleId } = await mintVehicle(owner, {
      manufacturerId,
      make: "Volvo",
      model: "XC40",
      year: 2022,
      definitionURI: "",
    });
    const { receipt } = await pairDevice(owner, { deviceId, vehicleId });
    await node.indexer.waitForBlock(receipt.blockNumber, 10_000);

    // The device: a signed v2 event, sent after the pairing block.
    const { addresses, chainId } = network.deployment;
    const time = Date.now();
    const event = await signDeviceEvent(
      {
        specversion: "1.0",
        id: "node-test-1",
        source: deviceSigner.address,
        producer: erc721Did(chainId, addresses.aftermarketDeviceId, deviceId),
        subject: erc721Did(chainId, addresses.vehicleId, vehicleId),
        time: new Date(time).toISOString(),
        type: "dimo.status",
        datacontenttype: "application/json",
        dataversion: "default/v1.0",
        dimosequence: 1n,
        data: { timestamp: time, signals: [{ timestamp: time, name: "speed", value: 57.5 }] },
      },
      deviceSigner,
    );
    const posted = await fetch(`${node.ingestUrl}/v1/devices/${deviceSigner.address}/events`, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: Buffer.from(jsonCodec.encode(event)),
    });
    expect(posted.status, await posted.clone().text()).toBeLessThan(300);

    // The app: licence, signer, redirect URI; the owner grants privilege 1 for an hour.
    const { tokenId: licenseId, clientId } = await issueDevLicense(app, { alias: "node-test-app" });
    const signerKey = privateKeyToAccount(generatePrivateKey());
    await enableSigner(app, { tokenId: licenseId, signer: signerKey.address, expiresAt: now + 86_400n });
    await setRedirectUri(app, { tokenId: licenseId, uri: "http://localhost:3000", enabled: true });
    const sdk = new DimoClient({ baseUrl: node.apiUrl });
    await sdk.signIn({ clientId, domain: "http://localhost:3000", signer: signerKey });

    // No grant yet: refused.
    await expect(sdk.exchange({ tokenId: vehicleId, privileges: [1] })).rejects.toBeInstanceOf(DimoApiError);

    const { receipt: grantReceipt } = await grantPrivileges(owner, {
      tokenId: vehicleId,
      grantee: clientId,
      privileges: [1],
      expiration: now + 3600n,
      source: "ipfs://terms",
    });
    await node.indexer.waitForBlock(grantReceipt.blockNumber, 10_000);
    const vehicleToken = await sdk.exchange({ tokenId: vehicleId, privileges: [1] });
    // Started on port 0, the node's tokens name the port it got, not ":0".
    const claims = JSON.parse(Buffer.from(vehicleToken.token.split(".")[1]!, "base64url").toString());
    expect(claims.iss).toBe(node.apiUrl);
    expect(node.apiUrl).not.toMatch(/:0$/);
    const latest = await sdk.latestSignals(vehicleToken, { tokenId: vehicleId, signals: ["speed"] });
    expect(latest.errors ?? []).toEqual([]);
    expect(latest.values.speed?.value).toBe(57.5);

    // Device services are mounted: a node with no configuration template yet tells the device's
    // operator exactly what is missing, about this very vehicle.
    const urls = await fetch(`${node.apiUrl}/v1/device-config/eth-addr/${deviceSigner.address}/urls`);
    expect(urls.status).toBe(404);
    expect(await urls.text()).toMatch(
      /No configuration template applies.*Volvo XC40 2022.*add a default rule/,
    );
    expect(node.nodeAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(strangerKey).toBeDefined();
  });
});
