/**
 * Who is who on a devnet: each demo account is a funded account derived at run time from the
 * public test mnemonic (m/44'/60'/0'/0/<index>), and plays one part in the demo data. The console's
 * built-in demo wallet labels the same indexes (packages/console/src/wallet/demoAccounts.ts).
 */
import { DEVNET_MNEMONIC, deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import type { LocalAccount } from "viem";

export const DEMO_ROLES = {
  admin: {
    index: 0,
    description: "deployer: registry admin, DIMO treasury, governance voter, rewards arbiter",
  },
  maker: {
    index: 1,
    description: "hardware maker: licensed by a governance vote, staked, mints the demo devices",
  },
  alice: { index: 2, description: "vehicle owner: claims and pairs devices, grants the demo app" },
  bob: { index: 3, description: "vehicle owner: claims and pairs devices, grants the demo app" },
  developer: { index: 4, description: "app developer: owns the demo licence and is its signer" },
  operator: {
    index: 5,
    description: "node operator: the node publishes reward weeks and settles usage with this key",
  },
  integrations: { index: 6, description: "[d]Integrations committee: records readouts, certifies models" },
  council: { index: 7, description: "[d]Council: rules on challenges" },
  reporter: { index: 8, description: "performance reporter: reports device failures" },
  foundation: { index: 9, description: "foundation: lends licence stake for underserved categories" },
} as const;

export type DemoRole = keyof typeof DEMO_ROLES;
export const DEMO_ROLE_NAMES = Object.keys(DEMO_ROLES) as DemoRole[];

/** The demo accounts (local signers), derived now; nothing secret is stored anywhere. */
export function demoAccounts(mnemonic: string = DEVNET_MNEMONIC): Record<DemoRole, LocalAccount> {
  const highest = Math.max(...Object.values(DEMO_ROLES).map((r) => r.index));
  const accounts = deriveDevnetAccounts(mnemonic, highest + 1) as unknown as LocalAccount[];
  return Object.fromEntries(
    DEMO_ROLE_NAMES.map((role) => [role, accounts[DEMO_ROLES[role].index]!]),
  ) as Record<DemoRole, LocalAccount>;
}
