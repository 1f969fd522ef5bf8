/**
 * Which codec reads which bytes: by media type (HTTP Content-Type / MQTT 5 content type) and
 * content encoding, or, where the transport carries no type (MQTT 3.1.1), by sniffing.
 */

import { isJsonMediaType } from "../envelope/validate.ts";
import { EventRejectedError } from "../errors.ts";
import { AVRO_CONTENT_TYPE, avroCodec, hasAvroHeader } from "./avro/codec.ts";
import type { EventCodec } from "./codec.ts";
import { isGzip } from "./gzip.ts";
import { gzipJsonCodec, jsonCodec } from "./json.ts";
import { PROTOBUF_MESSAGE, protobufCodec } from "./protobuf/codec.ts";

export const CODECS: readonly EventCodec[] = [jsonCodec, gzipJsonCodec, protobufCodec, avroCodec];

/**
 * The codec for a Content-Type (and Content-Encoding). Accepted:
 * - application/cloudevents+json, application/json (optionally charset=utf-8); with gzip encoding too;
 * - application/x-protobuf or application/protobuf, with no `proto` parameter or
 *   proto=dimo.stream.v1.CloudEvent;
 * - avro/binary.
 */
export function codecForContentType(contentType: string, contentEncoding?: string): EventCodec {
  const encoding = contentEncoding?.trim().toLowerCase() || "identity";
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new EventRejectedError(
      "unsupported_content_type",
      `Unsupported Content-Encoding "${contentEncoding}".`,
      {
        details: "Send identity or gzip.",
      },
    );
  }
  const [mediaType = "", ...params] = contentType.split(";").map((p) => p.trim());
  const type = mediaType.toLowerCase();
  let codec: EventCodec | undefined;
  if (
    isJsonMediaType(contentType) &&
    (type === "application/json" || type === "application/cloudevents+json")
  ) {
    codec = encoding === "gzip" ? gzipJsonCodec : jsonCodec;
  } else if (
    encoding === "identity" &&
    (type === "application/x-protobuf" || type === "application/protobuf")
  ) {
    const proto = params.find((p) => p.toLowerCase().startsWith("proto="))?.slice(6);
    if (proto === undefined || proto.replace(/^"|"$/g, "") === PROTOBUF_MESSAGE) codec = protobufCodec;
  } else if (encoding === "identity" && type === AVRO_CONTENT_TYPE && params.length === 0) {
    codec = avroCodec;
  }
  if (!codec) {
    throw new EventRejectedError(
      "unsupported_content_type",
      `Unsupported content type "${contentType.slice(0, 200)}"${encoding === "gzip" ? " with gzip encoding" : ""}.`,
      {
        details: `Send ${CODECS.map((c) => c.contentType + (c.contentEncoding ? ` (Content-Encoding: ${c.contentEncoding})` : "")).join(", ")}.`,
      },
    );
  }
  return codec;
}

/**
 * Guesses the codec from the first bytes, for transports without a content type: gzip's magic
 * 1F 8B, Avro's single-object marker C3 01 + our schema fingerprint, or JSON text starting with
 * `{` (after whitespace or a UTF-8 byte order mark). Protobuf has no marker: send its type.
 */
export function sniffCodec(bytes: Uint8Array): EventCodec | undefined {
  if (isGzip(bytes)) return gzipJsonCodec;
  if (hasAvroHeader(bytes)) return avroCodec;
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return bytes[i] === 0x7b ? jsonCodec : undefined;
}
