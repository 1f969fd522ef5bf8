import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  defineChain,
  http,
} from "viem";
import { InvalidDevnetOptionError } from "./errors.ts";
import type { DevnetProvider } from "./provider.ts";
import type { RunningDevnet } from "./server.ts";

/** A viem chain definition for a devnet (its id, and its URL when it is served over HTTP). */
export function devnetChain(devnet: { chainId: number; rpcUrl?: string }): Chain {
  return defineChain({
    id: devnet.chainId,
    name: "DIMO devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [devnet.rpcUrl ?? "http://127.0.0.1:8545/"] } },
    testnet: true,
  });
}

export interface DevnetClientsOptions {
  /** "in-process" (default) calls the EVM directly; "http" goes through the devnet's JSON-RPC URL. */
  via?: "in-process" | "http";
  /** How often viem polls (receipts, new blocks), ms. Default 50: blocks are mined at once. */
  pollingInterval?: number;
}

/**
 * viem clients bound to a devnet: a public client, one wallet client per funded account (sending
 * through the devnet's unlocked accounts, so no key leaves it), and a test client for time
 * travel and snapshots (`mode: "hardhat"`).
 */
export function devnetClients(devnet: DevnetProvider | RunningDevnet, options: DevnetClientsOptions = {}) {
  const provider = "provider" in devnet ? devnet.provider : devnet;
  const rpcUrl = "rpcUrl" in devnet ? devnet.rpcUrl : undefined;
  const via = options.via ?? "in-process";
  if (via !== "in-process" && via !== "http") {
    throw new InvalidDevnetOptionError("via", via, '"in-process" or "http"');
  }
  if (via === "http" && rpcUrl === undefined) {
    throw new InvalidDevnetOptionError("via", via, "a devnet started with startDevnet (one with an rpcUrl)");
  }
  // In process nothing is transient, and viem would retry an error code it does not know (such as
  // geth's 3, "execution reverted") three times with back-off.
  const transport = via === "http" ? http(rpcUrl) : custom(provider, { retryCount: 0 });
  const chain = devnetChain({ chainId: provider.chainId, rpcUrl });
  // cacheTime 0: automine makes a block per transaction, so a cached block number is stale at once.
  const common = { chain, transport, pollingInterval: options.pollingInterval ?? 50, cacheTime: 0 };
  return {
    chain,
    accounts: provider.accounts,
    publicClient: createPublicClient(common),
    walletClients: provider.accounts.map(({ address }) =>
      createWalletClient({ ...common, account: address }),
    ),
    testClient: createTestClient({ ...common, mode: "hardhat" }),
  };
}
