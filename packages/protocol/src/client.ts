import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { protocolAbi } from "./abis.ts";
import { toProtocolError } from "./errors.ts";

/** Addresses of one deployment of the protocol. */
export interface ProtocolAddresses {
  dimoToken: Address;
  manufacturerId: Address;
  vehicleId: Address;
  aftermarketDeviceId: Address;
  permissions: Address;
  devLicense: Address;
}

/** What every action needs: a reader, the deployment, and (for writes) a wallet with an account. */
export interface ProtocolReader {
  publicClient: PublicClient;
  addresses: ProtocolAddresses;
}

export interface ProtocolClient extends ProtocolReader {
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
}

/** A mined transaction with our contracts' events decoded. */
export interface WriteResult {
  hash: Hash;
  receipt: TransactionReceipt;
  events: ReturnType<typeof parseEventLogs<typeof protocolAbi>>;
}

/**
 * Simulates, sends and waits for a contract write; a revert becomes a typed ProtocolError with a
 * message a person can act on (simulation surfaces the revert before any gas is spent).
 */
export async function writeContract<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(
  client: ProtocolClient,
  request: { address: Address; abi: abi; functionName: functionName; args: args; value?: bigint },
): Promise<WriteResult> {
  try {
    const { request: simulated } = await client.publicClient.simulateContract({
      ...(request as object),
      account: client.walletClient.account,
      chain: client.walletClient.chain,
    } as Parameters<PublicClient["simulateContract"]>[0]);
    const hash = await client.walletClient.writeContract(
      simulated as Parameters<WalletClient["writeContract"]>[0],
    );
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { hash, receipt, events: parseEventLogs({ abi: protocolAbi, logs: receipt.logs }) };
  } catch (error) {
    throw toProtocolError(error);
  }
}

/**
 * Finds the first decoded event with `eventName` in a write result (optionally only from the
 * contract at `address`, where two contracts share an event name), or throws.
 */
export function eventOf<N extends WriteResult["events"][number]["eventName"]>(
  result: WriteResult,
  eventName: N,
  address?: Address,
): Extract<WriteResult["events"][number], { eventName: N }> {
  const from = address?.toLowerCase();
  const found = result.events.find(
    (e) => e.eventName === eventName && (!from || e.address.toLowerCase() === from),
  );
  if (!found) throw new Error(`transaction ${result.hash} emitted no ${eventName} event`);
  return found as Extract<WriteResult["events"][number], { eventName: N }>;
}
