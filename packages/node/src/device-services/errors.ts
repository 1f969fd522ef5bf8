/**
 * Errors of the device services in the viem style: a short message a person can act on, details
 * for the log, and a class (plus a stable `reason` where a program branches on it) to match.
 * Each maps to an HTTP status when it reaches a route.
 */
export class DeviceServiceError extends Error {
  override name = "DeviceServiceError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  /** The HTTP status a route answers with. */
  readonly status: number = 400;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** A configuration document, template or rule that does not check out: what, and how to fix it. */
export class InvalidDeviceConfigError extends DeviceServiceError {
  override name = "InvalidDeviceConfigError";
  override readonly status = 422;
}

/** Nothing to serve: an unknown device, template, document version or release. */
export class DeviceServiceNotFoundError extends DeviceServiceError {
  override name = "DeviceServiceNotFoundError";
  override readonly status = 404;
}

/** The caller may not do this (no operator token, not the maker's key, not the device's owner). */
export class DeviceServiceForbiddenError extends DeviceServiceError {
  override name = "DeviceServiceForbiddenError";
  override readonly status = 403;
}

export const FIRMWARE_REFUSALS = [
  /** The manifest or rollout order does not have the documented shape. */
  "invalid_manifest",
  /** The signature does not recover to a key the maker publishes. */
  "bad_signature",
  /** The same name, hardware and version was released before (versions are immutable). */
  "duplicate_release",
  /** The uploaded image is not the one the manifest names (size or SHA-256). */
  "image_mismatch",
  /** A rollout order older than the last one applied, or too far from the node's clock. */
  "stale_order",
  /** The release has no image yet, or was withdrawn. */
  "not_ready",
] as const;
export type FirmwareRefusal = (typeof FIRMWARE_REFUSALS)[number];

/** A firmware release or rollout order the node refuses, with the reason. */
export class FirmwareReleaseError extends DeviceServiceError {
  override name = "FirmwareReleaseError";
  override readonly status: number;
  constructor(
    readonly reason: FirmwareRefusal,
    shortMessage: string,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
    this.status = reason === "bad_signature" ? 403 : reason === "duplicate_release" ? 409 : 422;
  }
}
