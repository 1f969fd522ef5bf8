/**
 * Errors in the viem style: a short message a person can act on, details for the log, and a
 * class (plus, for rejected events, a `reason`) a program can match.
 */
export class StreamError extends Error {
  override name = "StreamError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/**
 * Why a node refuses an incoming event. Stable strings: the ingest counts rejections by them
 * and may send them back to the device.
 */
export const REJECTION_REASONS = [
  /** The bytes are not a decodable event (invalid UTF-8, JSON, gzip, base64, protobuf, Avro). */
  "malformed",
  /** Too many bytes on the wire or after decompression. */
  "oversized",
  /** The envelope without `data` exceeds the header limit (8 KiB at DIMO). */
  "header_too_large",
  /** Transport content type/encoding, or the event's `datacontenttype`, is not one we read. */
  "unsupported_content_type",
  /** `specversion` is neither CloudEvents "1.0" nor DIMO's legacy AutoPi "2.0". */
  "unsupported_specversion",
  /** `type` is not one of the DIMO event types. */
  "unsupported_type",
  /** Decoded, but an attribute or the data does not match the specification. */
  "invalid_event",
  /** The event time or a sample time is further in the future than the allowed clock skew. */
  "future_time",
  /** The event time is older than the configured maximum age. */
  "stale_time",
  /** The event carries no `signature`. */
  "missing_signature",
  /** `dimosigversion` names a scheme we do not verify (or legacy signatures are switched off). */
  "unsupported_signature_version",
  /** The signature is malformed, non-canonical, or recovers to another address. */
  "bad_signature",
  /** The producer DID's chain is not the node's chain. */
  "wrong_chain",
  /** A legacy signature cannot be tied to a device address without the caller's help. */
  "unknown_signer",
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** An incoming event the node must refuse. `path` points at the offending member, if any. */
export class EventRejectedError extends StreamError {
  override name = "EventRejectedError";
  readonly reason: RejectionReason;
  readonly path: string | undefined;

  constructor(
    reason: RejectionReason,
    shortMessage: string,
    options: { details?: string; path?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
    this.reason = reason;
    this.path = options.path;
  }
}

/** A device signer (keystore) misbehaved: wrong length, or a signature for another key. */
export class SignerError extends StreamError {
  override name = "SignerError";
}
