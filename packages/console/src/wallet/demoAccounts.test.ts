import { describe, expect, it } from "vitest";
import { DEMO_ACCOUNT_ROLES, deriveDemoAccounts, InvalidDemoMnemonicError } from "./demoAccounts.ts";

const MNEMONIC = "test test test test test test test test test test test junk";

describe("demo accounts", () => {
  it("derives the devnet's funded accounts in order with their labels", () => {
    const accounts = deriveDemoAccounts(MNEMONIC);
    expect(accounts).toHaveLength(10);
    // The well-known addresses of this public test mnemonic (Hardhat/Anvil accounts 0 and 2).
    expect(accounts[0]!.account.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(accounts[2]!.account.address).toBe("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    expect(accounts.map((a) => a.label).slice(0, 5)).toEqual([
      "Deployer (admin)",
      "Maker",
      "Alice (owner)",
      "Bob (owner)",
      "Developer",
    ]);
  });

  it("signs locally with the derived key", async () => {
    const [admin] = deriveDemoAccounts(MNEMONIC, 1);
    const signature = await admin!.account.signMessage({ message: "hello" });
    const { verifyMessage } = await import("viem");
    expect(await verifyMessage({ address: admin!.account.address, message: "hello", signature })).toBe(true);
  });

  it("refuses a phrase that is not BIP-39 length", () => {
    expect(() => deriveDemoAccounts("test test test")).toThrow(InvalidDemoMnemonicError);
    expect(() => deriveDemoAccounts("test test test")).toThrow(/3 words/);
  });

  it("refuses a count outside the labelled table", () => {
    expect(() => deriveDemoAccounts(MNEMONIC, 0)).toThrow(RangeError);
    expect(() => deriveDemoAccounts(MNEMONIC, DEMO_ACCOUNT_ROLES.length + 1)).toThrow(RangeError);
  });
});
