import {
  type DimoCloudEvent,
  deviceEventBatchDigest,
  deviceEventDigest,
  deviceEventMessage,
  EventRejectedError,
  legacyDataDigest,
  parseEvent,
  signDeviceEventBatch,
  type VerifyOptions,
  verifyEventSignature,
} from "@dimo-open/stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHAIN_ID, encode, signV2, statusEvent, testDevice, withRawData } from "./__fixtures__/devices.ts";
import { legacyDigest, signV2Batch, v2BatchDigest, v2Digest, verifyDeviceSignature } from "./signature.ts";

const device = testDevice(30);
const other = testDevice(31);

/** What a verifier says about an event: the signer, or the rejection reason. */
function verdict(verify: typeof verifyEventSignature, bytes: Uint8Array, options: VerifyOptions): string {
  try {
    return verify(parseEvent(bytes), options).signer;
  } catch (error) {
    if (error instanceof EventRejectedError) return `rejected:${error.reason}`;
    throw error;
  }
}

function agree(bytes: Uint8Array, options: VerifyOptions = { chainId: CHAIN_ID }): string {
  const ours = verdict(verifyDeviceSignature, bytes, options);
  expect(ours).toBe(verdict(verifyEventSignature, bytes, options));
  return ours;
}

// DIMO's legacy test vector (shared/reference/dimo-api.md).
const VECTOR_DATA = '{"timestamp":1709656316768}';
const VECTOR_SIGNATURE =
  "0xed107d9e947ce3208f2a349fe9de841295252ed3157a6a6c3725c5b2fd47ccaf1407ba498f09a872ce409d3434162512f7d0b08fbc0561f407015b39953bb6d61c";
const VECTOR_SIGNER = "0x318F53cC0775fdfcb95A378Fd3228Dc564A28c61";

describe("ingest's WASM-keccak verifier agrees with the stream package's", () => {
  it("computes the same v2 and legacy digests", async () => {
    const event = await signV2(statusEvent(device), device);
    expect(Buffer.from(v2Digest(event)).toString("hex")).toBe(
      Buffer.from(deviceEventDigest(deviceEventMessage(event))).toString("hex"),
    );
    expect(Buffer.from(legacyDigest(VECTOR_DATA)).toString("hex")).toBe(
      Buffer.from(legacyDataDigest(VECTOR_DATA)).toString("hex"),
    );
  });

  it("verifies DIMO's legacy test vector, and refuses it over other data bytes", () => {
    const header = {
      specversion: "1.0",
      id: "vector",
      source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
      producer: `did:ethr:${CHAIN_ID}:${VECTOR_SIGNER}`,
      subject: device.vehicleDid,
      time: "2024-03-05T16:31:56.768Z",
      type: "dimo.status",
      signature: VECTOR_SIGNATURE,
    };
    expect(agree(withRawData(header, VECTOR_DATA))).toBe(VECTOR_SIGNER);
    expect(agree(withRawData(header, '{ "timestamp":1709656316768}'))).toBe("rejected:bad_signature");
    const { producer: _p, ...rest } = header;
    expect(agree(withRawData({ ...rest, producer: device.did }, VECTOR_DATA))).toBe(
      "rejected:unknown_signer",
    );
  });

  it("on valid, tampered, high-s, unsigned and misattributed v2 events", async () => {
    const event = await signV2(statusEvent(device, { sequence: 5n }), device);
    expect(agree(encode(event))).toBe(device.address);
    expect(agree(encode({ ...event, time: new Date(Date.now() - 5).toISOString() }))).toBe(
      "rejected:bad_signature",
    );
    expect(agree(encode({ ...event, dimosequence: "6" }))).toBe("rejected:bad_signature");
    expect(agree(encode({ ...event, dimosigner: other.address }))).toBe("rejected:bad_signature");
    const { signature: _s, ...unsigned } = event;
    expect(agree(encode(unsigned))).toBe("rejected:missing_signature");
    const s = BigInt(`0x${event.signature!.slice(66, 130)}`);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const v = event.signature!.slice(130) === "1b" ? "1c" : "1b";
    const twin = `${event.signature!.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${v}`;
    expect(agree(encode({ ...event, signature: twin }))).toBe("rejected:bad_signature");
    expect(agree(encode(event), { chainId: 1 })).toBe("rejected:wrong_chain");
    expect(agree(encode(event), { chainId: CHAIN_ID, expectedSigner: other.address })).toBe(
      "rejected:bad_signature",
    );
  });

  it("on 2b batch events: valid, tampered, with another's proof; the fast signer makes the same batch", async () => {
    const unsigned = [1n, 2n, 3n, 4n, 5n].map((sequence) => statusEvent(device, { sequence, count: 4 }));
    const events = await signDeviceEventBatch(unsigned, device.signer);
    for (const e of events) expect(agree(encode(e))).toBe(device.address);
    const [a, b] = events as [DimoCloudEvent<"dimo.status">, DimoCloudEvent<"dimo.status">];
    expect(agree(encode({ ...a, dimoproof: b.dimoproof }))).toBe("rejected:bad_signature");
    expect(agree(encode({ ...a, dimosequence: "9" }))).toBe("rejected:bad_signature");
    const data = structuredClone(a.data);
    data.signals![0] = { ...data.signals![0]!, value: 1 };
    expect(agree(encode({ ...a, data }))).toBe("rejected:bad_signature");
    expect(agree(encode(a), { chainId: CHAIN_ID, expectedSigner: other.address })).toBe(
      "rejected:bad_signature",
    );
    // signV2Batch (WASM keccak, any raw signer) yields the same digest, proofs and events.
    const root = `0x${"00".repeat(32)}` as const;
    expect(Buffer.from(v2BatchDigest(CHAIN_ID, device.address, Buffer.alloc(32))).toString("hex")).toBe(
      Buffer.from(deviceEventBatchDigest({ chainId: CHAIN_ID, device: device.address, root })).toString(
        "hex",
      ),
    );
    const withAttributes = events.map(({ signature: _s, dimoproof: _p, ...e }) => e);
    const fast = signV2Batch(withAttributes, () => Buffer.from(a.signature!.slice(2), "hex"));
    expect(fast.map((e) => e.dimoproof)).toEqual(events.map((e) => e.dimoproof));
    for (const e of fast) expect(agree(encode(e))).toBe(device.address);
  });

  it("on random payloads and random one-value tampering", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.nat(7),
        async (values, flip) => {
          const base = statusEvent(device, { count: values.length });
          (base.data as { signals: { value: number }[] }).signals.forEach((s, i) => {
            s.value = values[i]!;
          });
          const event = (await signV2(base, device)) as DimoCloudEvent<"dimo.status">;
          expect(agree(encode(event))).toBe(device.address);
          const signals = event.data.signals!;
          const i = flip % signals.length;
          signals[i] = { ...signals[i]!, value: (signals[i]!.value as number) + 1 };
          expect(agree(encode(event))).toBe("rejected:bad_signature");
        },
      ),
      { numRuns: 25 },
    );
  });
});
