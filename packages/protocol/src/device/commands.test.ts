import { getAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  commandTopic,
  deviceOfCommandTopic,
  recoverVehicleCommandSigner,
  signVehicleCommand,
} from "./commands.ts";

describe("vehicle commands on the wire", () => {
  it("a command signed by the node recovers to the node on its chain only, whatever the address case", async () => {
    const node = privateKeyToAccount(generatePrivateKey());
    const device = privateKeyToAccount(generatePrivateKey()).address;
    const command = {
      id: "2b1f7c1e-0d8e-4f7a-9c55-0e1c2d3b4a59",
      name: "doors/lock" as const,
      device: device.toLowerCase() as `0x${string}`,
      vehicle: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
      issuedAt: 1_800_000_000_000,
      expiresAt: 1_800_000_060_000,
    };
    const signed = await signVehicleCommand(node, command, 137);
    expect(await recoverVehicleCommandSigner(signed, 137)).toBe(node.address);
    expect(
      await recoverVehicleCommandSigner(
        { ...signed, command: { ...command, device: getAddress(device) } },
        137,
      ),
    ).toBe(node.address);
    expect(await recoverVehicleCommandSigner(signed, 1)).not.toBe(node.address);
    expect(
      await recoverVehicleCommandSigner({ ...signed, command: { ...command, name: "doors/unlock" } }, 137),
    ).not.toBe(node.address);
  });

  it("names the device's command topic and reads it back", () => {
    const device = privateKeyToAccount(generatePrivateKey()).address;
    expect(commandTopic(device)).toBe(`devices/${device.toLowerCase()}/commands`);
    expect(deviceOfCommandTopic(commandTopic(device))).toBe(device);
    expect(deviceOfCommandTopic(`devices/${device}/status`)).toBeUndefined();
  });
});
