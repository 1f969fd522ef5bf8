// NodeAccess against a real node API (in-process devnet, the node's API server on a loopback port):
// discovery, licence sign-in kept for the session, wallet sign-in, and a refused sign-in not kept.
import { api, openDatabase } from "@dimo-open/node";
import { enableSigner, issueDevLicense, type ProtocolClient, setRedirectUri } from "@dimo-open/protocol";
import { deriveDevnetAccounts, startDevnetNetwork } from "@dimo-open/protocol/devnet";
import { createWalletClient, custom, type LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAccess } from "./access.ts";

const DOMAIN = "http://console.test";
let close: () => Promise<void>;
let nodeUrl: string;
let clientId: `0x${string}`;
let developer: LocalAccount;
let stranger: LocalAccount;
let vehicleContract: string;

beforeAll(async () => {
  const net = await startDevnetNetwork({ port: 0 });
  const accounts = deriveDevnetAccounts(undefined, 6) as unknown as LocalAccount[];
  developer = accounts[4]!;
  stranger = accounts[5]!;
  const dev: ProtocolClient = {
    publicClient: net.admin.publicClient,
    addresses: net.deployment.addresses,
    walletClient: createWalletClient({
      chain: net.chain,
      transport: custom(net.devnet.provider, { retryCount: 0 }),
      account: developer,
    }),
  };
  const issued = await issueDevLicense(dev, { alias: "console-test" });
  clientId = issued.clientId;
  await enableSigner(dev, { tokenId: issued.tokenId, signer: developer.address, expiresAt: 2n ** 40n });
  await setRedirectUri(dev, { tokenId: issued.tokenId, uri: DOMAIN, enabled: true });
  const server = await api.createApiServer({
    chain: { publicClient: net.admin.publicClient, addresses: net.deployment.addresses },
    chainId: net.deployment.chainId,
    database: await openDatabase(":memory:"),
    credits: { initialCredits: 50 },
    processMetrics: false,
    webhooks: { start: false },
    logError: () => {},
  });
  nodeUrl = (await server.listen()).url;
  vehicleContract = net.deployment.addresses.vehicleId;
  close = async () => {
    await server.close();
    await net.close();
  };
});

afterAll(() => close?.());

/** fetch that counts sign-in challenges, to see which sign-ins reached the node. */
function countingFetch() {
  const counter = { challenges: 0 };
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).includes("generate_challenge")) counter.challenges++;
    return fetch(input, init);
  }) as typeof fetch;
  return { f, counter };
}

describe("NodeAccess", () => {
  it("reads the node's discovery document", async () => {
    const info = await new NodeAccess(nodeUrl).info();
    expect(info.chainId).toBe(31337);
    expect(info.vehicleContract).toBe(vehicleContract);
  });

  it("signs in as a licence once per session and serves its developer endpoints", async () => {
    const { f, counter } = countingFetch();
    const node = new NodeAccess(nodeUrl, f);
    const p = { clientId, signerAddress: developer.address, signer: developer, domain: DOMAIN };
    const [a, b] = await Promise.all([node.asLicense(p), node.asLicense(p)]);
    expect(a).toBe(b);
    expect(await node.asLicense(p)).toBe(a);
    expect(counter.challenges).toBe(1);
    expect((await a.balance()).balance).toBe(50);
    node.forget("license:");
    await node.asLicense(p);
    expect(counter.challenges).toBe(2);
  });

  it("signs in as a plain wallet for the owner endpoints", async () => {
    const node = new NodeAccess(nodeUrl);
    const owner = await node.asAccount({ address: stranger.address, signer: stranger, domain: DOMAIN });
    expect(owner.developerToken).toMatch(/^ey/);
    // A wallet token is not a licence: the developer endpoints refuse it.
    await expect(owner.balance()).rejects.toThrow();
  });

  it("does not keep a refused sign-in, so the next attempt asks again", async () => {
    const { f, counter } = countingFetch();
    const node = new NodeAccess(nodeUrl, f);
    const p = { clientId, signerAddress: stranger.address, signer: stranger, domain: DOMAIN };
    await expect(node.asLicense(p)).rejects.toThrow();
    await expect(node.asLicense(p)).rejects.toThrow();
    expect(counter.challenges).toBe(2);
  });
});
