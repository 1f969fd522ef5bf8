import {
  approveDimo,
  delegateVotes,
  dimoBalanceOf,
  dimoTokenAbi,
  ProtocolError,
  transferDimo,
  writeContract,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { protocolFixture } from "./fixture.ts";

describe("DIMO token", () => {
  it("mints 1,000,000,000 DIMO once, to the treasury, and burns", async () => {
    const f = await protocolFixture();
    const read = (functionName: "totalSupply" | "name" | "symbol" | "decimals") =>
      f.admin.publicClient.readContract({ address: f.addresses.dimoToken, abi: dimoTokenAbi, functionName });
    expect(await read("totalSupply")).toBe(parseEther("1000000000"));
    expect(await dimoBalanceOf(f.admin, f.adminAccount.address)).toBe(parseEther("1000000000"));
    expect([await read("name"), await read("symbol"), await read("decimals")]).toEqual(["Dimo", "DIMO", 18]);
    await transferDimo(f.admin, { to: f.alice.address, amount: parseEther("100") });
    await writeContract(f.alice.client, {
      address: f.addresses.dimoToken,
      abi: dimoTokenAbi,
      functionName: "burn",
      args: [parseEther("40")],
    });
    expect(await dimoBalanceOf(f.alice.client, f.alice.address)).toBe(parseEther("60"));
    expect(await read("totalSupply")).toBe(parseEther("999999960"));
    const e = await transferDimo(f.alice.client, { to: f.bob.address, amount: parseEther("61") }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).errorName).toBe("ERC20InsufficientBalance");
    expect((e as ProtocolError).message).toContain("holds 60 DIMO but 61 are needed");
    await f.close();
  });

  it("counts votes by timestamp once delegated, and spends allowances", async () => {
    const f = await protocolFixture();
    await transferDimo(f.admin, { to: f.alice.address, amount: parseEther("500") });
    const votes = () =>
      f.admin.publicClient.readContract({
        address: f.addresses.dimoToken,
        abi: dimoTokenAbi,
        functionName: "getVotes",
        args: [f.alice.address],
      });
    expect(await votes()).toBe(0n);
    await delegateVotes(f.alice.client, f.alice.address);
    expect(await votes()).toBe(parseEther("500"));
    const clockMode = await f.admin.publicClient.readContract({
      address: f.addresses.dimoToken,
      abi: dimoTokenAbi,
      functionName: "CLOCK_MODE",
    });
    expect(clockMode).toBe("mode=timestamp");
    await approveDimo(f.alice.client, { spender: f.bob.address, amount: parseEther("10") });
    await writeContract(f.bob.client, {
      address: f.addresses.dimoToken,
      abi: dimoTokenAbi,
      functionName: "transferFrom",
      args: [f.alice.address, f.bob.address, parseEther("10")],
    });
    expect(await dimoBalanceOf(f.bob.client, f.bob.address)).toBe(parseEther("10"));
    expect(await votes()).toBe(parseEther("490"));
    await f.close();
  });
});
