import { type Address, type Hex, keccak256, toBytes } from "viem";
import type { ProtocolClient, ProtocolReader } from "../client.ts";

/** Addresses of one deployment of credits, node registry and usage settlement. */
export interface PaymentsAddresses {
  dimoCredits: Address;
  nodeRegistry: Address;
  usageSettlement: Address;
}

export interface PaymentsReader extends ProtocolReader {
  payments: PaymentsAddresses;
}

export interface PaymentsClient extends ProtocolClient {
  payments: PaymentsAddresses;
}

/** Adds the payments deployment to a protocol client or reader. */
export function withPayments<C extends ProtocolReader>(
  client: C,
  payments: PaymentsAddresses,
): C & { payments: PaymentsAddresses } {
  return { ...client, payments };
}

const role = (name: string): Hex => keccak256(toBytes(name));

export const PAYMENTS_ROLES = {
  governance: "0x0000000000000000000000000000000000000000000000000000000000000000",
  priceOracle: role("CREDITS_PRICE_ORACLE_ROLE"),
  spender: role("CREDITS_SPENDER_ROLE"),
  arbiter: role("SETTLEMENT_ARBITER_ROLE"),
} as const satisfies Record<string, Hex>;

/** DIMO's peg: one credit is worth $0.001 (18-decimal USD). */
export const CREDIT_USD = 10n ** 15n;
