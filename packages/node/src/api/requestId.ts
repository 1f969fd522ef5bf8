import { randomUUID } from "node:crypto";
import { badRequest } from "./errors.ts";

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id metering is idempotent on: the client's `X-Request-Id` when it sends one (so a
 * retried request is not charged twice), a fresh UUID otherwise.
 */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  if (given === null) return randomUUID();
  if (!VALID.test(given)) {
    throw badRequest("invalid_request_id", "X-Request-Id must be 1–128 characters of [A-Za-z0-9._:-].");
  }
  return given;
}
