/**
 * How a device logs in to the node's MQTT broker: by signature, never by a shared password.
 *
 *   username = the device address (0x…, any case)
 *   password = "dimo-login-v1:<unixMs>:<0x signature>"
 *
 * where the signature is EIP-191 `personal_sign` by the device key over
 *
 *   DIMO device login
 *   device: <EIP-55 address>
 *   chain: <chainId>
 *   time: <unixMs>
 *
 * The node accepts a time within ±loginSkewMs (5 minutes) of its clock. The login only admits
 * the connection and scopes its topics to `devices/<address>/`; every message is still verified
 * on its own, so a replayed login within the window lets nobody publish what the device did not sign.
 */
import { type DeviceSigner, readSignature, recoverAddress, StreamError, toLowS } from "@dimo-open/stream";
import { type Address, getAddress, hashMessage, isAddress } from "viem";

export const LOGIN_PREFIX = "dimo-login-v1";
export const DEFAULT_LOGIN_SKEW_MS = 5 * 60_000;

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

export function deviceLoginMessage(p: { address: Address; chainId: number; timeMs: number }): string {
  return `DIMO device login\ndevice: ${getAddress(p.address)}\nchain: ${p.chainId}\ntime: ${p.timeMs}`;
}

/** The MQTT credentials a device sends: its address and a fresh login signature. */
export async function deviceLoginCredentials(
  signer: DeviceSigner,
  p: { chainId: number; now?: number },
): Promise<{ username: string; password: string }> {
  const timeMs = p.now ?? Date.now();
  const digest = hashMessage(
    deviceLoginMessage({ address: signer.address, chainId: p.chainId, timeMs }),
    "bytes",
  );
  const signature = Buffer.from(await signer.signDigest(digest)).toString("hex");
  return { username: signer.address, password: `${LOGIN_PREFIX}:${timeMs}:0x${signature}` };
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
  const match = /^dimo-login-v1:(\d{1,16}):(0x[0-9a-fA-F]{130})$/.exec(text);
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
