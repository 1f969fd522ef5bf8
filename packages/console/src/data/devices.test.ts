import { describe, expect, it } from "vitest";
import { DeviceListError, MAX_MINT_BATCH, parseDeviceList } from "./devices.ts";

const A = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const B = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("parseDeviceList", () => {
  it("reads addresses with optional serials, skipping blanks and comments", () => {
    expect(parseDeviceList(`# batch 7\n${A}, SN-001\n\n${B}\n`)).toEqual([
      { deviceAddress: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", serial: "SN-001" },
      { deviceAddress: B },
    ]);
  });

  it("names the line it refuses", () => {
    expect(() => parseDeviceList(`${A}\n0x1234`)).toThrow(/Line 2: "0x1234" is not a device address/);
    expect(() => parseDeviceList(`${A}\n${A.toUpperCase().replace("0X", "0x")}`)).toThrow(
      /Line 2: .* listed twice/,
    );
    expect(() => parseDeviceList(`${A}, ${"x".repeat(65)}`)).toThrow(/longer than 64/);
    expect(() => parseDeviceList("\n# nothing\n")).toThrow(DeviceListError);
  });

  it("bounds a batch", () => {
    const many = Array.from(
      { length: MAX_MINT_BATCH + 1 },
      (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`,
    ).join("\n");
    expect(() => parseDeviceList(many)).toThrow(/at most 500/);
  });
});
