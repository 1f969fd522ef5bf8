import { type Address, getAddress, type Hex } from "viem";
import {
  dimoCreditsAbi,
  dimoCreditsBytecode,
  dimoTokenAbi,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  usageSettlementAbi,
  usageSettlementBytecode,
} from "../artifacts/index.ts";
import type { ProtocolClient } from "../client.ts";
import { toProtocolError } from "../errors.ts";
import { PAYMENTS_ROLES, type PaymentsAddresses } from "./addresses.ts";

export interface DeployPaymentsOptions {
  /** DIMO/USD, 18 decimals. Default $0.10 (one credit = 0.01 DIMO). */
  dimoUsdPrice?: bigint;
  /** DIMO moved from the deployer (the treasury) into the node payout pool. Default 10,000,000 DIMO. */
  payoutPool?: bigint;
  /** Who may set the DIMO/USD price. Default: the deployer. */
  priceOracles?: readonly Address[];
  /** Who rules on settlement disputes. Default: the deployer. */
  arbiters?: readonly Address[];
  /** Governance after deployment. Default: the deployer. */
  admin?: Address;
}

export const DEFAULT_DIMO_USD_PRICE = 10n ** 17n;
export const DEFAULT_PAYOUT_POOL = 10_000_000n * 10n ** 18n;

/** Deploys DimoCredits, NodeRegistry and UsageSettlement on a protocol deployment and wires them. */
export async function deployPayments(
  client: ProtocolClient,
  options: DeployPaymentsOptions = {},
): Promise<PaymentsAddresses> {
  const deployer = client.walletClient.account.address;
  const account = client.walletClient.account;
  const chain = client.walletClient.chain;
  const wait = async (hash: Hex) => {
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} failed`);
    return receipt;
  };
  const deploy = async (abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]) => {
    const receipt = await wait(
      await client.walletClient.deployContract({ abi, bytecode, args, account, chain } as Parameters<
        typeof client.walletClient.deployContract
      >[0]),
    );
    return getAddress(receipt.contractAddress!);
  };
  const send = async (
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ) => {
    await wait(
      await client.walletClient.writeContract({
        address,
        abi,
        functionName,
        args,
        account,
        chain,
      } as Parameters<typeof client.walletClient.writeContract>[0]),
    );
  };
  try {
    const { dimoToken, devLicense } = client.addresses;
    const dimoCredits = await deploy(dimoCreditsAbi, dimoCreditsBytecode, [
      deployer,
      dimoToken,
      devLicense,
      options.dimoUsdPrice ?? DEFAULT_DIMO_USD_PRICE,
    ]);
    const nodeRegistry = await deploy(nodeRegistryAbi, nodeRegistryBytecode, [dimoToken]);
    const usageSettlement = await deploy(usageSettlementAbi, usageSettlementBytecode, [
      deployer,
      dimoToken,
      dimoCredits,
      nodeRegistry,
      devLicense,
    ]);
    await send(dimoCredits, dimoCreditsAbi, "grantRole", [PAYMENTS_ROLES.spender, usageSettlement]);
    for (const a of options.priceOracles ?? [deployer]) {
      await send(dimoCredits, dimoCreditsAbi, "grantRole", [PAYMENTS_ROLES.priceOracle, a]);
    }
    for (const a of options.arbiters ?? [deployer]) {
      await send(usageSettlement, usageSettlementAbi, "grantRole", [PAYMENTS_ROLES.arbiter, a]);
    }
    const pool = options.payoutPool ?? DEFAULT_PAYOUT_POOL;
    if (pool > 0n) await send(dimoToken, dimoTokenAbi, "transfer", [usageSettlement, pool]);
    const admin = options.admin ?? deployer;
    if (getAddress(admin) !== getAddress(deployer)) {
      for (const [address, abi] of [
        [dimoCredits, dimoCreditsAbi],
        [usageSettlement, usageSettlementAbi],
      ] as const) {
        await send(address, abi, "grantRole", [PAYMENTS_ROLES.governance, admin]);
        await send(address, abi, "renounceRole", [PAYMENTS_ROLES.governance, deployer]);
      }
    }
    return { dimoCredits, nodeRegistry, usageSettlement };
  } catch (error) {
    throw toProtocolError(error);
  }
}
