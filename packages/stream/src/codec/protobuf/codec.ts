import {
  create,
  fromBinary,
  fromJson,
  type JsonValue as PbJsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { DimoCloudEvent } from "../../envelope/schema.ts";
import { EventRejectedError } from "../../errors.ts";
import type { JsonValue } from "../../json.ts";
import { type ExtensionValue, extensionsOf, hexBytes, malformed, toJsonEnvelope } from "../attributes.ts";
import type { EventCodec } from "../codec.ts";
import { asCompactStatus, fromCompactStatus } from "../compact-status.ts";
import { type AttributeValue, CloudEventSchema, type StatusData } from "./cloudevent_pb.gen.ts";

/** The protobuf message name, also the `proto` parameter of the content type. */
export const PROTOBUF_MESSAGE = "dimo.stream.v1.CloudEvent";
export const PROTOBUF_CONTENT_TYPE = `application/x-protobuf;proto=${PROTOBUF_MESSAGE}`;

export const protobufCodec: EventCodec = {
  name: "protobuf",
  contentType: PROTOBUF_CONTENT_TYPE,
  encode(event: DimoCloudEvent): Uint8Array {
    const compact = asCompactStatus(event.data);
    const message = create(CloudEventSchema, {
      id: event.id,
      source: event.source,
      producer: event.producer,
      subject: event.subject,
      time: event.time,
      type: event.type,
      datacontenttype: event.datacontenttype,
      dataversion: event.dataversion,
      dataschema: event.dataschema,
      signature: event.signature === undefined ? undefined : hexBytes(event.signature),
      dimosigversion: event.dimosigversion,
      dimosequence: event.dimosequence === undefined ? undefined : BigInt(event.dimosequence),
      dimosigner: event.dimosigner === undefined ? undefined : hexBytes(event.dimosigner),
      extensions: Object.fromEntries(
        extensionsOf(event).map(([name, value]) => [name, attributeValue(value)]),
      ),
      data: compact
        ? {
            case: "status",
            value: {
              timestamp: compact.timestamp,
              signals: compact.signals && {
                items: compact.signals.map((s) => ({
                  timestamp: s.timestamp,
                  name: s.name,
                  value:
                    typeof s.value === "number"
                      ? { case: "number" as const, value: s.value }
                      : { case: "text" as const, value: s.value },
                })),
              },
              events: compact.events && fromJson(ListValueSchema, compact.events as PbJsonValue),
              vin: compact.vin,
            },
          }
        : { case: "json", value: fromJson(ValueSchema, event.data as PbJsonValue) },
    });
    return toBinary(CloudEventSchema, message);
  },
  decode(bytes: Uint8Array) {
    let m: ReturnType<typeof fromBinary<typeof CloudEventSchema>>;
    try {
      m = fromBinary(CloudEventSchema, bytes);
    } catch (error) {
      throw malformed("protobuf", (error as Error).message, error);
    }
    let data: JsonValue;
    try {
      if (m.data.case === "status") data = statusJson(m.data.value);
      else if (m.data.case === "json") data = toJson(ValueSchema, m.data.value) as JsonValue;
      else throw malformed("protobuf", "it has no data");
    } catch (error) {
      // google.protobuf.Value refuses NaN and unset kinds when converted to JSON.
      if (error instanceof EventRejectedError) throw error;
      throw malformed("protobuf", `data is not JSON: ${(error as Error).message}`, error);
    }
    const extensions = Object.entries(m.extensions).map(([name, v]): [string, ExtensionValue] => {
      if (v.value.case === undefined) throw malformed("protobuf", `extension "${name}" has no value`);
      return [name, v.value.value];
    });
    return { value: toJsonEnvelope("protobuf", m, extensions, data) };
  },
};

function attributeValue(value: ExtensionValue): Pick<AttributeValue, "value"> {
  if (typeof value === "string") return { value: { case: "text", value } };
  if (typeof value === "number") return { value: { case: "number", value } };
  return { value: { case: "flag", value } };
}

function statusJson(s: StatusData): JsonValue {
  return fromCompactStatus({
    timestamp: s.timestamp,
    signals: s.signals?.items.map((x, i) => {
      if (x.value.case === undefined) throw malformed("protobuf", `signal ${i} has no value`);
      return { timestamp: x.timestamp, name: x.name, value: x.value.value };
    }),
    events: s.events && (toJson(ListValueSchema, s.events) as JsonValue[]),
    vin: s.vin,
  });
}
