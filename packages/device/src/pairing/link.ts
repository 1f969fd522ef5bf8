/**
 * The pairing transport as the two ends see it: a GATT server on the device, a GATT client link
 * on the phone, and the security the link has (what bonding achieved). A BLE stack (BlueZ on
 * the device, the phone's OS) provides both for real; InProcessPairingTransport connects them
 * in one process for tests.
 */

export interface LinkSecurity {
  /** Long-term keys exchanged and stored. */
  bonded: boolean;
  /** How the bond was authenticated. */
  method: "numeric-comparison" | "passkey-entry" | "just-works" | "none";
  /** LE Secure Connections (P-256 ECDH), not LE legacy pairing. */
  secureConnections: boolean;
  /** Protected against a man in the middle (numeric comparison or passkey entry). */
  mitmProtected: boolean;
  encryptionKeySize: number;
}

/** One connected central, as the device's GATT server sees it. */
export interface LinkContext {
  readonly id: string;
  readonly security: LinkSecurity;
  readonly mtu: number;
}

/** The device side: handles reads, writes and subscriptions of its characteristics. */
export interface GattServer {
  read(characteristic: string, link: LinkContext): Promise<Uint8Array>;
  write(characteristic: string, value: Uint8Array, link: LinkContext): Promise<void>;
  subscribe(characteristic: string, link: LinkContext, notify: (value: Uint8Array) => void): () => void;
  disconnected(link: LinkContext): void;
}

/** The phone side of a connected, bonded link. */
export interface GattClientLink {
  readonly security: LinkSecurity;
  readonly mtu: number;
  read(characteristic: string): Promise<Uint8Array>;
  write(characteristic: string, value: Uint8Array): Promise<void>;
  subscribe(characteristic: string, listener: (value: Uint8Array) => void): () => void;
  disconnect(): void;
}

/** The ATT error a characteristic answers when the link's security is not enough. */
export class AttError extends Error {
  override name = "AttError";
  constructor(
    readonly code: "insufficient_authentication" | "insufficient_encryption" | "request_not_supported",
    message: string,
  ) {
    super(message);
  }
}
