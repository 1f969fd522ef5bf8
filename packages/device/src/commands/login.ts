/**
 * The login a node's embedded MQTT broker asks of a device (docs/ingest.md): username = the
 * device address, password = `dimo-login-v1:<unixMs>:<0x signature>`, the signature an EIP-191
 * personal_sign by the device key of
 *
 *   DIMO device login
 *   device: <EIP-55 address>
 *   chain: <chainId>
 *   time: <unixMs>
 *
 * valid for ±5 minutes of the node's clock, so a connection signs a fresh one each time.
 */
import type { DeviceSigner } from "@dimo-open/stream";
import { bytesToHex, getAddress, hashMessage } from "viem";

export async function deviceLoginCredentials(
  signer: DeviceSigner,
  p: { chainId: number; now?: number },
): Promise<{ username: string; password: string }> {
  const timeMs = p.now ?? Date.now();
  const text = `DIMO device login\ndevice: ${getAddress(signer.address)}\nchain: ${p.chainId}\ntime: ${timeMs}`;
  const signature = await signer.signDigest(hashMessage(text, "bytes"));
  return { username: signer.address, password: `dimo-login-v1:${timeMs}:${bytesToHex(signature)}` };
}
