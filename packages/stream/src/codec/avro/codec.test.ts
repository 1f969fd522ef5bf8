import { describe, expect, it } from "vitest";
import { DEVICE_DID, NOW, VEHICLE_DID } from "../../../test/fixtures.ts";
import { parseEvent } from "../../envelope/parse.ts";
import { EventRejectedError } from "../../errors.ts";
import { AVRO_CONTENT_TYPE, AVRO_HEADER, eventType } from "./codec.ts";

const record = {
  id: "a",
  source: "b",
  producer: DEVICE_DID,
  subject: VEHICLE_DID,
  time: "2024-04-22T20:40:00Z",
  type: "dimo.status",
  datacontenttype: null,
  dataversion: null,
  dataschema: null,
  signature: null,
  dimosigversion: null,
  dimosequence: null,
  dimosigner: null,
  extensions: {},
  data: "{}",
};

function reason(fields: Partial<Record<keyof typeof record, unknown>>): string {
  const body = eventType.toBuffer({ ...record, ...fields });
  try {
    parseEvent(Buffer.concat([AVRO_HEADER, body]), { contentType: AVRO_CONTENT_TYPE, now: NOW });
    return "accepted";
  } catch (error) {
    if (error instanceof EventRejectedError) return error.reason;
    throw error;
  }
}

describe("Avro codec, records no encoder of ours writes", () => {
  it("accepts the base record (so the cases below test one thing each)", () => {
    expect(reason({})).toBe("accepted");
  });

  it("rejects data or events that are not JSON text as malformed", () => {
    expect(reason({ data: "{not json" })).toBe("malformed");
    expect(reason({ data: { timestamp: null, signals: null, events: "[", vin: null } })).toBe("malformed");
  });

  it("hands NaN and extension names it cannot carry to the right reasons", () => {
    expect(reason({ data: { timestamp: Number.NaN, signals: null, events: null, vin: null } })).toBe(
      "invalid_event",
    );
    expect(reason({ extensions: { time: "x" } })).toBe("malformed");
    expect(reason({ extensions: { Upper: "x" } })).toBe("malformed");
  });
});
