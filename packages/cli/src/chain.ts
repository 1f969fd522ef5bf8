/**
 * viem clients for a command: a reader over the network's JSON-RPC, and a writer that signs
 * locally with the command's key (no node ever holds it) and sends raw transactions.
 */
import {
  type HardwareAddresses,
  type PaymentsAddresses,
  type ProtocolClient,
  ProtocolError,
  type ProtocolReader,
  type RewardsAddresses,
} from "@dimo-open/protocol";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { CliError, ExitCode } from "./errors.ts";
import { type Network, requireRpc } from "./network.ts";

/** The deployments the network knows (hardware, rewards, payments may be unknown off the devnet). */
interface Deployments {
  hardware?: HardwareAddresses;
  rewards?: RewardsAddresses;
  payments?: PaymentsAddresses;
}
export type CliReader = ProtocolReader & Deployments;
export type CliWriter = ProtocolClient & Deployments;

async function chainOf(network: Network, publicClient: PublicClient): Promise<Chain> {
  const id = network.chainId ?? (await publicClient.getChainId());
  return defineChain({
    id,
    name: id === 31337 ? "DIMO devnet" : `chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [requireRpc(network)] } },
  });
}

export async function reader(network: Network): Promise<CliReader> {
  const rpcUrl = requireRpc(network);
  const publicClient = createPublicClient({
    transport: http(rpcUrl, { retryCount: 0, timeout: 30_000 }),
    pollingInterval: 100,
    cacheTime: 0,
  }) as PublicClient;
  try {
    await publicClient.getChainId();
  } catch (error) {
    throw new CliError(
      `the chain at ${rpcUrl} did not answer (${(error as Error).message.split("\n")[0]}); is the devnet running (\`npm start\`)?`,
      ExitCode.Unreachable,
    );
  }
  return {
    publicClient,
    addresses: network.addresses,
    ...(network.hardware && { hardware: network.hardware }),
    ...(network.rewards && { rewards: network.rewards }),
    ...(network.payments && { payments: network.payments }),
  };
}

export async function writer(network: Network, account: LocalAccount): Promise<CliWriter> {
  const read = await reader(network);
  const chain = await chainOf(network, read.publicClient);
  const walletClient = createWalletClient({
    account,
    chain,
    transport: http(requireRpc(network), { retryCount: 0, timeout: 60_000 }),
    pollingInterval: 100,
    cacheTime: 0,
  });
  return { ...read, walletClient };
}

/** Turns a chain refusal into the CLI's error with the protocol's own explanation. */
export function refused(error: unknown): never {
  if (error instanceof ProtocolError) throw new CliError(error.message, ExitCode.Refused);
  throw error;
}
