import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { DEVNET_MNEMONIC, deriveDevnetAccounts } from "./accounts.ts";
import { InvalidDevnetOptionError } from "./errors.ts";

describe("deriveDevnetAccounts", () => {
  it("derives the same accounts as viem's mnemonicToAccount along m/44'/60'/0'/0/i", () => {
    const accounts = deriveDevnetAccounts(DEVNET_MNEMONIC, 3);
    expect(accounts.map((a) => a.address)).toEqual(
      [0, 1, 2].map((addressIndex) => mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex }).address),
    );
    // The first development account every Ethereum tool knows.
    expect(accounts[0]?.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });

  it("rejects a mnemonic that is not BIP-39 English, without echoing it", () => {
    const attempt = () => deriveDevnetAccounts("correct horse battery staple secretword", 1);
    expect(attempt).toThrow(InvalidDevnetOptionError);
    expect(attempt).toThrow(/mnemonic/);
    expect(attempt).not.toThrow(/secretword/);
  });

  it("rejects an account count out of range", () => {
    expect(() => deriveDevnetAccounts(DEVNET_MNEMONIC, 0)).toThrow(InvalidDevnetOptionError);
    expect(() => deriveDevnetAccounts(DEVNET_MNEMONIC, 1001)).toThrow(/accounts/);
    expect(() => deriveDevnetAccounts(DEVNET_MNEMONIC, 1.5)).toThrow(/accounts/);
  });
});
