import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type LocalAccount,
  type PublicClient,
} from "viem";
import type { ProtocolAddresses, ProtocolClient } from "../client.ts";
import { deployProtocol } from "../deploy.ts";
import { deriveDevnetAccounts } from "./accounts.ts";
import { devnetChain } from "./clients.ts";
import { type RunningDevnet, type StartDevnetOptions, startDevnet } from "./server.ts";

/** Where a devnet's deployment is recorded, beside its journal, for the CLI, node and console. */
export const DEPLOYMENT_FILE = "deployment.json";

export interface DevnetDeployment {
  chainId: number;
  rpcUrl: string;
  /** The deployer: account 0 of the devnet mnemonic, admin of the registries, DIMO treasury. */
  deployer: `0x${string}`;
  addresses: ProtocolAddresses;
  /** Block of the first deployment transaction: where indexers start. */
  startBlock: number;
}

export interface DevnetNetwork {
  devnet: RunningDevnet;
  deployment: DevnetDeployment;
  /** True when the network was resumed from its data dir rather than deployed now. */
  resumed: boolean;
  /** A protocol client for the deployer (account 0), in-process. */
  admin: ProtocolClient;
  chain: Chain;
  close(): Promise<void>;
}

/**
 * Starts the devnet and makes sure the protocol is deployed on it: on a new chain it deploys
 * (deterministically, from account 0) and records the deployment in the data dir; on a chain
 * resumed from its journal it reads that record and checks the contracts are really there.
 */
export async function startDevnetNetwork(options: StartDevnetOptions = {}): Promise<DevnetNetwork> {
  // A live network keeps its chain clock on the wall clock (devices stamp data with it).
  const devnet = await startDevnet({ ...options, sameSecondBlocks: options.sameSecondBlocks ?? true });
  try {
    const chain = devnetChain(devnet);
    const transport = custom(devnet.provider, { retryCount: 0 });
    const publicClient = createPublicClient({
      chain,
      transport,
      pollingInterval: 20,
      cacheTime: 0,
    }) as PublicClient;
    const [deployerKey] = deriveDevnetAccounts(options.mnemonic, 1) as unknown as LocalAccount[];
    const walletClient = createWalletClient({
      chain,
      transport,
      account: deployerKey!,
      pollingInterval: 20,
      cacheTime: 0,
    });
    const recordPath = options.dataDir ? join(options.dataDir, DEPLOYMENT_FILE) : undefined;

    let deployment: DevnetDeployment | undefined;
    let resumed = false;
    if (recordPath && existsSync(recordPath) && devnet.provider.replayedEntries > 0) {
      const recorded = JSON.parse(readFileSync(recordPath, "utf8")) as DevnetDeployment;
      const code = await publicClient.getCode({ address: recorded.addresses.vehicleId });
      if (recorded.chainId !== devnet.chainId || !code || code === "0x") {
        throw new Error(
          `${recordPath} does not match the chain in ${options.dataDir}; start over with a fresh data dir (dimo devnet --reset)`,
        );
      }
      deployment = { ...recorded, rpcUrl: devnet.rpcUrl };
      resumed = true;
    } else {
      const startBlock = Number(await publicClient.getBlockNumber()) + 1;
      const addresses = await deployProtocol({ publicClient, walletClient });
      deployment = {
        chainId: devnet.chainId,
        rpcUrl: devnet.rpcUrl,
        deployer: deployerKey!.address,
        addresses,
        startBlock,
      };
    }
    if (recordPath) {
      // Write-then-rename: a crash never leaves a half-written record.
      writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
      renameSync(`${recordPath}.tmp`, recordPath);
    }
    return {
      devnet,
      deployment,
      resumed,
      chain,
      admin: { publicClient, walletClient, addresses: deployment.addresses },
      close: () => devnet.close(),
    };
  } catch (error) {
    await devnet.close();
    throw error;
  }
}
