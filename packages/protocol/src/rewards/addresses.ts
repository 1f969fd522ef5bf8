import { type Address, type Hex, keccak256, toBytes } from "viem";
import type { ProtocolClient, ProtocolReader } from "../client.ts";

/** Addresses of one deployment of the rewards contract. */
export interface RewardsAddresses {
  dimoRewards: Address;
}

/** A protocol reader that also knows the rewards deployment. */
export interface RewardsReader extends ProtocolReader {
  rewards: RewardsAddresses;
}

/** A protocol client (with a wallet) that also knows the rewards deployment. */
export interface RewardsClient extends ProtocolClient {
  rewards: RewardsAddresses;
}

/** Adds the rewards deployment to a protocol client or reader. */
export function withRewards<C extends ProtocolReader>(
  client: C,
  rewards: RewardsAddresses,
): C & { rewards: RewardsAddresses } {
  return { ...client, rewards };
}

const role = (name: string): Hex => keccak256(toBytes(name));

/** Roles of DimoRewards (governance is role 0). */
export const REWARDS_ROLES = {
  governance: "0x0000000000000000000000000000000000000000000000000000000000000000",
  publisher: role("REWARDS_PUBLISHER_ROLE"),
  arbiter: role("REWARDS_ARBITER_ROLE"),
} as const satisfies Record<string, Hex>;
