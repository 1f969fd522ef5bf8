import { describe, expect, it } from "vitest";
import { testDevice } from "../__fixtures__/devices.ts";
import { DeviceLoginError, deviceLoginCredentials, verifyDeviceLogin } from "./login.ts";

const device = testDevice(70);
const other = testDevice(71);
const NOW = 1_800_000_000_000;

function failure(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceLoginError);
    return (error as DeviceLoginError).reason;
  }
}

describe("MQTT device login by signature", () => {
  it("round-trips: the node recovers the device address from a fresh login", async () => {
    const { username, password } = await deviceLoginCredentials(device.signer, { chainId: 137, now: NOW });
    expect(password).toMatch(/^dimo-login-v1:1800000000000:0x[0-9a-f]{130}$/);
    expect(
      verifyDeviceLogin(username.toLowerCase(), Buffer.from(password), { chainId: 137, now: NOW + 1000 }),
    ).toBe(device.address);
  });

  it("refuses another key, another chain, stale and future logins, and a password", async () => {
    const mine = await deviceLoginCredentials(device.signer, { chainId: 137, now: NOW });
    const theirs = await deviceLoginCredentials(other.signer, { chainId: 137, now: NOW });
    expect(
      failure(() => verifyDeviceLogin(device.address, theirs.password, { chainId: 137, now: NOW })),
    ).toBe("bad_signature");
    expect(failure(() => verifyDeviceLogin(device.address, mine.password, { chainId: 1, now: NOW }))).toBe(
      "bad_signature",
    );
    expect(
      failure(() => verifyDeviceLogin(device.address, mine.password, { chainId: 137, now: NOW + 301_000 })),
    ).toBe("expired");
    expect(
      failure(() => verifyDeviceLogin(device.address, mine.password, { chainId: 137, now: NOW - 301_000 })),
    ).toBe("future_time");
    expect(failure(() => verifyDeviceLogin(device.address, "hunter2", { chainId: 137, now: NOW }))).toBe(
      "malformed",
    );
    expect(failure(() => verifyDeviceLogin("alice", mine.password, { chainId: 137, now: NOW }))).toBe(
      "malformed",
    );
  });
});
