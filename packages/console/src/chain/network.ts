/**
 * The console's view of the chain: one public client over the configured RPC URL, protocol
 * readers for every deployment the config names, and writers built from the connected wallet.
 * Mutations go through @dimo-open/protocol's actions, the same code the CLI runs.
 */
import type {
  HardwareAddresses,
  PaymentsAddresses,
  ProtocolClient,
  ProtocolReader,
  RewardsAddresses,
} from "@dimo-open/protocol";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  createPublicClient,
  defineChain,
  type GetContractEventsReturnType,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { ConsoleConfig } from "../config.ts";

export type ConsoleWalletClient = WalletClient<Transport, Chain, Account>;

export interface Network {
  config: ConsoleConfig;
  chain: Chain;
  publicClient: PublicClient;
  reader: ProtocolReader;
}

/** A part of the protocol this network's config.json does not name. */
export class NotDeployedError extends Error {
  override name = "NotDeployedError";
  constructor(readonly part: "hardware" | "rewards" | "payments") {
    super(
      `This network's config.json names no ${part} contracts, so the console cannot show this page. Deploy them (dimo devnet does) and reload.`,
    );
  }
}

export function connectNetwork(config: ConsoleConfig): Network {
  const chain = defineChain({
    id: config.chainId,
    name: config.chainId === 31337 ? "devnet" : `chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const publicClient = createPublicClient({
    chain,
    // One request per read; batching would hide which read failed behind a shared error.
    transport: http(config.rpcUrl, { retryCount: 1 }),
    pollingInterval: 500,
  }) as PublicClient;
  return { config, chain, publicClient, reader: { publicClient, addresses: config.addresses } };
}

export function hardwareOf(net: Network): ProtocolReader & { hardware: HardwareAddresses } {
  if (!net.config.hardware) throw new NotDeployedError("hardware");
  return { ...net.reader, hardware: net.config.hardware };
}

export function rewardsOf(net: Network): ProtocolReader & { rewards: RewardsAddresses } {
  if (!net.config.rewards) throw new NotDeployedError("rewards");
  return { ...net.reader, rewards: net.config.rewards };
}

export function paymentsOf(net: Network): ProtocolReader & { payments: PaymentsAddresses } {
  if (!net.config.payments) throw new NotDeployedError("payments");
  return { ...net.reader, payments: net.config.payments };
}

/** A protocol client that signs with the connected wallet, carrying every deployment the config names. */
export function writerFor(net: Network, walletClient: ConsoleWalletClient) {
  const client: ProtocolClient = { ...net.reader, walletClient };
  return {
    ...client,
    hardware: net.config.hardware as HardwareAddresses,
    rewards: net.config.rewards as RewardsAddresses,
    payments: net.config.payments as PaymentsAddresses,
  };
}
export type Writer = ReturnType<typeof writerFor>;

/** Every log of one event of one contract since the deployment's first block, oldest first. */
export async function scanEvents<const abi extends Abi, N extends ContractEventName<abi>>(
  net: Network,
  p: { address: Address; abi: abi; eventName: N; args?: Record<string, unknown> },
): Promise<GetContractEventsReturnType<abi, N>> {
  return (await net.publicClient.getContractEvents({
    address: p.address,
    abi: p.abi,
    eventName: p.eventName,
    args: p.args,
    fromBlock: net.config.startBlock,
    toBlock: "latest",
  } as never)) as GetContractEventsReturnType<abi, N>;
}
