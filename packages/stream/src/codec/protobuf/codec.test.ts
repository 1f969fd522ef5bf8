import { create, toBinary } from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { DEVICE_DID, NOW, VEHICLE_DID } from "../../../test/fixtures.ts";
import { parseEvent } from "../../envelope/parse.ts";
import { EventRejectedError } from "../../errors.ts";
import { CloudEventSchema } from "./cloudevent_pb.gen.ts";
import { PROTOBUF_CONTENT_TYPE } from "./codec.ts";

const attributes = {
  id: "a",
  source: "b",
  producer: DEVICE_DID,
  subject: VEHICLE_DID,
  time: "2024-04-22T20:40:00Z",
  type: "dimo.status",
};
const number = (value: number) => create(ValueSchema, { kind: { case: "numberValue", value } });

function reject(message: Parameters<typeof toBinary<typeof CloudEventSchema>>[1]): [string, string] {
  try {
    parseEvent(toBinary(CloudEventSchema, message), { contentType: PROTOBUF_CONTENT_TYPE, now: NOW });
  } catch (error) {
    if (error instanceof EventRejectedError) return [error.reason, error.shortMessage];
    throw error;
  }
  throw new Error("accepted");
}

describe("protobuf codec, messages no encoder of ours writes", () => {
  it("rejects data that is not JSON (unset or NaN google.protobuf.Value) as malformed", () => {
    const empty = create(ValueSchema);
    expect(reject(create(CloudEventSchema, { ...attributes, data: { case: "json", value: empty } }))[0]).toBe(
      "malformed",
    );
    expect(
      reject(create(CloudEventSchema, { ...attributes, data: { case: "json", value: number(Number.NaN) } })),
    ).toEqual(["malformed", expect.stringContaining("NaN")]);
    const events = create(ListValueSchema, { values: [empty] });
    expect(
      reject(create(CloudEventSchema, { ...attributes, data: { case: "status", value: { events } } }))[0],
    ).toBe("malformed");
  });

  it("rejects missing data, value-less signals and extensions, wrong-size signer and signature", () => {
    const data = { case: "json" as const, value: number(1) };
    expect(reject(create(CloudEventSchema, attributes))[1]).toMatch(/no data/);
    expect(
      reject(
        create(CloudEventSchema, {
          ...attributes,
          data: { case: "status", value: { signals: { items: [{ timestamp: 1, name: "x" }] } } },
        }),
      )[1],
    ).toMatch(/signal 0 has no value/);
    expect(reject(create(CloudEventSchema, { ...attributes, data, extensions: { a: {} } }))[1]).toMatch(
      /no value/,
    );
    expect(
      reject(
        create(CloudEventSchema, {
          ...attributes,
          data,
          extensions: { id: { value: { case: "flag", value: true } } },
        }),
      )[1],
    ).toMatch(/bad extension name "id"/);
    expect(
      reject(create(CloudEventSchema, { ...attributes, data, dimosigner: new Uint8Array(3) }))[1],
    ).toMatch(/not 20/);
    expect(
      reject(create(CloudEventSchema, { ...attributes, data, signature: new Uint8Array(64) }))[1],
    ).toMatch(/not 65/);
  });

  it("hands non-finite numbers in the compact form to validation (invalid_event)", () => {
    const value = { timestamp: Number.POSITIVE_INFINITY };
    expect(reject(create(CloudEventSchema, { ...attributes, data: { case: "status", value } }))[0]).toBe(
      "invalid_event",
    );
  });
});
