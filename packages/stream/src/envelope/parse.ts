/**
 * The node's first step for every incoming message: bytes → size limits → decode → envelope
 * checks (header size, schema) → clock checks. Signature verification is the next step
 * (verifyEventSignature); both are pure functions of their inputs.
 */
import { type Address, getAddress } from "viem";
import type { CodecName, DecodedEnvelope, EventCodec } from "../codec/codec.ts";
import { codecForContentType, sniffCodec } from "../codec/content-type.ts";
import { gunzip } from "../codec/gzip.ts";
import { decodeJsonText } from "../codec/json.ts";
import { EventRejectedError } from "../errors.ts";
import { isJsonObject, type JsonObject } from "../json.ts";
import { rfc3339Millis } from "../time.ts";
import { resolveLimits, type StreamLimits } from "./limits.ts";
import { dataTimes } from "./samples.ts";
import { type DimoCloudEvent, LEGACY_SPECVERSION, type LegacyStatusEvent } from "./schema.ts";
import { headerBytes, validateCloudEvent, validateLegacyStatus } from "./validate.ts";

export interface ParseOptions {
  /** Content-Type of the message; when absent (MQTT 3.1.1) the format is sniffed. */
  contentType?: string | undefined;
  /** Content-Encoding (identity or gzip). */
  contentEncoding?: string | undefined;
  limits?: Partial<StreamLimits>;
  /** The node's clock, ms since the epoch (default Date.now()). */
  now?: number;
}

interface ParsedCommon {
  codec: CodecName;
  /** True when the JSON came inside DIMO's MQTT `{"compressedPayload": base64(gzip(json))}`. */
  compressedPayload: boolean;
  /** Exact text of `data` as received, for the legacy signature (JSON only). */
  rawData: string | undefined;
  wireBytes: number;
  headerBytes: number;
}

/** A CloudEvents 1.0 event of a dimo.* type. */
export interface ParsedCloudEvent extends ParsedCommon {
  format: "cloudevents";
  event: DimoCloudEvent;
}

/**
 * DIMO's legacy AutoPi status (specversion "2.0"). `device` is the subject address. The extra
 * top-level members (vehicleTokenId, make, …) are unverified claims: take the vehicle from the
 * chain's pairing, never from them.
 */
export interface ParsedLegacyStatus extends ParsedCommon {
  format: "legacy-status";
  event: LegacyStatusEvent;
  device: Address;
}

export type ParsedEvent = ParsedCloudEvent | ParsedLegacyStatus;

/** Parses and checks an incoming event; throws EventRejectedError with the reason. */
export function parseEvent(bytes: Uint8Array, options: ParseOptions = {}): ParsedEvent {
  const limits = resolveLimits(options.limits);
  if (bytes.length > limits.maxEventBytes) {
    throw new EventRejectedError(
      "oversized",
      `The event is ${bytes.length} bytes; the limit is ${limits.maxEventBytes}.`,
      { details: "Send fewer samples per event." },
    );
  }
  const codec = pickCodec(bytes, options);
  let decoded = codec.decode(bytes, limits);
  let compressedPayload = false;
  if (codec.name === "json" || codec.name === "json+gzip") {
    const inner = unwrapCompressedPayload(decoded.value, limits);
    if (inner) {
      decoded = inner;
      compressedPayload = true;
    }
  }
  const common = { codec: codec.name, compressedPayload, rawData: decoded.rawData, wireBytes: bytes.length };
  const value = decoded.value;
  let parsed: ParsedEvent;
  if (isJsonObject(value) && value.specversion === LEGACY_SPECVERSION) {
    if (decoded.rawData === undefined)
      throw new EventRejectedError("invalid_event", "The legacy status has no data.");
    const event = validateLegacyStatus(value, limits);
    parsed = {
      ...common,
      format: "legacy-status",
      event,
      device: getAddress(event.subject),
      headerBytes: headerBytes(value),
    };
  } else {
    const event = validateCloudEvent(value, limits);
    parsed = { ...common, format: "cloudevents", event, headerBytes: headerBytes(value as JsonObject) };
  }
  checkTimes(parsed.event, limits, options.now ?? Date.now());
  return parsed;
}

function pickCodec(bytes: Uint8Array, options: ParseOptions): EventCodec {
  if (options.contentType !== undefined)
    return codecForContentType(options.contentType, options.contentEncoding);
  if (options.contentEncoding !== undefined && options.contentEncoding.toLowerCase() !== "identity") {
    return codecForContentType("application/json", options.contentEncoding);
  }
  const sniffed = sniffCodec(bytes);
  if (!sniffed) {
    throw new EventRejectedError(
      "unsupported_content_type",
      "Cannot tell the event's format from its bytes.",
      {
        details: "Send a content type (protobuf has no marker), or JSON, gzip'd JSON or single-object Avro.",
      },
    );
  }
  return sniffed;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** DIMO's MQTT wrapper `{"compressedPayload": base64(gzip(json))}` → the inner JSON. */
function unwrapCompressedPayload(value: unknown, limits: StreamLimits): DecodedEnvelope | undefined {
  if (!isJsonObject(value) || !("compressedPayload" in value)) return undefined;
  const payload = value.compressedPayload;
  if (Object.keys(value).length !== 1 || typeof payload !== "string") {
    throw new EventRejectedError("malformed", "compressedPayload must be the only member, a base64 string.", {
      path: "compressedPayload",
    });
  }
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw new EventRejectedError("malformed", "compressedPayload is not valid base64.", {
      path: "compressedPayload",
    });
  }
  return decodeJsonText(gunzip(Buffer.from(payload, "base64"), limits.maxDecodedBytes));
}

function checkTimes(event: DimoCloudEvent | LegacyStatusEvent, limits: StreamLimits, now: number): void {
  const latest = now + limits.maxFutureSkewMs;
  const time = rfc3339Millis(event.time)!;
  if (time > latest) throw future("time", time, now);
  if (limits.maxAgeMs !== undefined && time < now - limits.maxAgeMs) {
    throw new EventRejectedError(
      "stale_time",
      `The event time ${event.time} is older than ${limits.maxAgeMs} ms.`,
      { path: "time" },
    );
  }
  for (const [path, t] of dataTimes(event)) if (t > latest) throw future(path, t, now);
}

function future(path: string, time: number, now: number): EventRejectedError {
  return new EventRejectedError(
    "future_time",
    `${path} is ${time - now} ms ahead of the node's clock (${new Date(now).toISOString()}).`,
    { path, details: "Sync the device clock (NTP/GNSS) before sending." },
  );
}
