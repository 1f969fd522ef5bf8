import { DeviceError } from "../errors.ts";

export type OtaRefusal =
  | "invalid_manifest"
  | "bad_signature"
  | "wrong_hardware"
  | "not_in_rollout"
  | "not_newer"
  | "below_floor"
  | "hash_mismatch"
  | "too_large";

/** An update the device refuses to install, with the reason a fleet dashboard counts. */
export class OtaError extends DeviceError {
  override name = "OtaError";
  readonly reason: OtaRefusal;

  constructor(reason: OtaRefusal, shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, options);
    this.reason = reason;
  }
}
