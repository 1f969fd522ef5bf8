import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devSigner, NOW, statusEvent } from "../../test/fixtures.ts";
import { parseEvent } from "../envelope/parse.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { EventRejectedError } from "../errors.ts";
import { signDeviceEvent } from "../signature/sign.ts";
import { verifyEventSignature } from "../signature/verify.ts";
import { CODECS } from "./content-type.ts";

/** Parses and verifies; any failure must be an EventRejectedError, never another exception. */
function ingest(
  bytes: Uint8Array,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): void {
  try {
    verifyEventSignature(parseEvent(bytes, { contentType, contentEncoding, now: NOW }), { chainId: 137 });
  } catch (error) {
    if (!(error instanceof EventRejectedError)) throw error;
  }
}

describe("hostile bytes", () => {
  it("corrupted encodings of a signed event are rejected with a reason, never a crash", async () => {
    const event = await signDeviceEvent(statusEvent(8, 3n), devSigner(0));
    const generic = await signDeviceEvent(
      {
        ...statusEvent(0, 4n),
        data: { signals: [{ timestamp: 1, name: "x", value: { a: [1, null] } }], extra: "y" },
      },
      devSigner(0),
    );
    const samples = CODECS.flatMap((codec) =>
      [event, generic].map((e: DimoCloudEvent) => ({ codec, bytes: codec.encode(e) })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (sample, flips, cut) => {
          const bytes = sample.bytes.slice(0, sample.bytes.length - (cut % 3 === 0 ? cut % 17 : 0));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          ingest(bytes, sample.codec.contentType, sample.codec.contentEncoding);
          ingest(bytes, undefined, undefined);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("random bytes under every content type are rejected with a reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...CODECS), (bytes, codec) => {
        ingest(bytes, codec.contentType, codec.contentEncoding);
      }),
      { numRuns: 300 },
    );
  });

  it("random JSON values are rejected with a reason", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        ingest(new TextEncoder().encode(JSON.stringify(value)), undefined, undefined);
        expect(true).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
