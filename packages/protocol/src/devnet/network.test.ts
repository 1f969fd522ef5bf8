import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, type LocalAccount } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { getVehicle, mintManufacturer, mintVehicle, predictAddresses } from "../index.ts";
import { deriveDevnetAccounts } from "./accounts.ts";
import { devnetChain } from "./clients.ts";
import { startDevnetNetwork } from "./network.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("devnet network", () => {
  it("start, mint a vehicle over JSON-RPC, stop, start again: the vehicle is still there", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dimo-devnet-"));
    dirs.push(dataDir);
    const first = await startDevnetNetwork({ dataDir, port: 0, initialTimestamp: 1_800_000_000 });
    expect(first.resumed).toBe(false);
    const { tokenId: manufacturerId } = await mintManufacturer(first.admin, {
      name: "Persisted Motors",
      owner: first.deployment.deployer,
    });
    // An owner talks to it like any other chain: plain HTTP JSON-RPC, local signing.
    const chain = devnetChain(first.devnet);
    const [, ownerKey] = deriveDevnetAccounts(undefined, 2) as unknown as LocalAccount[];
    const transport = http(first.devnet.rpcUrl, { retryCount: 0 });
    const owner = {
      publicClient: createPublicClient({ chain, transport, pollingInterval: 20 }),
      walletClient: createWalletClient({ chain, transport, account: ownerKey!, pollingInterval: 20 }),
      addresses: first.deployment.addresses,
    };
    const car = { manufacturerId, make: "Lancia", model: "Delta", year: 1992, definitionURI: "ipfs://delta" };
    const { tokenId } = await mintVehicle(owner as never, car);
    await first.close();

    const second = await startDevnetNetwork({ dataDir, port: 0 });
    try {
      expect(second.resumed).toBe(true);
      expect(second.deployment.addresses).toEqual(first.deployment.addresses);
      const v = await getVehicle(second.admin, tokenId);
      expect(v).toMatchObject({ owner: ownerKey!.address, make: "Lancia", model: "Delta", year: 1992 });
    } finally {
      await second.close();
    }
  });

  it("deploys to the predicted deterministic addresses on every fresh start", async () => {
    const a = await startDevnetNetwork({ port: 0 });
    const b = await startDevnetNetwork({ port: 0 });
    try {
      expect(a.deployment.addresses).toEqual(b.deployment.addresses);
      expect(a.deployment.addresses).toEqual(predictAddresses(a.deployment.deployer));
      // A burst of deployment transactions does not run the chain clock ahead of the wall clock.
      const head = await a.admin.publicClient.getBlock();
      expect(head.number).toBeGreaterThan(5n);
      expect(Number(head.timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
