/**
 * The node's side of the MQTT device login (@dimo-open/stream's login.ts defines the message and
 * the credentials a device sends): the username is the device address, the password
 * "dimo-login-v1:<unixMs>:<0x signature>", an EIP-191 signature by the device key over
 * deviceLoginMessage. The node accepts a time within ±loginSkewMs (5 minutes) of its clock. The
 * login only admits the connection and scopes its topics to `devices/<address>/`; every message
 * is still verified on its own, so a replayed login within the window lets nobody publish what
 * the device did not sign.
 */
import {
  DEFAULT_LOGIN_SKEW_MS,
  deviceLoginMessage,
  LOGIN_PREFIX,
  readSignature,
  recoverAddress,
  StreamError,
  toLowS,
} from "@dimo-open/stream";
import { type Address, getAddress, hashMessage, isAddress } from "viem";

// The device side lives in @dimo-open/stream; re-exported for the node's callers and tests.
export {
  DEFAULT_LOGIN_SKEW_MS,
  deviceLoginCredentials,
  deviceLoginMessage,
  LOGIN_PREFIX,
} from "@dimo-open/stream";

const LOGIN_PATTERN = new RegExp(`^${LOGIN_PREFIX}:(\\d{1,16}):(0x[0-9a-fA-F]{130})$`);

export type LoginFailure = "malformed" | "expired" | "future_time" | "bad_signature";

export class DeviceLoginError extends StreamError {
  override name = "DeviceLoginError";
  constructor(
    readonly reason: LoginFailure,
    shortMessage: string,
    details?: string,
  ) {
    super(shortMessage, details ? { details } : {});
  }
}

/** Checks MQTT credentials; returns the device address or throws DeviceLoginError. */
export function verifyDeviceLogin(
  username: string | undefined,
  password: Uint8Array | string | undefined,
  p: { chainId: number; now?: number; skewMs?: number },
): Address {
  if (!username || !isAddress(username, { strict: false })) {
    throw new DeviceLoginError("malformed", "The MQTT username must be the device address (0x…).");
  }
  const address = getAddress(username);
  const text =
    typeof password === "string" ? password : password ? Buffer.from(password).toString("utf8") : "";
  const match = LOGIN_PATTERN.exec(text);
  if (!match) {
    throw new DeviceLoginError(
      "malformed",
      "The MQTT password is not a device login signature.",
      `Expected "${LOGIN_PREFIX}:<unixMs>:<0x 65-byte signature>" (docs/ingest.md).`,
    );
  }
  const timeMs = Number(match[1]);
  const now = p.now ?? Date.now();
  const skew = p.skewMs ?? DEFAULT_LOGIN_SKEW_MS;
  if (timeMs > now + skew) {
    throw new DeviceLoginError(
      "future_time",
      `The login time ${timeMs} is ahead of the node's clock (${now}).`,
    );
  }
  if (timeMs < now - skew) {
    throw new DeviceLoginError(
      "expired",
      `The login time ${timeMs} is older than ${skew} ms.`,
      "Sign a fresh login.",
    );
  }
  const digest = hashMessage(deviceLoginMessage({ address, chainId: p.chainId, timeMs }), "bytes");
  let signer: Address;
  try {
    signer = recoverAddress(digest, toLowS(readSignature(match[2] as `0x${string}`)));
  } catch {
    throw new DeviceLoginError("bad_signature", "The login signature does not recover.");
  }
  if (signer !== address) {
    throw new DeviceLoginError("bad_signature", `The login is signed by ${signer}, not by ${address}.`);
  }
  return address;
}
