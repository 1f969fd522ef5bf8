import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CHAIN_ID, devSigner, NOW, statusEvent, utf8, VEHICLE_DID } from "../../test/fixtures.ts";
import { avroCodec } from "../codec/avro/codec.ts";
import { protobufCodec } from "../codec/protobuf/codec.ts";
import { EventRejectedError, REJECTION_REASONS, type RejectionReason } from "../errors.ts";
import { signDeviceEvent } from "../signature/sign.ts";
import { verifyEventSignature } from "../signature/verify.ts";
import { type ParseOptions, parseEvent } from "./parse.ts";
import { eventKey, eventSignals } from "./samples.ts";

const AUTOPI = readFileSync(
  new URL("../../../../../shared/reference/payloads/autopi-status-v2.json", import.meta.url),
);

/** A valid unsigned DIMO CloudEvent with the default payload, as a plain object. */
function base(): Record<string, unknown> {
  return { ...statusEvent(3), dimosequence: undefined, datacontenttype: "application/json" };
}
const json = (value: unknown) => utf8(JSON.stringify(value));

function rejection(bytes: Uint8Array, options: ParseOptions = {}): EventRejectedError {
  try {
    parseEvent(bytes, { now: NOW, ...options });
  } catch (error) {
    if (error instanceof EventRejectedError) return error;
    throw error;
  }
  throw new Error("parseEvent accepted the event");
}
const reasonOf = (bytes: Uint8Array, options?: ParseOptions): RejectionReason =>
  rejection(bytes, options).reason;

describe("parseEvent: what it accepts", () => {
  it("DIMO's default payload in a CloudEvents 1.0 envelope", () => {
    const parsed = parseEvent(json(base()), { now: NOW });
    expect(parsed.format).toBe("cloudevents");
    expect(parsed.codec).toBe("json");
    expect(parsed.event.subject).toBe(VEHICLE_DID);
    expect(eventSignals(parsed.event)).toEqual([
      { name: "speed", timestamp: 1713818384653, value: 12.5 },
      { name: "powertrainCombustionEngineSpeed", timestamp: 1713818384833, value: 15.75 },
      { name: "powertrainTransmissionTravelledDistance", timestamp: 1713818385013, value: 19 },
    ]);
    expect(parsed.rawData).toBe(JSON.stringify(base().data));
    expect(eventKey(parsed.event)).toBe(
      JSON.stringify([
        VEHICLE_DID,
        "2024-04-22T20:40:07.249022183Z",
        "dimo.status",
        base().source,
        base().id,
      ]),
    );
  });

  it("the real AutoPi v2 status message (specversion 2.0, extra top-level members)", () => {
    const parsed = parseEvent(AUTOPI, { now: NOW });
    if (parsed.format !== "legacy-status") throw new Error(parsed.format);
    expect(parsed.device).toBe("0x98D78d711C0ec544F6fb5d54fcf6559CF41546a9");
    expect(parsed.event.data.device).toMatchObject({ batteryVoltage: 13.9, imei: "353338970358112" });
    // Unverified claims are kept as sent.
    expect(parsed.event).toMatchObject({ vehicleTokenId: 635, make: "VW", model: "passat", year: 2016 });
    const signals = eventSignals(parsed.event);
    expect(signals).toHaveLength(28);
    expect(signals[0]).toEqual({ name: "vehicleSpeed", timestamp: 1713818384653, value: 42 });
    expect(signals.at(-1)).toEqual({ name: "ssid", timestamp: 1713818407248, value: "Amplified" });
    expect(parsed.rawData?.startsWith('{\n    "timestamp": 1713818407248,')).toBe(true);
    // It carries no signature: the node can parse it but verification says so.
    expect(() => verifyEventSignature(parsed)).toThrow(
      expect.objectContaining({ reason: "missing_signature" }),
    );
  });

  it("DIMO's MQTT wrapper {compressedPayload: base64(gzip(json))}", () => {
    const wrapped = json({ compressedPayload: gzipSync(AUTOPI).toString("base64") });
    const parsed = parseEvent(wrapped, { now: NOW });
    expect(parsed.compressedPayload).toBe(true);
    expect(parsed.format).toBe("legacy-status");
    expect(parsed.rawData).toBe(parseEvent(AUTOPI, { now: NOW }).rawData);
  });

  it("gzip'd JSON by Content-Encoding or by sniffing the gzip magic", () => {
    const bytes = gzipSync(json(base()));
    expect(
      parseEvent(bytes, { contentType: "application/json", contentEncoding: "gzip", now: NOW }).codec,
    ).toBe("json+gzip");
    expect(parseEvent(bytes, { now: NOW }).codec).toBe("json+gzip");
  });

  it("a signed event through the whole node path: parse, then verify", async () => {
    const signed = await signDeviceEvent(statusEvent(20, 12n), devSigner(0));
    const parsed = parseEvent(protobufCodec.encode(signed), {
      contentType: protobufCodec.contentType,
      now: NOW,
    });
    expect(verifyEventSignature(parsed, { chainId: CHAIN_ID }).sequence).toBe(12n);
  });
});

describe("parseEvent: every rejection reason", () => {
  it("malformed: not UTF-8, not JSON, not an object, duplicates, bad gzip/base64/protobuf/Avro", () => {
    expect(reasonOf(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe("malformed");
    expect(reasonOf(utf8('{"id":'))).toBe("malformed");
    expect(reasonOf(utf8("[1,2]"), { contentType: "application/json" })).toBe("malformed");
    expect(rejection(utf8('{"data":{},"id":"a","id":"b"}')).path).toBe("id");
    expect(reasonOf(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toBe("malformed");
    expect(reasonOf(json({ compressedPayload: "not base64!" }))).toBe("malformed");
    expect(reasonOf(json({ compressedPayload: "aGVsbG8=", extra: 1 }))).toBe("malformed");
    expect(reasonOf(new Uint8Array([0x0a, 0xff]), { contentType: protobufCodec.contentType })).toBe(
      "malformed",
    );
    expect(reasonOf(new Uint8Array([0xc3, 0x01, 0, 0]), { contentType: "avro/binary" })).toBe("malformed");
  });

  it("oversized: on the wire, and after decompression (gzip bomb)", () => {
    expect(reasonOf(json(base()), { limits: { maxEventBytes: 100 } })).toBe("oversized");
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    expect(reasonOf(bomb)).toBe("oversized");
    expect(reasonOf(json({ compressedPayload: bomb.toString("base64") }))).toBe("oversized");
  });

  it("header_too_large: envelope without data over 8 KiB", () => {
    expect(reasonOf(json({ ...base(), bigextension: "x".repeat(8 * 1024) }))).toBe("header_too_large");
    // The same bytes in data are fine.
    const data = { ...(base().data as object), note: "x".repeat(8 * 1024) };
    expect(parseEvent(json({ ...base(), data }), { now: NOW }).headerBytes).toBeLessThan(1024);
  });

  it("unsupported_content_type: transport type, unsniffable bytes, datacontenttype", () => {
    expect(reasonOf(json(base()), { contentType: "text/csv" })).toBe("unsupported_content_type");
    expect(reasonOf(protobufCodec.encode({ ...base(), dimosequence: undefined } as never))).toBe(
      "unsupported_content_type",
    );
    expect(rejection(json({ ...base(), datacontenttype: "application/octet-stream" })).path).toBe(
      "datacontenttype",
    );
    expect(reasonOf(json({ ...base(), datacontenttype: "application/octet-stream" }))).toBe(
      "unsupported_content_type",
    );
  });

  it("unsupported_specversion and unsupported_type", () => {
    expect(reasonOf(json({ ...base(), specversion: "0.3" }))).toBe("unsupported_specversion");
    expect(reasonOf(json({ ...base(), type: "com.example.other" }))).toBe("unsupported_type");
    const autopi = JSON.parse(AUTOPI.toString("utf8")) as Record<string, unknown>;
    expect(reasonOf(json({ ...autopi, type: "com.dimo.device.other" }))).toBe("unsupported_type");
  });

  it("invalid_event: attributes, data by type, extensions, portable JSON", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base(), producer: "0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA" }, "producer"],
      [{ ...base(), subject: "did:erc721:137:0xbA57:7" }, "subject"],
      [{ ...base(), time: "22/04/2024" }, "time"],
      [{ ...base(), id: "" }, "id"],
      [{ ...base(), data: undefined }, "data"],
      [{ ...base(), signature: "0x1234" }, "signature"],
      [{ ...base(), dimosequence: "007" }, "dimosequence"],
      [{ ...base(), dimosequence: (2n ** 63n).toString() }, "dimosequence"],
      [{ ...base(), dimosigner: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266" }, "dimosigner"],
      [{ ...base(), dimosigversion: "2", dimosigner: devSigner(0).address }, "dimosequence"],
      [{ ...base(), type: "dimo.fingerprint", data: { vin: "1HGCM82633A00435O" } }, "data.vin"],
      [{ ...base(), type: "dimo.signals", data: { vin: "x" } }, "data.signals"],
      [{ ...base(), data: { signals: [{ timestamp: 1, name: "", value: 1 }] } }, "data.signals[0].name"],
      [
        { ...base(), data: { signals: [{ timestamp: "noon", name: "a", value: 1 }] } },
        "data.signals[0].timestamp",
      ],
      [{ ...base(), Extension: "x" }, "Extension"],
      [{ ...base(), tags: ["a"] }, "tags"],
      [{ ...base(), data: { signals: [], note: "\ud800" } }, "data.note"],
    ];
    for (const [event, path] of cases) {
      const error = rejection(json(event));
      expect([error.reason, error.path], JSON.stringify(event).slice(0, 120)).toEqual([
        "invalid_event",
        path,
      ]);
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(rejection(json({ ...base(), data: { deep } })).shortMessage).toMatch(/nested deeper than 32/);
    expect(reasonOf(utf8(`{"__proto__":{},${JSON.stringify(base()).slice(1)}`))).toBe("invalid_event");
  });

  it("future_time: event time or any sample more than 5 minutes ahead; stale_time when configured", () => {
    const ahead = new Date(NOW + 5 * 60_000 + 1).toISOString();
    expect(rejection(json({ ...base(), time: ahead })).reason).toBe("future_time");
    expect(
      parseEvent(json({ ...base(), time: new Date(NOW + 5 * 60_000).toISOString() }), { now: NOW }).format,
    ).toBe("cloudevents");
    const data = { signals: [{ timestamp: NOW + 6 * 60_000, name: "speed", value: 1 }] };
    expect([rejection(json({ ...base(), data })).reason, rejection(json({ ...base(), data })).path]).toEqual([
      "future_time",
      "data.signals[0].timestamp",
    ]);
    expect(reasonOf(json(base()), { limits: { maxAgeMs: 1000 } })).toBe("stale_time");
  });

  it("unsupported_signature_version: a dimosigversion we do not know", async () => {
    const signed = await signDeviceEvent(statusEvent(1, 1n), devSigner(0));
    const error = rejection(json({ ...signed, dimosigversion: "3" }));
    expect([error.reason, error.path]).toEqual(["unsupported_signature_version", "dimosigversion"]);
    // missing_signature, bad_signature, wrong_chain and unknown_signer come from
    // verifyEventSignature: see signature/legacy.test.ts and signature/v2.test.ts.
  });
});

describe("rejection reasons", () => {
  it("are the documented, stable list", () => {
    expect(REJECTION_REASONS).toEqual([
      "malformed",
      "oversized",
      "header_too_large",
      "unsupported_content_type",
      "unsupported_specversion",
      "unsupported_type",
      "invalid_event",
      "future_time",
      "stale_time",
      "missing_signature",
      "unsupported_signature_version",
      "bad_signature",
      "wrong_chain",
      "unknown_signer",
    ]);
  });
});

describe("avro", () => {
  it("refuses Avro written with another schema (fingerprint mismatch)", () => {
    const bytes = avroCodec.encode({ ...base(), dimosequence: undefined } as never);
    bytes[5] = (bytes[5] ?? 0) ^ 0xff;
    expect(reasonOf(bytes, { contentType: "avro/binary" })).toBe("malformed");
  });
});

describe("sample helpers", () => {
  it("read samples only from payloads that define them", () => {
    const attestation = {
      ...base(),
      type: "dimo.attestation",
      data: { signals: "free-form", timestamp: NOW + 10 * 60_000 },
    };
    const parsed = parseEvent(json(attestation), { now: NOW });
    expect(eventSignals(parsed.event)).toEqual([]);
    const fingerprint = {
      ...base(),
      type: "dimo.fingerprint",
      data: { vin: "1HGCM82633A004352", signals: 3 },
    };
    expect(eventSignals(parseEvent(json(fingerprint), { now: NOW }).event)).toEqual([]);
  });
});
