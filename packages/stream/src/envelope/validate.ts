/**
 * Validation of a decoded envelope, in the order that bounds the work: header size, portable
 * JSON, specversion/type/content type (each with its own rejection reason), then the schemas.
 */
import type { z } from "zod";
import { EventRejectedError } from "../errors.ts";
import { assertPortableJson, isJsonObject, type JsonObject, utf8Length } from "../json.ts";
import type { StreamLimits } from "./limits.ts";
import {
  CloudEventSchema,
  DATA_SCHEMAS,
  type DimoCloudEvent,
  EVENT_TYPES,
  type EventType,
  EXTENSION_NAME,
  LEGACY_SPECVERSION,
  LEGACY_STATUS_TYPE,
  type LegacyStatusEvent,
  LegacyStatusSchema,
} from "./schema.ts";

/** Attributes with a meaning of their own; any other member of a 1.0 event is an extension. */
const KNOWN_ATTRIBUTES = new Set(Object.keys(CloudEventSchema.shape));

const headerSizes = new WeakMap<JsonObject, number>();

/**
 * UTF-8 size of the envelope without `data`, as compact JSON (codec-independent). Remembered per
 * envelope object: the limits check and parseEvent both ask for it, and it costs a serialisation.
 */
export function headerBytes(envelope: JsonObject): number {
  let size = headerSizes.get(envelope);
  if (size === undefined) {
    const { data: _data, ...header } = envelope;
    size = utf8Length(JSON.stringify(header));
    headerSizes.set(envelope, size);
  }
  return size;
}

function assertEnvelopeObject(value: unknown, limits: StreamLimits): asserts value is JsonObject {
  if (!isJsonObject(value)) {
    throw new EventRejectedError("malformed", "The event is not a JSON object.", {
      details: `Got ${Array.isArray(value) ? "an array" : typeof value}; send one structured-mode CloudEvent.`,
    });
  }
  const size = headerBytes(value);
  if (size > limits.maxHeaderBytes) {
    throw new EventRejectedError(
      "header_too_large",
      `The envelope without data is ${size} bytes; the limit is ${limits.maxHeaderBytes}.`,
      { details: "Move large values into data, or drop extension attributes." },
    );
  }
  assertPortableJson(value, limits.maxDepth);
}

/** Validates a DIMO CloudEvent 1.0 and returns it (signature hex lower-cased). */
export function validateCloudEvent(value: unknown, limits: StreamLimits): DimoCloudEvent {
  assertEnvelopeObject(value, limits);
  if (value.specversion !== "1.0") {
    throw new EventRejectedError(
      "unsupported_specversion",
      `Unsupported specversion ${JSON.stringify(value.specversion)}.`,
      { path: "specversion", details: 'Send CloudEvents "1.0".' },
    );
  }
  if (!EVENT_TYPES.includes(value.type as EventType)) {
    throw new EventRejectedError(
      "unsupported_type",
      `Unsupported event type ${JSON.stringify(value.type)}.`,
      {
        path: "type",
        details: `Expected one of ${EVENT_TYPES.join(", ")}.`,
      },
    );
  }
  const dct = value.datacontenttype;
  if (dct !== undefined && !(typeof dct === "string" && isJsonMediaType(dct))) {
    throw new EventRejectedError(
      "unsupported_content_type",
      `Unsupported datacontenttype ${JSON.stringify(dct)}.`,
      {
        path: "datacontenttype",
        details: 'data must be JSON: use "application/json" or omit the attribute.',
      },
    );
  }
  if (value.dimosigversion !== undefined && value.dimosigversion !== "2" && value.dimosigversion !== "2b") {
    throw new EventRejectedError(
      "unsupported_signature_version",
      `Unsupported dimosigversion ${JSON.stringify(value.dimosigversion)}.`,
      {
        path: "dimosigversion",
        details: 'Use "2" (or "2b" for a batch), or omit it for the legacy signature.',
      },
    );
  }
  check(CloudEventSchema, value, "");
  for (const [name, attr] of Object.entries(value)) {
    if (KNOWN_ATTRIBUTES.has(name)) continue;
    if (!EXTENSION_NAME.test(name)) {
      throw invalid(
        name,
        `attribute name "${name}" is not a CloudEvents extension name (a-z, 0-9, at most 64)`,
      );
    }
    if (typeof attr !== "string" && typeof attr !== "number" && typeof attr !== "boolean") {
      throw invalid(name, `extension "${name}" must be a string, number or boolean`);
    }
  }
  const version = value.dimosigversion;
  if (version === "2" || version === "2b") {
    if (value.dimosequence === undefined)
      throw invalid("dimosequence", `dimosigversion ${version} requires dimosequence`);
    if (value.dimosigner === undefined)
      throw invalid("dimosigner", `dimosigversion ${version} requires dimosigner`);
  }
  if (version === "2b" && value.dimoproof === undefined) {
    throw invalid("dimoproof", "dimosigversion 2b requires dimoproof (0x for a batch of one)");
  }
  if (version !== "2b" && value.dimoproof !== undefined) {
    throw invalid("dimoproof", "dimoproof belongs to dimosigversion 2b only");
  }
  check(DATA_SCHEMAS[value.type as EventType], value.data, "data");
  return withLowerCaseSignature(value) as unknown as DimoCloudEvent;
}

/** Validates DIMO's legacy AutoPi status message (specversion "2.0"). */
export function validateLegacyStatus(value: unknown, limits: StreamLimits): LegacyStatusEvent {
  assertEnvelopeObject(value, limits);
  if (value.specversion !== LEGACY_SPECVERSION) {
    throw new EventRejectedError(
      "unsupported_specversion",
      `Unsupported specversion ${JSON.stringify(value.specversion)}.`,
      { path: "specversion" },
    );
  }
  if (value.type !== LEGACY_STATUS_TYPE) {
    throw new EventRejectedError(
      "unsupported_type",
      `specversion "2.0" is accepted only for type "${LEGACY_STATUS_TYPE}", not ${JSON.stringify(value.type)}.`,
      { path: "type", details: 'Send a CloudEvents "1.0" event of a dimo.* type.' },
    );
  }
  check(LegacyStatusSchema, value, "");
  return withLowerCaseSignature(value) as unknown as LegacyStatusEvent;
}

/** True for application/json and application/*+json, with at most a UTF-8 charset parameter. */
export function isJsonMediaType(text: string): boolean {
  const [type, ...params] = text.split(";").map((p) => p.trim().toLowerCase());
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type ?? "")) return false;
  return params.every((p) => p === "charset=utf-8" || p === 'charset="utf-8"');
}

function withLowerCaseSignature(value: JsonObject): JsonObject {
  const sig = value.signature;
  return typeof sig === "string" && sig !== sig.toLowerCase()
    ? { ...value, signature: sig.toLowerCase() }
    : value;
}

function check(schema: z.ZodType, value: unknown, prefix: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issues = result.error.issues.map((i) => `${joinPath(prefix, i.path)}: ${i.message}`);
  const first = result.error.issues[0]!;
  throw new EventRejectedError("invalid_event", `Invalid event: ${issues[0]}.`, {
    path: joinPath(prefix, first.path),
    details: issues.slice(0, 20).join("; "),
  });
}

function joinPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "$";
}

function invalid(path: string, what: string): EventRejectedError {
  return new EventRejectedError("invalid_event", `Invalid event: ${what}.`, { path });
}
