import fc from "fast-check";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { CHAIN_ID, DEVICE_DID, devSigner, statusEvent, VEHICLE_DID } from "../../test/fixtures.ts";
import { canonicalJson } from "../canonical.ts";
import { parseEvent } from "../envelope/parse.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import type { JsonValue } from "../json.ts";
import { signDeviceEvent } from "../signature/sign.ts";
import { verifyEventSignature } from "../signature/verify.ts";
import type { EventCodec } from "./codec.ts";
import { CODECS } from "./content-type.ts";
import { protobufCodec } from "./protobuf/codec.ts";

const LATER = Date.UTC(2100, 0, 1);
const KNOWN = new Set([
  "specversion",
  "id",
  "source",
  "producer",
  "subject",
  "time",
  "type",
  "datacontenttype",
  "dataversion",
  "dataschema",
  "signature",
  "dimosigversion",
  "dimosequence",
  "dimosigner",
  "data",
]);

/** Doubles as JSON has them (-0 reads back as 0 from JSON text, so leave it out). */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  fc.integer(),
);
const text = fc.string({ unit: "grapheme", maxLength: 24 });
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    number,
    text,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(
      text.filter((k) => k !== "__proto__"),
      tie("value"),
      { maxKeys: 3 },
    ),
  ),
})).value;

const millis = fc.integer({ min: 0, max: Date.UTC(2099, 0, 1) });
/** Mostly compact signals (number/string values), sometimes anything JSON allows. */
const signal = fc.record({
  timestamp: fc.oneof(
    millis,
    millis.map((t) => new Date(t).toISOString()),
  ),
  name: fc.string({ minLength: 1, maxLength: 40 }),
  value: fc.oneof(
    { weight: 4, arbitrary: number },
    { weight: 4, arbitrary: text },
    { weight: 1, arbitrary: json },
  ),
});
const statusData = fc.record(
  {
    timestamp: millis,
    signals: fc.array(signal, { maxLength: 30 }),
    events: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), timestamp: millis }), {
      maxLength: 3,
    }),
    vin: fc.string({ maxLength: 17 }),
    extra: json,
  },
  { requiredKeys: [] },
);
const extensions = fc.dictionary(
  fc.stringMatching(/^[a-z0-9]{1,12}$/).filter((k) => !KNOWN.has(k)),
  fc.oneof(text, number, fc.boolean()),
  { maxKeys: 3 },
);
const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString("hex"));

const event: fc.Arbitrary<DimoCloudEvent> = fc
  .record(
    {
      id: fc.string({ minLength: 1, maxLength: 40 }),
      source: fc.string({ minLength: 1, maxLength: 40 }),
      time: fc
        .tuple(millis, fc.stringMatching(/^[0-9]{0,6}$/))
        .map(([t, extra]) => new Date(t).toISOString().replace("Z", `${extra}Z`)),
      datacontenttype: fc.constant("application/json"),
      dataversion: fc.string({ maxLength: 20 }),
      dataschema: fc.string({ maxLength: 20 }),
      signature: hex(65).map((h) => `0x${h}`),
      v2: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), hex(20)),
      kind: fc.oneof(
        { weight: 6, arbitrary: statusData.map((data) => ({ type: "dimo.status", data })) },
        {
          weight: 1,
          arbitrary: fc.constant({ type: "dimo.fingerprint", data: { vin: "1HGCM82633A004352" } }),
        },
        {
          weight: 1,
          arbitrary: fc
            .dictionary(text, json, { maxKeys: 4 })
            .map((data) => ({ type: "dimo.attestation", data })),
        },
      ),
      extensions,
    },
    { requiredKeys: ["id", "source", "time", "kind", "extensions"] },
  )
  .map(({ v2, kind, extensions, ...attributes }) => {
    const e: Record<string, unknown> = {
      ...extensions,
      specversion: "1.0",
      producer: DEVICE_DID,
      subject: VEHICLE_DID,
      ...attributes,
      ...kind,
    };
    if (v2) {
      e.dimosigversion = "2";
      e.dimosequence = v2[0].toString();
      e.dimosigner = getAddress(`0x${v2[1]}`);
    }
    return e as unknown as DimoCloudEvent;
  });

function roundTrip(codec: EventCodec, e: DimoCloudEvent) {
  const bytes = codec.encode(e);
  return parseEvent(bytes, {
    contentType: codec.contentType,
    contentEncoding: codec.contentEncoding,
    now: LATER,
  });
}

describe("codecs", () => {
  it("every codec returns exactly the event it was given (random events)", () => {
    fc.assert(
      fc.property(event, (e) => {
        // The generated event is itself valid: parse its JSON form first.
        const reference = parseEvent(new TextEncoder().encode(JSON.stringify(e)), { now: LATER }).event;
        expect(reference).toEqual(e);
        for (const codec of CODECS) {
          const back = roundTrip(codec, e).event;
          expect(back, codec.name).toEqual(e);
          expect(canonicalJson(back as unknown as JsonValue)).toBe(canonicalJson(e as unknown as JsonValue));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a signed event still verifies after every codec (random signal sets)", async () => {
    const signer = devSigner(2);
    await fc.assert(
      fc.asyncProperty(
        fc.array(signal, { maxLength: 25 }),
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        async (signals, seq) => {
          const base = statusEvent(0, seq);
          const signed = await signDeviceEvent({ ...base, data: { ...base.data, signals } }, signer);
          for (const codec of CODECS) {
            const parsed = roundTrip(codec, signed);
            expect(parsed.event, codec.name).toEqual(signed);
            expect(verifyEventSignature(parsed, { chainId: CHAIN_ID })).toEqual({
              scheme: "v2",
              signer: signer.address,
              sequence: seq,
            });
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("the binary codecs use the compact status form when it is exact, and are smaller than JSON", async () => {
    const signed = await signDeviceEvent(statusEvent(20, 1n), devSigner(0));
    const sizes = Object.fromEntries(CODECS.map((c) => [c.name, c.encode(signed).length]));
    expect(sizes.protobuf).toBeLessThan(sizes.json! * 0.7);
    expect(sizes.avro).toBeLessThan(sizes.json! * 0.7);
    // With one extra member the status no longer fits the compact form and goes as generic JSON.
    const generic = { ...signed, data: { ...signed.data, extra: 1 } } as DimoCloudEvent;
    expect(protobufCodec.encode(generic).length).toBeGreaterThan(sizes.protobuf!);
  });
});
