/**
 * Admission of one incoming message, the ingest pipeline up to the store:
 * parse (size, header, schema, clock limits) → verify the device signature → look the signer up
 * in the chain index (unknown, banned, unpaired at the event's time) → check that the event's
 * subject and producer are that vehicle and that device → normalise to catalogue rows.
 * Pure and synchronous: every outcome is an AdmittedEvent or an IngestRejectedError. The first
 * part (verifyMessage) needs no chain state and may run on a worker thread (admission-pool.ts).
 */
import { erc721Did, parseDid } from "@dimo-open/protocol";
import { eventKey, type ParsedEvent, parseEvent, rfc3339Millis, type StreamLimits } from "@dimo-open/stream";
import { type Address, getAddress } from "viem";
import type { DeviceDirectory } from "../identity/types.ts";
import type { StoredEvent } from "../telemetry/types.ts";
import { asRejection, IngestRejectedError } from "./errors.ts";
import { type DropReason, normalizePayload } from "./normalize.ts";
import { keccak256Bytes, verifyDeviceSignature } from "./signature.ts";

/** Where a message came from. */
export interface MessageOrigin {
  transport: "mqtt" | "mqtt-external" | "http";
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  /**
   * The device address the transport names: the MQTT topic `devices/<address>/…` (and, on the
   * embedded broker, the authenticated client) or the HTTP path `/v1/devices/<address>/events`.
   * The signature must recover to it.
   */
  deviceAddress?: Address | undefined;
}

export interface AdmissionPolicy {
  chainId: number;
  /** The vehicle identity contract: subjects are `did:erc721:<chainId>:<vehiclesContract>:<id>`. */
  vehiclesContract: Address;
  /** The aftermarket device contract: producers are `did:erc721:<chainId>:<devicesContract>:<id>`. */
  devicesContract: Address;
  directory: DeviceDirectory;
  limits?: Partial<StreamLimits>;
  /** Accept DIMO's legacy signature over the data bytes (default true: today's devices send it). */
  acceptLegacySignatures?: boolean;
  now?: () => number;
}

export interface AdmittedEvent {
  stored: StoredEvent;
  dropped: { name: string; reason: DropReason }[];
}

const utf8 = new TextEncoder();

/**
 * A message that passed every check that needs no chain state: parsed, within the limits,
 * signature verified, payload normalised. Plain data (structured-cloneable), so that the work can
 * run on a worker thread; `bindToChain` finishes the admission on the thread that holds the index.
 */
export interface VerifiedMessage {
  /** The StoredEvent without the chain's subject and producer. */
  stored: Omit<StoredEvent, "subject" | "producer">;
  format: "cloudevents" | "legacy-status";
  /** The event's own DIDs (CloudEvents) — undefined for the AutoPi legacy message. */
  claimedSubject: string | undefined;
  claimedProducer: string | undefined;
  timeText: string;
  dropped: { name: string; reason: DropReason }[];
}

/** Parse → limits → signature → normalise; throws IngestRejectedError with the reason. */
export function verifyMessage(
  bytes: Uint8Array,
  origin: MessageOrigin,
  policy: Omit<AdmissionPolicy, "directory" | "vehiclesContract" | "devicesContract">,
): VerifiedMessage {
  const now = policy.now?.() ?? Date.now();
  let parsed: ParsedEvent;
  let signer: Address;
  let scheme: "v2" | "v2b" | "legacy";
  let sequence: bigint | undefined;
  try {
    parsed = parseEvent(bytes, {
      contentType: origin.contentType,
      contentEncoding: origin.contentEncoding,
      ...(policy.limits ? { limits: policy.limits } : {}),
      now,
    });
    const verified = verifyDeviceSignature(parsed, {
      chainId: policy.chainId,
      ...(origin.deviceAddress ? { expectedSigner: origin.deviceAddress } : {}),
      acceptLegacy: policy.acceptLegacySignatures ?? true,
    });
    signer = verified.signer;
    scheme = verified.scheme;
    sequence = verified.sequence;
  } catch (error) {
    throw asRejection(error);
  }
  const event = parsed.event;
  const { data: _data, ...envelope } = event as { data: unknown } & Record<string, unknown>;
  const normalized = normalizePayload(parsed);
  const ce = parsed.format === "cloudevents" ? parsed.event : undefined;
  return {
    stored: {
      key: dedupKey(eventKey(event)),
      id: event.id,
      source: event.source,
      type: event.type,
      specversion: event.specversion,
      time: rfc3339Millis(event.time)!,
      dataversion: ce?.dataversion,
      signer,
      scheme,
      sequence,
      receivedAt: now,
      transport: origin.transport,
      header: JSON.stringify(envelope),
      data: parsed.rawData ?? JSON.stringify(event.data),
      signals: normalized.signals,
      vehicleEvents: normalized.vehicleEvents,
    },
    format: parsed.format,
    claimedSubject: ce?.subject,
    claimedProducer: ce?.producer,
    timeText: event.time,
    dropped: normalized.dropped,
  };
}

/**
 * The chain's word on a verified message: the signer must be a known, unbanned device paired with
 * a vehicle at the event's time, and the event's subject and producer must be that vehicle and
 * that device. Throws IngestRejectedError with the reason.
 */
export function bindToChain(verified: VerifiedMessage, policy: AdmissionPolicy): AdmittedEvent {
  const { signer, time } = verified.stored;
  const resolution = policy.directory.resolveDevice(signer as Address, time);
  switch (resolution.status) {
    case "unknown":
      throw new IngestRejectedError(
        "unknown_device",
        `No device with address ${signer} is minted on chain.`,
        {
          details: "Register the device with its manufacturer before it streams.",
        },
      );
    case "banned":
      throw new IngestRejectedError("banned_device", `Device ${resolution.deviceId} (${signer}) is banned.`, {
        details: "The node refuses data from banned devices and manufacturers.",
      });
    case "unpaired":
      throw new IngestRejectedError(
        "unpaired_device",
        `Device ${resolution.deviceId} (${signer}) was not paired with a vehicle at ${verified.timeText}.`,
        { details: "Pair the device with a vehicle on chain; data before the pairing is not accepted." },
      );
  }
  const vehicle = erc721Did(policy.chainId, policy.vehiclesContract, resolution.vehicleId);
  const device = erc721Did(policy.chainId, policy.devicesContract, resolution.deviceId);
  if (verified.format === "cloudevents") {
    checkSubject(verified.claimedSubject!, vehicle);
    checkProducer(verified.claimedProducer!, device, signer as Address);
  }
  return { stored: { ...verified.stored, subject: vehicle, producer: device }, dropped: verified.dropped };
}

/** Admits one message (verifyMessage, then bindToChain) or throws IngestRejectedError with the reason. */
export function admitMessage(
  bytes: Uint8Array,
  origin: MessageOrigin,
  policy: AdmissionPolicy,
): AdmittedEvent {
  return bindToChain(verifyMessage(bytes, origin, policy), policy);
}

/** First 128 bits of keccak256 of DIMO's dedup key: the raw archive's primary key. */
export function dedupKey(key: string): bigint {
  return BigInt(`0x${Buffer.from(keccak256Bytes(utf8.encode(key)).subarray(0, 16)).toString("hex")}`);
}

function checkSubject(subject: string, vehicle: string): void {
  const did = parseDid(subject);
  const expected = parseDid(vehicle);
  const same =
    did.method === "erc721" &&
    expected.method === "erc721" &&
    did.contract === expected.contract &&
    did.tokenId === expected.tokenId;
  if (!same) {
    throw new IngestRejectedError(
      "subject_mismatch",
      `The subject ${subject} is not the vehicle this device is paired with (${vehicle}).`,
      { path: "subject", details: "Set subject to the paired vehicle's DID." },
    );
  }
}

function checkProducer(producer: string, device: string, signer: Address): void {
  const did = parseDid(producer);
  const expected = parseDid(device);
  const same =
    did.method === "ethr"
      ? getAddress(did.address) === signer
      : expected.method === "erc721" &&
        did.contract === expected.contract &&
        did.tokenId === expected.tokenId;
  if (!same) {
    throw new IngestRejectedError(
      "producer_mismatch",
      `The producer ${producer} is not the signing device (${device}).`,
      { path: "producer", details: "Set producer to the device's own DID." },
    );
  }
}
