/**
 * The device side of pairing: the GATT server of the DIMO pairing service. It signs a
 * protocol's ClaimDevice or PairDevice message with the secure element only when
 *  1. the link is bonded with LE Secure Connections and MITM protection (numeric comparison or
 *     passkey entry): a just-works bond could be anyone within radio range;
 *  2. the request answers a fresh challenge of this link (60 s, single use) with an HMAC under
 *     the pairing secret printed inside the device's box: the person holds the device;
 *  3. the message is for this device, on the configured chain and registry, with a deadline
 *     at most an hour ahead: the device computes the digest itself and never signs opaque bytes.
 * Five bad proofs on a link end it.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { domainNames, typedMessage } from "@dimo-open/protocol";
import { type Address, getAddress, type Hex } from "viem";
import type { SecureElement } from "../keystore/secure-element.ts";
import { signTypedMessageWithElement } from "../keystore/secure-element.ts";
import {
  PAIRING_CHARACTERISTICS as C,
  type DeviceInfo,
  fragment,
  MAX_PAIRING_MESSAGE,
  PAIRING_PROTOCOL_VERSION,
  type PairingErrorCode,
  Reassembler,
  type SigningRequest,
  SigningRequestSchema,
  type SigningResponse,
} from "./gatt-profile.ts";
import { AttError, type GattServer, type LinkContext } from "./link.ts";

export interface PairingServiceOptions {
  element: SecureElement;
  chainId: number;
  /** The AftermarketDeviceId registry (the EIP-712 verifying contract). */
  registry: Address;
  /** The device's token id, once known (it is minted after manufacture). */
  deviceId?: bigint;
  /** The secret printed on the card in the box (QR code), 16–64 bytes. */
  pairingSecret: Uint8Array;
  serial: string;
  firmware: string;
  maxDeadlineSeconds?: number;
  now?: () => number;
}

interface LinkState {
  challenge?: { value: Buffer; issuedAt: number };
  reassembler: Reassembler;
  notify?: (value: Uint8Array) => void;
  failures: number;
}

const encoder = new TextEncoder();

/** The bytes the proof covers: the challenge, then the request's canonical JSON without the proof. */
export function proofPayload(request: Omit<SigningRequest, "proof">): Buffer {
  const { challenge, primaryType, domain, message } = request;
  const canonical = JSON.stringify({
    challenge,
    primaryType,
    domain: {
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    message: Object.fromEntries(
      Object.keys(message)
        .sort()
        .map((k) => [k, (message as Record<string, string>)[k]]),
    ),
  });
  return Buffer.concat([Buffer.from(challenge.slice(2), "hex"), encoder.encode(canonical)]);
}

export function pairingProof(secret: Uint8Array, request: Omit<SigningRequest, "proof">): Hex {
  return `0x${createHmac("sha256", secret).update(proofPayload(request)).digest("hex")}`;
}

class Refusal extends Error {
  constructor(
    readonly code: PairingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class PairingService implements GattServer {
  readonly #o: PairingServiceOptions;
  readonly #links = new Map<string, LinkState>();
  deviceId: bigint | undefined;

  constructor(options: PairingServiceOptions) {
    if (options.pairingSecret.length < 16 || options.pairingSecret.length > 64) {
      throw new RangeError("The pairing secret is 16 to 64 bytes.");
    }
    this.#o = options;
    this.deviceId = options.deviceId;
  }

  #state(link: LinkContext): LinkState {
    let s = this.#links.get(link.id);
    if (!s) {
      s = { reassembler: new Reassembler(), failures: 0 };
      this.#links.set(link.id, s);
    }
    return s;
  }

  #require(link: LinkContext): void {
    const s = link.security;
    if (!s.bonded || !s.secureConnections || !s.mitmProtected || s.encryptionKeySize < 16) {
      throw new AttError(
        "insufficient_authentication",
        "Pair with LE Secure Connections and confirm the number (or enter the passkey) first.",
      );
    }
  }

  async read(characteristic: string, link: LinkContext): Promise<Uint8Array> {
    this.#require(link);
    if (characteristic === C.info) {
      const o = this.#o;
      const info: DeviceInfo = {
        protocol: PAIRING_PROTOCOL_VERSION,
        address: o.element.address,
        chainId: o.chainId,
        registry: getAddress(o.registry),
        ...(this.deviceId !== undefined && { deviceId: this.deviceId.toString() }),
        serial: o.serial,
        firmware: o.firmware,
        custody: o.element.custody,
      };
      return encoder.encode(JSON.stringify(info));
    }
    if (characteristic === C.challenge) {
      const value = randomBytes(32);
      this.#state(link).challenge = { value, issuedAt: this.#now() };
      return value;
    }
    throw new AttError("request_not_supported", `Characteristic ${characteristic} cannot be read.`);
  }

  async write(characteristic: string, value: Uint8Array, link: LinkContext): Promise<void> {
    this.#require(link);
    if (characteristic !== C.request)
      throw new AttError("request_not_supported", `Characteristic ${characteristic} cannot be written.`);
    const state = this.#state(link);
    let message: Uint8Array | undefined;
    try {
      message = state.reassembler.push(value);
    } catch (error) {
      this.#answer(link, { ok: false, error: "bad_request", message: (error as Error).message });
      return;
    }
    if (!message) return;
    let response: SigningResponse;
    try {
      response = { ok: true, signature: await this.#sign(message, state) };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      response = { ok: false, error: error.code, message: error.message };
    }
    this.#answer(link, response);
  }

  subscribe(characteristic: string, link: LinkContext, notify: (value: Uint8Array) => void): () => void {
    this.#require(link);
    if (characteristic !== C.response)
      throw new AttError("request_not_supported", `Characteristic ${characteristic} does not indicate.`);
    const state = this.#state(link);
    state.notify = notify;
    return () => {
      if (state.notify === notify) delete state.notify;
    };
  }

  disconnected(link: LinkContext): void {
    this.#links.delete(link.id);
  }

  #answer(link: LinkContext, response: SigningResponse): void {
    const notify = this.#links.get(link.id)?.notify;
    if (!notify) return;
    for (const f of fragment(encoder.encode(JSON.stringify(response)), link.mtu)) notify(f);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  async #sign(bytes: Uint8Array, state: LinkState): Promise<Hex> {
    const o = this.#o;
    if (state.failures >= 5)
      throw new Refusal("too_many_attempts", "Too many failed requests on this link; reconnect.");
    if (bytes.length > MAX_PAIRING_MESSAGE) throw new Refusal("bad_request", "Request too large.");
    let parsed: SigningRequest;
    try {
      const result = SigningRequestSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (!result.success)
        throw new Error(`${result.error.issues[0]!.path.join(".")} ${result.error.issues[0]!.message}`);
      parsed = result.data;
    } catch (error) {
      throw new Refusal("bad_request", `Not a signing request: ${(error as Error).message}.`);
    }
    // The challenge: this link's, fresh, used once.
    const challenge = state.challenge;
    delete state.challenge;
    if (
      !challenge ||
      parsed.challenge !== `0x${challenge.value.toString("hex")}` ||
      this.#now() - challenge.issuedAt > 60_000
    ) {
      state.failures++;
      throw new Refusal("stale_challenge", "Read a new challenge right before each request.");
    }
    const { proof, ...rest } = parsed;
    const expected = Buffer.from(pairingProof(o.pairingSecret, rest).slice(2), "hex");
    if (!timingSafeEqual(expected, Buffer.from(proof.slice(2), "hex"))) {
      state.failures++;
      throw new Refusal(
        "bad_proof",
        "The proof does not match this device's pairing secret (the code on the card in the box).",
      );
    }
    const d = parsed.domain;
    if (
      d.name !== domainNames.aftermarketDeviceId ||
      d.version !== "1" ||
      d.chainId !== o.chainId ||
      getAddress(d.verifyingContract) !== getAddress(o.registry)
    ) {
      throw new Refusal(
        "wrong_domain",
        `The message is for ${d.name} on chain ${d.chainId} at ${d.verifyingContract}, not this device's registry.`,
      );
    }
    const m = parsed.message as Record<string, string>;
    if (parsed.primaryType === "ClaimDevice" && !("owner" in m))
      throw new Refusal("bad_request", "ClaimDevice needs an owner.");
    if (parsed.primaryType === "PairDevice" && !("vehicleId" in m))
      throw new Refusal("bad_request", "PairDevice needs a vehicleId.");
    const deviceId = BigInt(m.deviceId!);
    if (this.deviceId !== undefined && deviceId !== this.deviceId) {
      throw new Refusal(
        "wrong_device",
        `The message is for device ${deviceId}; this is device ${this.deviceId}.`,
      );
    }
    const deadline = BigInt(m.deadline!);
    const now = BigInt(Math.floor(this.#now() / 1000));
    if (deadline <= now || deadline > now + BigInt(o.maxDeadlineSeconds ?? 3600)) {
      throw new Refusal(
        "bad_deadline",
        `Deadline ${deadline} must be within the next ${o.maxDeadlineSeconds ?? 3600} s.`,
      );
    }
    const domain = {
      name: d.name,
      version: d.version,
      chainId: d.chainId,
      verifyingContract: getAddress(d.verifyingContract),
    };
    const typed =
      parsed.primaryType === "ClaimDevice"
        ? typedMessage(domain, "ClaimDevice", {
            deviceId,
            owner: getAddress(m.owner!),
            nonce: BigInt(m.nonce!),
            deadline,
          })
        : typedMessage(domain, "PairDevice", {
            deviceId,
            vehicleId: BigInt(m.vehicleId!),
            nonce: BigInt(m.nonce!),
            deadline,
          });
    state.failures = 0;
    return signTypedMessageWithElement(o.element, typed as never);
  }
}
