import type { Address } from "viem";
import { approveDimo } from "../actions/token.ts";
import { dimoTokenAbi } from "../artifacts/index.ts";
import type { ProtocolClient } from "../client.ts";

/**
 * Approves `spender` for `amount` DIMO of the caller when its allowance is smaller, so that a
 * staking or bonding action pulls exactly what it needs.
 */
export async function ensureDimoAllowance(
  client: ProtocolClient,
  spender: Address,
  amount: bigint,
): Promise<void> {
  const current = await client.publicClient.readContract({
    address: client.addresses.dimoToken,
    abi: dimoTokenAbi,
    functionName: "allowance",
    args: [client.walletClient.account.address, spender],
  });
  if (current < amount) await approveDimo(client, { spender, amount });
}
