import { DEFAULT_LIMITS } from "../envelope/limits.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { EventRejectedError } from "../errors.ts";
import { utf8 } from "../json.ts";
import type { DecodedEnvelope, EventCodec } from "./codec.ts";
import { gunzip, gzip } from "./gzip.ts";
import { DuplicateMemberError, topLevelMemberSpan } from "./json-span.ts";

/** CloudEvents JSON event format (structured mode). */
export const CLOUDEVENTS_JSON = "application/cloudevents+json";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8 JSON text, keeping the exact text of `data` for legacy signatures. */
export function decodeJsonText(bytes: Uint8Array): DecodedEnvelope {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    throw new EventRejectedError("malformed", "The event is not valid UTF-8.", { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EventRejectedError("malformed", "The event is not valid JSON.", {
      details: (error as Error).message,
      cause: error,
    });
  }
  try {
    const span = topLevelMemberSpan(text, "data");
    return span ? { value, rawData: text.slice(span.start, span.end) } : { value };
  } catch (error) {
    if (!(error instanceof DuplicateMemberError)) throw error;
    throw new EventRejectedError("malformed", `The event has a ${error.message}.`, {
      path: error.member,
      details: "Each member may appear once; which copy counts would be ambiguous.",
    });
  }
}

export const jsonCodec: EventCodec = {
  name: "json",
  contentType: CLOUDEVENTS_JSON,
  encode: (event: DimoCloudEvent) => utf8(JSON.stringify(event)),
  decode: (bytes) => decodeJsonText(bytes),
};

/** JSON, gzip-compressed: Content-Type application/cloudevents+json, Content-Encoding gzip. */
export const gzipJsonCodec: EventCodec = {
  name: "json+gzip",
  contentType: CLOUDEVENTS_JSON,
  contentEncoding: "gzip",
  encode: (event: DimoCloudEvent) => gzip(utf8(JSON.stringify(event))),
  decode: (bytes, limits = DEFAULT_LIMITS) => decodeJsonText(gunzip(bytes, limits.maxDecodedBytes)),
};
