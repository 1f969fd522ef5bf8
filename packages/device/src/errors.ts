/**
 * Errors in the viem style: a short message a person can act on, details for the log, and a
 * class a program can match. Every hardware edge and every input the agent reads has its own.
 */
export class DeviceError extends Error {
  override name = "DeviceError";
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

/** The key store cannot be opened or used (missing file, loose permissions, malformed key). */
export class KeystoreError extends DeviceError {
  override name = "KeystoreError";
}

/** A CAN source failed: the interface is missing, the binding is not installed, a log is unreadable. */
export class CanSourceError extends DeviceError {
  override name = "CanSourceError";
}

/** The device configuration (URLs, PID list, DBC, settings) could not be fetched or is invalid. */
export class DeviceConfigError extends DeviceError {
  override name = "DeviceConfigError";
}

/** The store-and-forward buffer could not be opened or written. */
export class BufferError extends DeviceError {
  override name = "BufferError";
}

/** Sending to the node failed. `permanent`: the node refused the event itself; resending will not help. */
export class UplinkError extends DeviceError {
  override name = "UplinkError";
  readonly permanent: boolean;

  constructor(
    shortMessage: string,
    options: { details?: string; cause?: unknown; permanent?: boolean } = {},
  ) {
    super(shortMessage, options);
    this.permanent = options.permanent ?? false;
  }
}

/** The agent's own configuration file is invalid. */
export class AgentConfigError extends DeviceError {
  override name = "AgentConfigError";
}
