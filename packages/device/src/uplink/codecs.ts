import { CODECS, type CodecName, type EventCodec } from "@dimo-open/stream";
import { DeviceError } from "../errors.ts";

export const CODEC_NAMES: readonly CodecName[] = CODECS.map((c) => c.name);

/** The stream codec of a name (json, json+gzip, protobuf, avro). */
export function codecByName(name: CodecName): EventCodec {
  const codec = CODECS.find((c) => c.name === name);
  if (!codec)
    throw new DeviceError(`Unknown codec ${JSON.stringify(name)}.`, {
      details: `Use one of ${CODEC_NAMES.join(", ")}.`,
    });
  return codec;
}
