/**
 * The DIMO pairing GATT profile (docs/pairing-gatt.md): one primary service with four
 * characteristics, JSON messages fragmented to the ATT MTU, and the request/response shapes.
 */
import { z } from "zod";

export const PAIRING_SERVICE_UUID = "5d1e0001-6d1f-4b2e-9d3c-44494d4f0001";
export const PAIRING_CHARACTERISTICS = {
  /** read, encrypted + authenticated: who the device is. */
  info: "5d1e0002-6d1f-4b2e-9d3c-44494d4f0001",
  /** read, encrypted + authenticated: a fresh 32-byte challenge for the next request. */
  challenge: "5d1e0003-6d1f-4b2e-9d3c-44494d4f0001",
  /** write (with response), encrypted + authenticated: a signing request, fragmented. */
  request: "5d1e0004-6d1f-4b2e-9d3c-44494d4f0001",
  /** indicate, encrypted + authenticated: the answer to the last request, fragmented. */
  response: "5d1e0005-6d1f-4b2e-9d3c-44494d4f0001",
} as const;

export const PAIRING_PROTOCOL_VERSION = 1;
/** Largest reassembled message. */
export const MAX_PAIRING_MESSAGE = 4096;

export const DeviceInfoSchema = z.object({
  protocol: z.literal(PAIRING_PROTOCOL_VERSION),
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  chainId: z.number().int().positive(),
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  deviceId: z
    .string()
    .regex(/^\d{1,78}$/)
    .optional(),
  serial: z.string().max(64),
  firmware: z.string().max(32),
  custody: z.enum(["secure-element", "software"]),
});
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;

const uint = z.string().regex(/^(0|[1-9]\d{0,77})$/, "a decimal unsigned integer");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const SigningRequestSchema = z
  .object({
    /** The challenge read just before, hex. */
    challenge: z.string().regex(/^0x[0-9a-f]{64}$/),
    primaryType: z.enum(["ClaimDevice", "PairDevice"]),
    domain: z.object({
      name: z.string().max(64),
      version: z.string().max(16),
      chainId: z.number().int().positive(),
      verifyingContract: address,
    }),
    message: z.union([
      z.object({ deviceId: uint, owner: address, nonce: uint, deadline: uint }).strict(),
      z.object({ deviceId: uint, vehicleId: uint, nonce: uint, deadline: uint }).strict(),
    ]),
    /** HMAC-SHA256(pairing secret, challenge ‖ request without proof), hex. */
    proof: z.string().regex(/^0x[0-9a-f]{64}$/),
  })
  .strict();
export type SigningRequest = z.infer<typeof SigningRequestSchema>;

export type PairingErrorCode =
  | "insufficient_authentication"
  | "bad_request"
  | "stale_challenge"
  | "bad_proof"
  | "too_many_attempts"
  | "wrong_domain"
  | "wrong_device"
  | "bad_deadline";

export type SigningResponse =
  | { ok: true; signature: `0x${string}` }
  | { ok: false; error: PairingErrorCode; message: string };

/** Splits a message into ATT-sized fragments: 1 header byte (bit 7 last, bits 0–6 index) + data. */
export function fragment(message: Uint8Array, mtu: number): Uint8Array[] {
  const size = Math.max(1, mtu - 3 - 1);
  if (message.length > MAX_PAIRING_MESSAGE)
    throw new RangeError(`pairing message of ${message.length} bytes`);
  const out: Uint8Array[] = [];
  for (let i = 0, n = 0; i < Math.max(1, message.length); i += size, n++) {
    const chunk = message.subarray(i, i + size);
    const last = i + size >= message.length;
    const f = new Uint8Array(chunk.length + 1);
    f[0] = (last ? 0x80 : 0) | (n & 0x7f);
    f.set(chunk, 1);
    out.push(f);
  }
  return out;
}

/** Reassembles fragments; `push` returns the whole message on its last fragment. */
export class Reassembler {
  #parts: Uint8Array[] = [];
  #size = 0;

  push(f: Uint8Array): Uint8Array | undefined {
    if (f.length < 1) throw new RangeError("empty fragment");
    const index = f[0]! & 0x7f;
    if (index !== (this.#parts.length & 0x7f)) {
      this.#parts = [];
      this.#size = 0;
      throw new RangeError(`fragment ${index} out of order`);
    }
    this.#parts.push(f.subarray(1));
    this.#size += f.length - 1;
    if (this.#size > MAX_PAIRING_MESSAGE) {
      this.#parts = [];
      this.#size = 0;
      throw new RangeError("pairing message too large");
    }
    if ((f[0]! & 0x80) === 0) return undefined;
    const out = Buffer.concat(this.#parts);
    this.#parts = [];
    this.#size = 0;
    return out;
  }
}
