/**
 * How a device logs in to a node's MQTT broker: by signature, never by a shared password
 * (docs/ingest.md). One definition for both ends: the device signs with deviceLoginCredentials,
 * the node checks against deviceLoginMessage.
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
 * A node accepts a time within ±DEFAULT_LOGIN_SKEW_MS of its clock, so a device signs a fresh
 * login for every connection; a login kept from an earlier one is refused after a few minutes.
 */
import { type Address, bytesToHex, getAddress, hashMessage } from "viem";
import type { DeviceSigner } from "./signature/sign.ts";

export const LOGIN_PREFIX = "dimo-login-v1";
export const DEFAULT_LOGIN_SKEW_MS = 5 * 60_000;

export interface DeviceLogin {
  username: string;
  password: string;
}

/** The text a device signs (EIP-191) to log in at `timeMs`. */
export function deviceLoginMessage(p: { address: Address; chainId: number; timeMs: number }): string {
  return `DIMO device login\ndevice: ${getAddress(p.address)}\nchain: ${p.chainId}\ntime: ${p.timeMs}`;
}

/** The MQTT credentials a device sends: its address and a login signed now (or at `now`). */
export async function deviceLoginCredentials(
  signer: DeviceSigner,
  p: { chainId: number; now?: number },
): Promise<DeviceLogin> {
  // Whole milliseconds: a simulated device clock may run at a fractional rate.
  const timeMs = Math.floor(p.now ?? Date.now());
  if (!Number.isSafeInteger(timeMs) || timeMs < 0)
    throw new RangeError(`A login time is a non-negative integer of milliseconds, not ${timeMs}.`);
  const digest = hashMessage(
    deviceLoginMessage({ address: signer.address, chainId: p.chainId, timeMs }),
    "bytes",
  );
  const signature = await signer.signDigest(digest);
  return { username: signer.address, password: `${LOGIN_PREFIX}:${timeMs}:${bytesToHex(signature)}` };
}
