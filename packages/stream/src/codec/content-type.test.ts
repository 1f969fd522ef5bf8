import { describe, expect, it } from "vitest";
import { statusEvent } from "../../test/fixtures.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import type { EventRejectedError } from "../errors.ts";
import { CODECS, codecForContentType, sniffCodec } from "./content-type.ts";

describe("codecForContentType", () => {
  it("maps every documented content type to its codec", () => {
    expect(codecForContentType("application/cloudevents+json").name).toBe("json");
    expect(codecForContentType("application/json; charset=UTF-8").name).toBe("json");
    expect(codecForContentType("application/cloudevents+json", "gzip").name).toBe("json+gzip");
    expect(codecForContentType("application/json", "GZIP").name).toBe("json+gzip");
    expect(codecForContentType("application/x-protobuf;proto=dimo.stream.v1.CloudEvent").name).toBe(
      "protobuf",
    );
    expect(codecForContentType('application/protobuf; proto="dimo.stream.v1.CloudEvent"').name).toBe(
      "protobuf",
    );
    expect(codecForContentType("application/x-protobuf").name).toBe("protobuf");
    expect(codecForContentType("avro/binary").name).toBe("avro");
    for (const codec of CODECS)
      expect(codecForContentType(codec.contentType, codec.contentEncoding)).toBe(codec);
  });

  it("rejects anything else with unsupported_content_type", () => {
    for (const [type, encoding] of [
      ["text/plain", undefined],
      ["application/json; charset=latin1", undefined],
      ["application/x-protobuf;proto=io.cloudevents.v1.CloudEvent", undefined],
      ["application/x-protobuf", "gzip"],
      ["application/json", "br"],
      ["application/cloudevents-batch+json", undefined],
      ["avro/binary; schema=x", undefined],
    ] as const) {
      expect(() => codecForContentType(type, encoding), `${type} ${encoding}`).toThrow(
        expect.objectContaining({ reason: "unsupported_content_type" }) as unknown as EventRejectedError,
      );
    }
  });
});

describe("sniffCodec", () => {
  it("recognises JSON, gzip and Avro by their first bytes, and not protobuf", () => {
    const event = { ...statusEvent(2), dimosequence: "1" } as DimoCloudEvent;
    for (const codec of CODECS) {
      const sniffed = sniffCodec(codec.encode(event));
      expect(sniffed?.name, codec.name).toBe(codec.name === "protobuf" ? undefined : codec.name);
    }
    expect(sniffCodec(new TextEncoder().encode('\ufeff \n{"a":1}'))?.name).toBe("json");
    expect(sniffCodec(new Uint8Array([]))).toBeUndefined();
  });
});
