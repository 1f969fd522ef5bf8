import { readFileSync } from "node:fs";
import avro from "avsc";
import type { DimoCloudEvent } from "../../envelope/schema.ts";
import type { JsonValue } from "../../json.ts";
import { type ExtensionValue, extensionsOf, hexBytes, malformed, toJsonEnvelope } from "../attributes.ts";
import type { EventCodec } from "../codec.ts";
import { asCompactStatus, type CompactSignal, fromCompactStatus } from "../compact-status.ts";
import { rabinFingerprint } from "./fingerprint.ts";

/** The Avro HTTP transport's media type; the bytes use Avro single-object encoding. */
export const AVRO_CONTENT_TYPE = "avro/binary";

/** The checked-in schema (src/codec/avro/cloudevent.avsc). */
export const AVRO_SCHEMA: avro.Schema = JSON.parse(
  readFileSync(new URL("./cloudevent.avsc", import.meta.url), "utf8"),
) as avro.Schema;

/** Avro longs as BigInt: sequence numbers go up to 2^63-1, beyond a double's exact range. */
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === "bigint",
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** The schema as an avsc type (longs as BigInt). */
export const eventType = avro.Type.forSchema(AVRO_SCHEMA, { registry: { long: bigintLong } });

/** Single-object encoding header: marker C3 01 and the schema's CRC-64-AVRO fingerprint. */
export const AVRO_HEADER = Uint8Array.from([
  0xc3,
  0x01,
  ...rabinFingerprint(JSON.stringify(eventType.schema())),
]);

interface AvroSignal {
  timestamp: number;
  name: string;
  value: number | string;
}
interface AvroStatus {
  timestamp: number | null;
  signals: AvroSignal[] | null;
  events: string | null;
  vin: string | null;
}
interface AvroEvent {
  id: string;
  source: string;
  producer: string;
  subject: string;
  time: string;
  type: string;
  datacontenttype: string | null;
  dataversion: string | null;
  dataschema: string | null;
  signature: Buffer | null;
  dimosigversion: string | null;
  dimosequence: bigint | null;
  dimosigner: Buffer | null;
  extensions: Record<string, ExtensionValue>;
  data: AvroStatus | string;
}

export const avroCodec: EventCodec = {
  name: "avro",
  contentType: AVRO_CONTENT_TYPE,
  encode(event: DimoCloudEvent): Uint8Array {
    const compact = asCompactStatus(event.data);
    const record: AvroEvent = {
      id: event.id,
      source: event.source,
      producer: event.producer,
      subject: event.subject,
      time: event.time,
      type: event.type,
      datacontenttype: event.datacontenttype ?? null,
      dataversion: event.dataversion ?? null,
      dataschema: event.dataschema ?? null,
      signature: event.signature === undefined ? null : Buffer.from(hexBytes(event.signature)),
      dimosigversion: event.dimosigversion ?? null,
      dimosequence: event.dimosequence === undefined ? null : BigInt(event.dimosequence),
      dimosigner: event.dimosigner === undefined ? null : Buffer.from(hexBytes(event.dimosigner)),
      extensions: Object.fromEntries(extensionsOf(event)),
      data: compact
        ? {
            timestamp: compact.timestamp ?? null,
            signals: compact.signals ?? null,
            events: compact.events === undefined ? null : JSON.stringify(compact.events),
            vin: compact.vin ?? null,
          }
        : JSON.stringify(event.data),
    };
    const body = eventType.toBuffer(record);
    const out = new Uint8Array(AVRO_HEADER.length + body.length);
    out.set(AVRO_HEADER);
    out.set(body, AVRO_HEADER.length);
    return out;
  },
  decode(bytes: Uint8Array) {
    if (!hasAvroHeader(bytes)) {
      throw malformed(
        "Avro",
        "it does not start with this schema's single-object header (C3 01 + fingerprint)",
      );
    }
    let r: AvroEvent;
    try {
      r = eventType.fromBuffer(
        Buffer.from(bytes.buffer, bytes.byteOffset + 10, bytes.length - 10),
      ) as AvroEvent;
    } catch (error) {
      throw malformed("Avro", (error as Error).message, error);
    }
    const data =
      typeof r.data === "string"
        ? parseJsonText(r.data, "data")
        : fromCompactStatus({
            timestamp: r.data.timestamp ?? undefined,
            signals: r.data.signals?.map(
              (s): CompactSignal => ({ timestamp: s.timestamp, name: s.name, value: s.value }),
            ),
            events:
              r.data.events === null
                ? undefined
                : (parseJsonText(r.data.events, "data.events") as JsonValue[]),
            vin: r.data.vin ?? undefined,
          });
    const attributes = {
      id: r.id,
      source: r.source,
      producer: r.producer,
      subject: r.subject,
      time: r.time,
      type: r.type,
      datacontenttype: r.datacontenttype ?? undefined,
      dataversion: r.dataversion ?? undefined,
      dataschema: r.dataschema ?? undefined,
      signature: r.signature ?? undefined,
      dimosigversion: r.dimosigversion ?? undefined,
      dimosequence: r.dimosequence ?? undefined,
      dimosigner: r.dimosigner ?? undefined,
    };
    return { value: toJsonEnvelope("Avro", attributes, Object.entries(r.extensions), data) };
  },
};

export function hasAvroHeader(bytes: Uint8Array): boolean {
  if (bytes.length < AVRO_HEADER.length) return false;
  for (let i = 0; i < AVRO_HEADER.length; i++) if (bytes[i] !== AVRO_HEADER[i]) return false;
  return true;
}

function parseJsonText(text: string, path: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw malformed("Avro", `${path} is not JSON text`, error);
  }
}
