/**
 * The built-in demo wallet: on a devnet the console derives the funded test accounts from the
 * public mnemonic it is given (never stored, never sent anywhere) and signs locally with them.
 * Which account plays which part follows `dimo devnet`'s demo data.
 */
import { type HDAccount, mnemonicToAccount } from "viem/accounts";

export type ConsoleRole = "owner" | "developer" | "maker" | "network";

/**
 * Who each demo account is in the devnet's demo data (index = BIP-44 address index), as
 * `dimo devnet` assigns them (packages/cli's stack roles).
 */
export const DEMO_ACCOUNT_ROLES: readonly { index: number; label: string; role: ConsoleRole }[] = [
  { index: 0, label: "Deployer (admin)", role: "network" },
  { index: 1, label: "Maker", role: "maker" },
  { index: 2, label: "Alice (owner)", role: "owner" },
  { index: 3, label: "Bob (owner)", role: "owner" },
  { index: 4, label: "Developer", role: "developer" },
  { index: 5, label: "Node operator", role: "network" },
  { index: 6, label: "[d]Integrations", role: "network" },
  { index: 7, label: "[d]Council", role: "network" },
  { index: 8, label: "Performance reporter", role: "network" },
  { index: 9, label: "Foundation", role: "network" },
];

export interface DemoAccount {
  index: number;
  label: string;
  role: ConsoleRole;
  account: HDAccount;
}

export class InvalidDemoMnemonicError extends Error {
  override name = "InvalidDemoMnemonicError";
  constructor(words: number) {
    super(
      `The demo mnemonic has ${words} words; a BIP-39 phrase has 12, 15, 18, 21 or 24. Check config.json's demoMnemonic.`,
    );
  }
}

/** Derives the labelled demo accounts (m/44'/60'/0'/0/i) from the devnet's public mnemonic. */
export function deriveDemoAccounts(mnemonic: string, count = DEMO_ACCOUNT_ROLES.length): DemoAccount[] {
  const words = mnemonic.trim().split(/\s+/);
  if (![12, 15, 18, 21, 24].includes(words.length)) throw new InvalidDemoMnemonicError(words.length);
  if (!Number.isInteger(count) || count < 1 || count > DEMO_ACCOUNT_ROLES.length)
    throw new RangeError(`count must be 1–${DEMO_ACCOUNT_ROLES.length}, got ${count}`);
  return DEMO_ACCOUNT_ROLES.slice(0, count).map((r) => ({
    ...r,
    account: mnemonicToAccount(words.join(" "), { addressIndex: r.index }),
  }));
}
