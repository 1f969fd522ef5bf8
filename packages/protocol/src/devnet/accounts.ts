import { pbkdf2Sync } from "node:crypto";
import type { Address, HDAccount, Hex } from "viem";
import { english, HDKey, hdKeyToAccount } from "viem/accounts";
import { InvalidDevnetOptionError } from "./errors.ts";

/**
 * The well-known development mnemonic (Hardhat's and Anvil's). Its keys are public knowledge:
 * anything they hold on a real chain is lost. The devnet derives its funded accounts from it at
 * run time; no key is ever written down.
 */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

export const MAX_DEVNET_ACCOUNTS = 1000;

const WORDS = new Set(english);

/**
 * Derives `count` accounts from `mnemonic` along m/44'/60'/0'/0/i, as wallets and Hardhat do.
 * Returns viem HD accounts (local signers). The BIP-39 seed is computed once with Node's native
 * PBKDF2 because deriving each account through `mnemonicToAccount` repeats the 2048-round
 * stretching in JavaScript (about 30 ms per account).
 */
export function deriveDevnetAccounts(mnemonic: string = DEVNET_MNEMONIC, count = 20): HDAccount[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_DEVNET_ACCOUNTS) {
    throw new InvalidDevnetOptionError("accounts", count, `an integer from 1 to ${MAX_DEVNET_ACCOUNTS}`);
  }
  const normalized = mnemonic.normalize("NFKD").trim().split(/\s+/).join(" ");
  const words = normalized.split(" ");
  if (![12, 15, 18, 21, 24].includes(words.length) || !words.every((w) => WORDS.has(w))) {
    // The mnemonic itself is a secret in general: do not echo it.
    throw new InvalidDevnetOptionError(
      "mnemonic",
      `<${words.length} words>`,
      "a BIP-39 English mnemonic of 12, 15, 18, 21 or 24 words",
    );
  }
  const seed = pbkdf2Sync(normalized, "mnemonic", 2048, 64, "sha512");
  const root = HDKey.fromMasterSeed(seed);
  return Array.from({ length: count }, (_, addressIndex) => hdKeyToAccount(root, { addressIndex }));
}

/** The private key of an HD account, for handing to the in-process EVM as an unlocked account. */
export function privateKeyOf(account: HDAccount): Hex {
  const key = account.getHdKey().privateKey;
  if (!key) throw new Error(`HD account ${account.address} has no private key`);
  return `0x${Buffer.from(key).toString("hex")}`;
}

export interface DevnetAccount {
  address: Address;
}
