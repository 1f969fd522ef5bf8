/**
 * Connects a phone to a device's GATT server inside one process, for tests and the simulator.
 * Bonding follows LE Secure Connections numeric comparison for real: both ends make P-256 key
 * pairs, exchange public keys and nonces, and each computes the six-digit value
 * g2(PKa.x, PKb.x, Na, Nb) = AES-CMAC_Na(PKa.x ‖ PKb.x ‖ Nb) mod 10^6 (Bluetooth Core, Vol 3
 * Part H, 2.2.9). The user confirms that the phone and the device show the same number; a
 * man in the middle who substitutes keys makes them differ. Writes and notifications pass
 * through ATT-sized fragments at the negotiated MTU.
 */
import { createCipheriv, createECDH, randomBytes, randomUUID } from "node:crypto";
import {
  AttError,
  type GattClientLink,
  type GattServer,
  type LinkContext,
  type LinkSecurity,
} from "./link.ts";

export interface NumericComparison {
  /** What the phone shows. */
  phone: number;
  /** What the device shows (its display, or read out by its LED pattern). */
  device: number;
}

export interface InProcessConnectOptions {
  /** ATT MTU (default 185, a common phone value; 23 is the BLE minimum). */
  mtu?: number;
  /** "numeric-comparison" (default) or "just-works" (no MITM protection: the device refuses to sign). */
  bonding?: "numeric-comparison" | "just-works";
  /** The user compares the two numbers; true confirms on both ends. */
  confirm?: (numbers: NumericComparison) => boolean;
  /** A man in the middle: replaces the public keys each side receives. */
  interceptKeys?: boolean;
}

const NONE: LinkSecurity = {
  bonded: false,
  method: "none",
  secureConnections: false,
  mitmProtected: false,
  encryptionKeySize: 0,
};

/** AES-CMAC (RFC 4493) with a 16-byte key. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  const aes = (block: Uint8Array) => {
    const c = createCipheriv("aes-128-ecb", key, null);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(block), c.final()]);
  };
  const shift = (b: Buffer) => {
    const out = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) out[i] = ((b[i]! << 1) | (i < 15 ? b[i + 1]! >> 7 : 0)) & 0xff;
    if (b[0]! & 0x80) out[15] = out[15]! ^ 0x87;
    return out;
  };
  const k1 = shift(aes(Buffer.alloc(16)));
  const k2 = shift(k1);
  const n = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const last = Buffer.alloc(16);
  const tail = message.subarray((n - 1) * 16);
  last.set(tail);
  if (!complete) last[tail.length] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] = last[i]! ^ sub[i]!;
  let x = Buffer.alloc(16);
  for (let i = 0; i < n - 1; i++) {
    const block = Buffer.from(message.subarray(i * 16, i * 16 + 16));
    for (let j = 0; j < 16; j++) block[j] = block[j]! ^ x[j]!;
    x = aes(block);
  }
  for (let j = 0; j < 16; j++) last[j] = last[j]! ^ x[j]!;
  return aes(last);
}

/** The LE SC numeric comparison value (Bluetooth Core Vol 3 Part H 2.2.9, g2). */
export function numericComparisonValue(
  pkaX: Uint8Array,
  pkbX: Uint8Array,
  na: Uint8Array,
  nb: Uint8Array,
): number {
  const mac = aesCmac(na, Buffer.concat([pkaX, pkbX, nb]));
  return mac.readUInt32BE(12) % 1_000_000;
}

export class InProcessPairingTransport {
  readonly #server: GattServer;

  constructor(server: GattServer) {
    this.#server = server;
  }

  /** Connects and bonds; the link's security says what bonding achieved. */
  connect(options: InProcessConnectOptions = {}): GattClientLink {
    const mtu = Math.max(23, Math.min(517, options.mtu ?? 185));
    const security = this.#bond(options);
    const context: LinkContext = { id: randomUUID(), security, mtu };
    const server = this.#server;
    const subscriptions = new Set<() => void>();
    let open = true;
    const check = () => {
      if (!open) throw new AttError("request_not_supported", "The link is disconnected.");
    };
    return {
      security,
      mtu,
      async read(characteristic) {
        check();
        const value = await server.read(characteristic, context);
        // A long read returns at most 512 bytes (ATT).
        return value.subarray(0, 512);
      },
      async write(characteristic, value) {
        check();
        if (value.length > mtu - 3)
          throw new AttError("request_not_supported", `write of ${value.length} bytes over MTU ${mtu}`);
        await server.write(characteristic, value, context);
      },
      subscribe(characteristic, listener) {
        check();
        const off = server.subscribe(characteristic, context, (v) => {
          if (v.length > mtu - 3)
            throw new AttError("request_not_supported", `indication of ${v.length} bytes over MTU ${mtu}`);
          if (open) queueMicrotask(() => listener(v));
        });
        subscriptions.add(off);
        return () => {
          off();
          subscriptions.delete(off);
        };
      },
      disconnect() {
        open = false;
        for (const off of subscriptions) off();
        server.disconnected(context);
      },
    };
  }

  #bond(options: InProcessConnectOptions): LinkSecurity {
    if (options.bonding === "just-works") {
      return {
        bonded: true,
        method: "just-works",
        secureConnections: true,
        mitmProtected: false,
        encryptionKeySize: 16,
      };
    }
    // Phase 1–2 of LE Secure Connections: P-256 keys, nonces, and the value each side displays.
    const phone = createECDH("prime256v1");
    const device = createECDH("prime256v1");
    const pkPhone = phone.generateKeys().subarray(1, 33);
    const pkDevice = device.generateKeys().subarray(1, 33);
    const na = randomBytes(16);
    const nb = randomBytes(16);
    // With a man in the middle each side receives the attacker's key instead of its peer's.
    const attacker = createECDH("prime256v1");
    const pkAttacker = attacker.generateKeys().subarray(1, 33);
    const deviceSeesPhone = options.interceptKeys ? pkAttacker : pkPhone;
    const phoneSeesDevice = options.interceptKeys ? pkAttacker : pkDevice;
    const numbers: NumericComparison = {
      phone: numericComparisonValue(pkPhone, phoneSeesDevice, na, nb),
      device: numericComparisonValue(deviceSeesPhone, pkDevice, na, nb),
    };
    const confirmed = options.confirm ? options.confirm(numbers) : numbers.phone === numbers.device;
    if (!confirmed || numbers.phone !== numbers.device) return NONE;
    return {
      bonded: true,
      method: "numeric-comparison",
      secureConnections: true,
      mitmProtected: true,
      encryptionKeySize: 16,
    };
  }
}
