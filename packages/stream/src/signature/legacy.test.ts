import { describe, expect, it } from "vitest";
import { CHAIN_ID, DEVICE_DID, NOW, utf8, VEHICLE_DID } from "../../test/fixtures.ts";
import { jsonCodec } from "../codec/json.ts";
import { protobufCodec } from "../codec/protobuf/codec.ts";
import { parseEvent } from "../envelope/parse.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { EventRejectedError, type RejectionReason } from "../errors.ts";
import { legacyDataDigest } from "./digest.ts";
import { recoverAddress } from "./recover.ts";
import { SECP256K1_N } from "./signature.ts";
import { type VerifyOptions, verifyEventSignature } from "./verify.ts";

// The test vector of shared/reference/dimo-api.md (DIMO's legacy device signature).
const VECTOR_DATA = '{"timestamp":1709656316768}';
const VECTOR_SIGNATURE =
  "0xed107d9e947ce3208f2a349fe9de841295252ed3157a6a6c3725c5b2fd47ccaf1407ba498f09a872ce409d3434162512f7d0b08fbc0561f407015b39953bb6d61c";
const VECTOR_SIGNER = "0x318F53cC0775fdfcb95A378Fd3228Dc564A28c61";

/** A DIMO CloudEvent as today's devices send it: legacy signature over the data bytes. */
function legacyMessage(data = VECTOR_DATA, signature = VECTOR_SIGNATURE, producer = DEVICE_DID): Uint8Array {
  const header = {
    specversion: "1.0",
    id: "2fTHzFprm48YzWrOuaMa3wiraWo",
    source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
    producer,
    subject: VEHICLE_DID,
    time: "2024-03-05T16:31:56.768Z",
    type: "dimo.status",
    signature,
  };
  return utf8(`${JSON.stringify(header).slice(0, -1)},"data":${data}}`);
}

function reason(fn: () => unknown): RejectionReason | "ok" {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (error instanceof EventRejectedError) return error.reason;
    throw error;
  }
}

const verify = (bytes: Uint8Array, options: VerifyOptions = { expectedSigner: VECTOR_SIGNER }) =>
  verifyEventSignature(parseEvent(bytes, { now: NOW }), { chainId: CHAIN_ID, ...options });

describe("legacy device signature (DIMO)", () => {
  it("the reference test vector recovers 0x318F…8c61", () => {
    expect(recoverAddress(legacyDataDigest(VECTOR_DATA), VECTOR_SIGNATURE)).toBe(VECTOR_SIGNER);
  });

  it("verifies the vector inside an event, over the exact data bytes", () => {
    expect(verify(legacyMessage())).toEqual({ scheme: "legacy", signer: VECTOR_SIGNER });
  });

  it("binds to a did:ethr producer without help from the chain index", () => {
    const producer = `did:ethr:${CHAIN_ID}:${VECTOR_SIGNER}`;
    expect(verify(legacyMessage(VECTOR_DATA, VECTOR_SIGNATURE, producer), {}).signer).toBe(VECTOR_SIGNER);
  });

  it("fails when the data is tampered with, even only in whitespace", () => {
    expect(reason(() => verify(legacyMessage('{"timestamp":1709656316769}')))).toBe("bad_signature");
    expect(reason(() => verify(legacyMessage('{ "timestamp":1709656316768}')))).toBe("bad_signature");
  });

  it("fails when the signature is tampered with or names another device", () => {
    const flipped = `${VECTOR_SIGNATURE.slice(0, 10)}0${VECTOR_SIGNATURE.slice(11)}`;
    expect(reason(() => verify(legacyMessage(VECTOR_DATA, flipped)))).toBe("bad_signature");
    const other = "0x0000000000000000000000000000000000000001";
    expect(reason(() => verify(legacyMessage(), { expectedSigner: other }))).toBe("bad_signature");
  });

  it("accepts the malleable high-s twin by normalising it", () => {
    const s = BigInt(`0x${VECTOR_SIGNATURE.slice(66, 130)}`);
    const twin = `${VECTOR_SIGNATURE.slice(0, 66)}${(SECP256K1_N - s).toString(16).padStart(64, "0")}1b`;
    expect(verify(legacyMessage(VECTOR_DATA, twin)).signer).toBe(VECTOR_SIGNER);
  });

  it("needs the device address when the producer is a did:erc721", () => {
    expect(reason(() => verify(legacyMessage(), {}))).toBe("unknown_signer");
  });

  it("can be switched off", () => {
    expect(
      reason(() => verify(legacyMessage(), { expectedSigner: VECTOR_SIGNER, acceptLegacy: false })),
    ).toBe("unsupported_signature_version");
  });

  it("cannot be checked once the event was re-encoded in a binary codec", () => {
    const event = parseEvent(legacyMessage(), { now: NOW }).event as DimoCloudEvent;
    const bytes = protobufCodec.encode(event);
    const parsed = parseEvent(bytes, { contentType: protobufCodec.contentType, now: NOW });
    expect(reason(() => verifyEventSignature(parsed, { expectedSigner: VECTOR_SIGNER }))).toBe(
      "bad_signature",
    );
    // …while the JSON encoding of the same event still carries the very same data text.
    const again = parseEvent(jsonCodec.encode(event), { now: NOW });
    expect(verifyEventSignature(again, { expectedSigner: VECTOR_SIGNER }).signer).toBe(VECTOR_SIGNER);
  });

  it("rejects an unsigned event", () => {
    const unsigned = utf8(
      new TextDecoder().decode(legacyMessage()).replace(`"signature":"${VECTOR_SIGNATURE}",`, ""),
    );
    expect(new TextDecoder().decode(unsigned)).not.toContain("signature");
    expect(reason(() => verify(unsigned))).toBe("missing_signature");
  });
});
