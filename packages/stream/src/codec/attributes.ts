/**
 * Splits an event into the attributes the binary schemas name and its extension attributes,
 * and puts it back together, so the protobuf and Avro codecs agree on the mapping.
 */
import { getAddress } from "viem";
import { CloudEventSchema, type DimoCloudEvent, EXTENSION_NAME } from "../envelope/schema.ts";
import { EventRejectedError } from "../errors.ts";
import type { JsonValue } from "../json.ts";

export type ExtensionValue = string | number | boolean;

/**
 * The attributes the binary schemas name. `dimoproof` (signatures "2b") came after the schemas
 * and travels as an extension attribute, which every codec carries.
 */
const KNOWN = new Set(Object.keys(CloudEventSchema.shape).filter((name) => name !== "dimoproof"));

export function extensionsOf(event: DimoCloudEvent): [string, ExtensionValue][] {
  const out: [string, ExtensionValue][] = [];
  for (const [name, value] of Object.entries(event)) {
    if (KNOWN.has(name)) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new EventRejectedError(
        "invalid_event",
        `Extension "${name}" must be a string, number or boolean.`,
        {
          path: name,
        },
      );
    }
    out.push([name, value]);
  }
  return out;
}

/** The decoded attributes of a binary event, in their wire types. */
export interface BinaryAttributes {
  id: string;
  source: string;
  producer: string;
  subject: string;
  time: string;
  type: string;
  datacontenttype?: string | undefined;
  dataversion?: string | undefined;
  dataschema?: string | undefined;
  signature?: Uint8Array | undefined;
  dimosigversion?: string | undefined;
  dimosequence?: bigint | undefined;
  dimosigner?: Uint8Array | undefined;
}

/** Rebuilds the JSON form of an event from binary attributes, extensions and data. */
export function toJsonEnvelope(
  codec: string,
  a: BinaryAttributes,
  extensions: Iterable<[string, ExtensionValue]>,
  data: JsonValue,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    specversion: "1.0",
    id: a.id,
    source: a.source,
    producer: a.producer,
    subject: a.subject,
    time: a.time,
    type: a.type,
  };
  if (a.datacontenttype !== undefined) out.datacontenttype = a.datacontenttype;
  if (a.dataversion !== undefined) out.dataversion = a.dataversion;
  if (a.dataschema !== undefined) out.dataschema = a.dataschema;
  if (a.signature !== undefined) {
    if (a.signature.length !== 65) throw malformed(codec, `signature is ${a.signature.length} bytes, not 65`);
    out.signature = `0x${Buffer.from(a.signature).toString("hex")}`;
  }
  if (a.dimosigversion !== undefined) out.dimosigversion = a.dimosigversion;
  if (a.dimosequence !== undefined) out.dimosequence = a.dimosequence.toString();
  if (a.dimosigner !== undefined) {
    if (a.dimosigner.length !== 20)
      throw malformed(codec, `dimosigner is ${a.dimosigner.length} bytes, not 20`);
    out.dimosigner = getAddress(`0x${Buffer.from(a.dimosigner).toString("hex")}`);
  }
  for (const [name, value] of extensions) {
    // Never let an extension overwrite a named attribute (or reach __proto__).
    if (KNOWN.has(name) || !EXTENSION_NAME.test(name)) throw malformed(codec, `bad extension name "${name}"`);
    out[name] = value;
  }
  out.data = data;
  return out;
}

export function malformed(codec: string, what: string, cause?: unknown): EventRejectedError {
  return new EventRejectedError("malformed", `Cannot decode the ${codec} event: ${what}.`, { cause });
}

export function hexBytes(hex: string): Uint8Array {
  return Buffer.from(hex.slice(2), "hex");
}
