import {
  CANCUN,
  ContractDecoder,
  L1_CHAIN_TYPE,
  l1GenesisState,
  l1HardforkFromString,
  MineOrdering,
  PRAGUE,
  type Provider,
  type ProviderConfig,
} from "@nomicfoundation/edr";
import { type Address, hexToBytes, parseEther } from "viem";
import { DEVNET_MNEMONIC, deriveDevnetAccounts, privateKeyOf } from "./accounts.ts";
import { edrContext } from "./edrContext.ts";
import { InvalidDevnetOptionError } from "./errors.ts";

export type DevnetHardfork = "cancun" | "prague";

/** The settings that define a devnet chain; with a data dir they are fixed at its creation. */
export interface DevnetChainOptions {
  /** EIP-155 chain id. Default 31337 (Hardhat's and Anvil's). */
  chainId?: number;
  /** EVM rules. Default "prague" (Ethereum mainnet since May 2025); "cancun" for older targets. */
  hardfork?: DevnetHardfork;
  /** BIP-39 mnemonic the funded, unlocked accounts are derived from. Default {@link DEVNET_MNEMONIC}. */
  mnemonic?: string;
  /** How many accounts to derive and fund. Default 20. */
  accounts?: number;
  /** Balance of each account in wei. Default 1,000,000 ETH. */
  balance?: bigint;
  /** Genesis block time in Unix seconds. Default: the wall clock at creation. Fix it for reproducible runs. */
  initialTimestamp?: number;
  /** Block gas limit. Default 60,000,000 (room for large contract deployments). */
  blockGasLimit?: bigint;
  /**
   * Let several blocks share a second, as fast L2s do. Default false (each block one second after
   * the last). A live network wants true: otherwise every automined block pushes the chain clock a
   * second ahead of the wall clock, and after a burst of transactions devices' wall-clock
   * timestamps fall before the pairings that admit them.
   */
  sameSecondBlocks?: boolean;
}

/** The settings with every default filled in. */
export interface DevnetChainConfig {
  chainId: number;
  hardfork: DevnetHardfork;
  accountCount: number;
  balance: bigint;
  initialTimestamp: number;
  blockGasLimit: bigint;
  sameSecondBlocks: boolean;
}

export const DEVNET_DEFAULTS = {
  chainId: 31337,
  hardfork: "prague",
  accounts: 20,
  balance: parseEther("1000000"),
  blockGasLimit: 60_000_000n,
} as const satisfies Partial<DevnetChainOptions>;

/** Hardhat's coinbase: fees go to an address nobody holds a key for. */
const COINBASE = hexToBytes("0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e");
/** 1 gwei, as Hardhat: EIP-1559 needs a base fee, and wallets expect a familiar one. */
const INITIAL_BASE_FEE = 1_000_000_000n;

const HARDFORKS: Record<DevnetHardfork, string> = { cancun: CANCUN, prague: PRAGUE };

export function resolveChainConfig(options: DevnetChainOptions, now = Date.now()): DevnetChainConfig {
  const chainId = options.chainId ?? DEVNET_DEFAULTS.chainId;
  if (!Number.isSafeInteger(chainId) || chainId < 1 || chainId > 0xffffffff) {
    throw new InvalidDevnetOptionError("chainId", chainId, "an integer from 1 to 4294967295");
  }
  const hardfork = options.hardfork ?? DEVNET_DEFAULTS.hardfork;
  if (!(hardfork in HARDFORKS)) {
    throw new InvalidDevnetOptionError("hardfork", hardfork, `one of ${Object.keys(HARDFORKS).join(", ")}`);
  }
  const accountCount = options.accounts ?? DEVNET_DEFAULTS.accounts;
  const balance = options.balance ?? DEVNET_DEFAULTS.balance;
  if (typeof balance !== "bigint" || balance < 0n || balance >= 2n ** 128n) {
    throw new InvalidDevnetOptionError("balance", balance, "a non-negative bigint of wei below 2^128");
  }
  const initialTimestamp = options.initialTimestamp ?? Math.floor(now / 1000);
  if (!Number.isSafeInteger(initialTimestamp) || initialTimestamp < 0 || initialTimestamp > 2 ** 40) {
    throw new InvalidDevnetOptionError(
      "initialTimestamp",
      initialTimestamp,
      "Unix seconds, an integer from 0 to 2^40",
    );
  }
  const blockGasLimit = options.blockGasLimit ?? DEVNET_DEFAULTS.blockGasLimit;
  if (typeof blockGasLimit !== "bigint" || blockGasLimit < 1_000_000n || blockGasLimit > 2n ** 40n) {
    throw new InvalidDevnetOptionError("blockGasLimit", blockGasLimit, "a bigint from 1,000,000 to 2^40");
  }
  const sameSecondBlocks = options.sameSecondBlocks ?? false;
  return { chainId, hardfork, accountCount, balance, initialTimestamp, blockGasLimit, sameSecondBlocks };
}

/** Creates an EDR provider for the chain: automine on, contract size limit on, accounts unlocked. */
export async function createEdrProvider(
  config: DevnetChainConfig,
  mnemonic: string = DEVNET_MNEMONIC,
): Promise<{ edr: Provider; accounts: Address[] }> {
  const derived = deriveDevnetAccounts(mnemonic, config.accountCount);
  const hardfork = HARDFORKS[config.hardfork];
  const providerConfig: ProviderConfig = {
    allowBlocksWithSameTimestamp: config.sameSecondBlocks,
    allowUnlimitedContractSize: false,
    // A reverted transaction is mined and reported by its receipt, as on a real chain.
    bailOnCallFailure: true,
    bailOnTransactionFailure: false,
    chainId: BigInt(config.chainId),
    coinbase: COINBASE,
    defaultTransactionGasLimit: config.blockGasLimit / 2n,
    genesisState: [
      // The system contracts the hardfork needs (EIP-4788 beacon roots, EIP-2935 block hashes).
      ...l1GenesisState(l1HardforkFromString(hardfork)),
      ...derived.map((account) => ({ address: hexToBytes(account.address), balance: config.balance })),
    ],
    hardfork,
    initialBaseFeePerGas: INITIAL_BASE_FEE,
    minGasPrice: 0n,
    mining: {
      autoMine: true,
      blockGasLimit: config.blockGasLimit,
      memPool: { order: MineOrdering.Priority },
    },
    network: {
      genesisBlockGasLimit: config.blockGasLimit,
      genesisBlockTime: BigInt(config.initialTimestamp),
    },
    networkId: BigInt(config.chainId),
    observability: {},
    ownedAccounts: derived.map(privateKeyOf),
    precompileOverrides: [],
  };
  const context = await edrContext();
  const edr = await context.createProvider(
    L1_CHAIN_TYPE,
    providerConfig,
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    // Subscriptions are refused (no WebSocket), so no event can arrive here.
    { subscriptionCallback: () => {} },
    new ContractDecoder(),
  );
  return { edr, accounts: derived.map((account) => account.address) };
}
