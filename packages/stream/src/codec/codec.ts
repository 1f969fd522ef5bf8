import type { DimoCloudEvent } from "../envelope/schema.ts";

export type CodecName = "json" | "json+gzip" | "protobuf" | "avro";

/** What a codec read from the wire, not yet validated (parseEvent validates). */
export interface DecodedEnvelope {
  value: unknown;
  /**
   * The exact text of the top-level `data` member as received (JSON codecs only): DIMO's
   * legacy signature covers these bytes, which re-serialising would not reproduce.
   */
  rawData?: string;
}

/** One wire form of a DIMO CloudEvent. Every codec round-trips an event to an equal object. */
export interface EventCodec {
  readonly name: CodecName;
  /** Media type to label the bytes with (HTTP Content-Type, MQTT 5 content type). */
  readonly contentType: string;
  /** HTTP Content-Encoding that goes with it, if any. */
  readonly contentEncoding?: "gzip";
  /** Encodes an event that passed validation (parseEvent, or signDeviceEvent on the device). */
  encode(event: DimoCloudEvent): Uint8Array;
  /** Decodes bytes; throws EventRejectedError ("malformed" or "oversized"). */
  decode(bytes: Uint8Array, limits?: { maxDecodedBytes: number }): DecodedEnvelope;
}
