import { EventRejectedError, REJECTION_REASONS, StreamError } from "@dimo-open/stream";

/**
 * Why the node refuses an incoming event: every reason of the streaming interface (malformed,
 * oversized, future_time, bad_signature, …) plus the ones only the node can tell, because they
 * need the chain index or the node's state. Stable strings: counted in Prometheus by them and
 * sent back to the device.
 */
export const INGEST_REJECTION_REASONS = [
  ...REJECTION_REASONS,
  /** No device with the signer's address is minted on chain. */
  "unknown_device",
  /** The device's manufacturer or the device itself is banned. */
  "banned_device",
  /** The device was not paired with a vehicle at the event's time. */
  "unpaired_device",
  /** The event's subject is not the vehicle the device was paired with. */
  "subject_mismatch",
  /** The event's producer DID is not the signing device. */
  "producer_mismatch",
  /** An MQTT client published outside its own `devices/<address>/` topics. */
  "topic_not_allowed",
  /** An HTTP batch holds more events or bytes than the node takes in one request. */
  "batch_too_large",
  /** The node's queue is full: retry later (HTTP 503 with Retry-After). */
  "overloaded",
] as const;

export type IngestRejectionReason = (typeof INGEST_REJECTION_REASONS)[number];

/** An incoming event the node refuses, with the reason, a message a person can act on and where. */
export class IngestRejectedError extends StreamError {
  override name = "IngestRejectedError";
  readonly reason: IngestRejectionReason;
  readonly path: string | undefined;

  constructor(
    reason: IngestRejectionReason,
    shortMessage: string,
    options: { details?: string; path?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
    this.reason = reason;
    this.path = options.path;
  }

  /** The stream package's rejection, carried over with its reason. */
  static from(error: EventRejectedError): IngestRejectedError {
    return new IngestRejectedError(error.reason, error.shortMessage, {
      ...(error.details !== undefined ? { details: error.details } : {}),
      ...(error.path !== undefined ? { path: error.path } : {}),
      cause: error,
    });
  }
}

/** The store failed to commit: nothing of the batch was acknowledged; the sender must retry. */
export class IngestCommitError extends StreamError {
  override name = "IngestCommitError";
}

/** Turns anything thrown while admitting device input into an IngestRejectedError, or rethrows a bug. */
export function asRejection(error: unknown): IngestRejectedError {
  if (error instanceof IngestRejectedError) return error;
  if (error instanceof EventRejectedError) return IngestRejectedError.from(error);
  throw error;
}

/** HTTP status for a rejected single event. */
export function httpStatusOf(reason: IngestRejectionReason): number {
  switch (reason) {
    case "oversized":
    case "header_too_large":
    case "batch_too_large":
      return 413;
    case "unsupported_content_type":
      return 415;
    case "missing_signature":
    case "bad_signature":
    case "unknown_signer":
      return 401;
    case "unknown_device":
    case "banned_device":
    case "unpaired_device":
    case "subject_mismatch":
    case "producer_mismatch":
    case "topic_not_allowed":
    case "wrong_chain":
      return 403;
    case "overloaded":
      return 503;
    case "future_time":
    case "stale_time":
    case "invalid_event":
    case "unsupported_specversion":
    case "unsupported_type":
    case "unsupported_signature_version":
      return 422;
    case "malformed":
      return 400;
  }
}
