import type { Address } from "viem";
import { dimoTokenAbi } from "../artifacts/index.ts";
import { type ProtocolClient, type ProtocolReader, writeContract } from "../client.ts";

const contract = (client: ProtocolReader) =>
  ({ address: client.addresses.dimoToken, abi: dimoTokenAbi }) as const;

export function dimoBalanceOf(client: ProtocolReader, account: Address): Promise<bigint> {
  return client.publicClient.readContract({
    ...contract(client),
    functionName: "balanceOf",
    args: [account],
  });
}

export function transferDimo(client: ProtocolClient, p: { to: Address; amount: bigint }) {
  return writeContract(client, { ...contract(client), functionName: "transfer", args: [p.to, p.amount] });
}

export function approveDimo(client: ProtocolClient, p: { spender: Address; amount: bigint }) {
  return writeContract(client, { ...contract(client), functionName: "approve", args: [p.spender, p.amount] });
}

/** Delegates the caller's voting power (needed before votes count in governance). */
export function delegateVotes(client: ProtocolClient, delegatee: Address) {
  return writeContract(client, { ...contract(client), functionName: "delegate", args: [delegatee] });
}
