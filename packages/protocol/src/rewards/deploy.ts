import { type Address, getAddress, type Hex } from "viem";
import { dimoRewardsAbi, dimoRewardsBytecode, dimoTokenAbi } from "../artifacts/index.ts";
import type { ProtocolClient } from "../client.ts";
import { toProtocolError } from "../errors.ts";
import { REWARDS_ROLES, type RewardsAddresses } from "./addresses.ts";

export interface DeployRewardsOptions {
  /** Start of week 0, unix seconds. Default: the latest block's time. */
  genesis?: bigint;
  /** DIMO moved from the deployer (the treasury) into the pool at deployment. Default: 52 weeks of year-0 issuance. */
  poolFunding?: bigint;
  /** Accounts allowed to publish weekly roots (the rewards node). Default: the deployer. */
  publishers?: readonly Address[];
  /** Accounts that rule on challenges. Default: the deployer. */
  arbiters?: readonly Address[];
  /** Governance (DEFAULT_ADMIN_ROLE) after deployment. Default: the deployer. */
  admin?: Address;
  /** Challenge window in seconds (default 1 day) and bond in DIMO wei (default 10,000 DIMO). */
  challengeWindow?: bigint;
  challengeBond?: bigint;
}

/** 52 weeks of year-0 issuance: what the devnet pool starts with. */
export const DEFAULT_REWARDS_POOL = 52n * 1_105_000n * 10n ** 18n;

/**
 * Deploys DimoRewards on an existing protocol deployment, funds its pool from the deployer
 * (the DIMO treasury), appoints the publishers and arbiters and hands governance to `admin`.
 */
export async function deployRewards(
  client: ProtocolClient,
  options: DeployRewardsOptions = {},
): Promise<RewardsAddresses> {
  const deployer = client.walletClient.account.address;
  const send = async (
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ) => {
    const hash = await client.walletClient.writeContract({
      address,
      abi,
      functionName,
      args,
      account: client.walletClient.account,
      chain: client.walletClient.chain,
    } as Parameters<typeof client.walletClient.writeContract>[0]);
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`${functionName} failed in ${hash}`);
  };
  try {
    const genesis = options.genesis ?? (await client.publicClient.getBlock()).timestamp;
    const hash = await client.walletClient.deployContract({
      abi: dimoRewardsAbi,
      bytecode: dimoRewardsBytecode,
      args: [deployer, client.addresses.dimoToken, client.addresses.aftermarketDeviceId, genesis],
      account: client.walletClient.account,
      chain: client.walletClient.chain,
    });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (!receipt.contractAddress || receipt.status !== "success")
      throw new Error(`deployment ${hash} failed`);
    const dimoRewards = getAddress(receipt.contractAddress);

    const funding = options.poolFunding ?? DEFAULT_REWARDS_POOL;
    if (funding > 0n)
      await send(client.addresses.dimoToken, dimoTokenAbi, "transfer", [dimoRewards, funding]);
    if (options.challengeWindow !== undefined || options.challengeBond !== undefined) {
      await send(dimoRewards, dimoRewardsAbi, "setChallengeParameters", [
        options.challengeWindow ?? 86_400n,
        options.challengeBond ?? 10_000n * 10n ** 18n,
      ]);
    }
    const grant = (role: Hex, account: Address) =>
      send(dimoRewards, dimoRewardsAbi, "grantRole", [role, account]);
    for (const a of options.publishers ?? [deployer]) await grant(REWARDS_ROLES.publisher, a);
    for (const a of options.arbiters ?? [deployer]) await grant(REWARDS_ROLES.arbiter, a);
    const admin = options.admin ?? deployer;
    if (getAddress(admin) !== getAddress(deployer)) {
      await grant(REWARDS_ROLES.governance, admin);
      await send(dimoRewards, dimoRewardsAbi, "renounceRole", [REWARDS_ROLES.governance, deployer]);
    }
    return { dimoRewards };
  } catch (error) {
    throw toProtocolError(error);
  }
}
