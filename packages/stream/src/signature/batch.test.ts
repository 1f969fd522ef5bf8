import { hashTypedData } from "viem";
import { describe, expect, it } from "vitest";
import { CHAIN_ID, devSigner, NOW, statusEvent } from "../../test/fixtures.ts";
import { avroCodec } from "../codec/avro/codec.ts";
import { gzipJsonCodec, jsonCodec } from "../codec/json.ts";
import { protobufCodec } from "../codec/protobuf/codec.ts";
import { parseEvent } from "../envelope/parse.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { EventRejectedError, type RejectionReason } from "../errors.ts";
import {
  hashPair,
  merkleRootFromProof,
  merkleTree,
  readProof,
  recoverBatchSigner,
  signDeviceEventBatch,
} from "./batch.ts";
import {
  DEVICE_EVENT_BATCH_TYPES,
  deviceEventBatchDigest,
  deviceEventStructHash,
  SIGNATURE_DOMAIN_NAME,
  SIGNATURE_DOMAIN_VERSION,
} from "./digest.ts";
import { deviceEventMessage } from "./message.ts";
import { signDeviceEvent } from "./sign.ts";
import { bytesToHex, hexToBytes, readSignature, SECP256K1_N } from "./signature.ts";
import { verifyEventSignature } from "./verify.ts";

const signer = devSigner(0);

function receive(event: object) {
  const parsed = parseEvent(new TextEncoder().encode(JSON.stringify(event)), { now: NOW });
  return verifyEventSignature(parsed, { chainId: CHAIN_ID });
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

const batchOf = (n: number, first = 100n) =>
  signDeviceEventBatch(
    Array.from({ length: n }, (_, i) => statusEvent(3 + i, first + BigInt(i))),
    signer,
  );

describe("device signatures 2b (one signature over a batch)", () => {
  it("each event of a batch verifies on its own, in any order: scheme v2b, signer, its sequence", async () => {
    const events = await batchOf(7);
    expect(new Set(events.map((e) => e.signature)).size).toBe(1);
    for (const e of [...events].reverse()) {
      expect(e).toMatchObject({ dimosigversion: "2b", dimosigner: signer.address });
      expect(receive(e)).toEqual({
        scheme: "v2b",
        signer: signer.address,
        sequence: BigInt(e.dimosequence!),
      });
    }
  });

  it("signs the EIP-712 DeviceEventBatch(device, root) over the Merkle root of the events' DeviceEvent hashes", async () => {
    const events = await batchOf(5);
    const leaves = events.map((e) => hexToBytes(deviceEventStructHash(deviceEventMessage(e))));
    const { root } = merkleTree(leaves);
    for (let i = 0; i < events.length; i++) {
      expect(bytesToHex(merkleRootFromProof(leaves[i]!, readProof(events[i]!.dimoproof!)))).toBe(
        bytesToHex(root),
      );
    }
    const digest = deviceEventBatchDigest({
      chainId: CHAIN_ID,
      device: signer.address,
      root: bytesToHex(root),
    });
    expect(bytesToHex(digest)).toBe(
      hashTypedData({
        domain: { name: SIGNATURE_DOMAIN_NAME, version: SIGNATURE_DOMAIN_VERSION, chainId: CHAIN_ID },
        types: DEVICE_EVENT_BATCH_TYPES,
        primaryType: "DeviceEventBatch",
        message: { device: signer.address, root: bytesToHex(root) },
      }),
    );
  });

  it("refuses any event of the batch altered after signing: data, time, sequence, id, signer", async () => {
    const events = await batchOf(5);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const data = structuredClone(e.data) as { signals: { value: unknown }[] };
      data.signals[0]!.value = 1;
      expect(reason(() => receive({ ...e, data }))).toBe("bad_signature");
      expect(reason(() => receive({ ...e, time: "2024-04-22T20:40:07.250Z" }))).toBe("bad_signature");
      expect(reason(() => receive({ ...e, dimosequence: String(BigInt(e.dimosequence!) + 1n) }))).toBe(
        "bad_signature",
      );
      expect(reason(() => receive({ ...e, id: `${e.id}x` }))).toBe("bad_signature");
      expect(reason(() => receive({ ...e, dimosigner: devSigner(1).address }))).toBe("bad_signature");
    }
  });

  it("refuses a proof that is not the event's: swapped, shortened, lengthened, from another batch", async () => {
    const events = await batchOf(5);
    const other = await batchOf(5, 200n);
    const [a, b] = events as [DimoCloudEvent, DimoCloudEvent];
    expect(reason(() => receive({ ...a, dimoproof: b.dimoproof }))).toBe("bad_signature");
    expect(reason(() => receive({ ...a, dimoproof: a.dimoproof!.slice(0, -64) }))).toBe("bad_signature");
    expect(reason(() => receive({ ...a, dimoproof: `${a.dimoproof}${"ab".repeat(32)}` }))).toBe(
      "bad_signature",
    );
    expect(reason(() => receive({ ...a, signature: other[0]!.signature }))).toBe("bad_signature");
    expect(reason(() => receive({ ...other[0]!, dimoproof: a.dimoproof }))).toBe("bad_signature");
    expect(reason(() => receive({ ...a, dimoproof: "0x12" }))).toBe("invalid_event");
  });

  it("refuses a high-s twin of the batch signature, like v2", async () => {
    const [e] = await batchOf(2);
    const sig = hexToBytes(e!.signature!);
    const s = BigInt(bytesToHex(sig.slice(32, 64)));
    const twin = new Uint8Array(sig);
    twin.set(hexToBytes(`0x${(SECP256K1_N - s).toString(16).padStart(64, "0")}`), 32);
    twin[64] = sig[64] === 27 ? 28 : 27;
    expect(reason(() => receive({ ...e, signature: bytesToHex(twin) }))).toBe("bad_signature");
  });

  it("a batch of one has an empty proof; dimoproof belongs to 2b only, and 2b needs it", async () => {
    const [single] = await batchOf(1);
    expect(single!.dimoproof).toBe("0x");
    expect(receive(single!).scheme).toBe("v2b");
    const v2 = await signDeviceEvent(statusEvent(3, 9n), signer);
    expect(reason(() => receive({ ...v2, dimoproof: "0x" }))).toBe("invalid_event");
    const { dimoproof: _p, ...withoutProof } = single!;
    expect(reason(() => receive(withoutProof))).toBe("invalid_event");
  });

  it("recovers the signer once per batch: the node's per-event cost is hashing, not recovery", async () => {
    const events = await batchOf(4, 300n);
    const parsed = events.map((e) => ({
      leaf: hexToBytes(deviceEventStructHash(deviceEventMessage(e))),
      proof: readProof(e.dimoproof!),
      sig: readSignature(e.signature!),
    }));
    let recoveries = 0;
    const recover = () => {
      recoveries++;
      return signer.address;
    };
    for (const p of parsed) {
      const root = bytesToHex(merkleRootFromProof(p.leaf, p.proof));
      const digest = deviceEventBatchDigest({ chainId: CHAIN_ID, device: signer.address, root });
      expect(recoverBatchSigner(digest, p.sig, recover)).toBe(signer.address);
    }
    expect(recoveries).toBe(1);
  });

  it("builds the tree as specified: sorted pairs, an odd last node carried up", () => {
    const leaf = (n: number) => new Uint8Array(32).fill(n);
    const [l0, l1, l2] = [leaf(3), leaf(1), leaf(2)];
    const { root, proofs } = merkleTree([l0, l1, l2]);
    // level 1: H(sorted l0,l1), l2 carried; root: H(sorted those two)
    const expected = hashPair(hashPair(l1, l0), l2);
    expect(bytesToHex(root)).toBe(bytesToHex(expected));
    expect(proofs.map((p) => p.length)).toEqual([2, 2, 1]);
  });

  it("a 2b event verifies after a round trip through every codec (dimoproof travels as an extension)", async () => {
    const [, event] = await batchOf(3, 400n);
    for (const codec of [jsonCodec, gzipJsonCodec, protobufCodec, avroCodec]) {
      const parsed = parseEvent(codec.encode(event!), {
        contentType: codec.contentType,
        contentEncoding: codec.contentEncoding,
        now: NOW,
      });
      expect(parsed.event.dimoproof, codec.name).toBe(event!.dimoproof);
      expect(verifyEventSignature(parsed, { chainId: CHAIN_ID }).scheme, codec.name).toBe("v2b");
    }
  });

  it("reproduces the batch test vector of docs/streaming.md", async () => {
    const events = await signDeviceEventBatch(
      [1n, 2n, 3n].map((sequence) => ({
        specversion: "1.0" as const,
        id: `batch-vector-${sequence}`,
        source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
        producer: "did:erc721:137:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:42",
        subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
        time: `2024-04-22T20:40:0${sequence}.000Z`,
        type: "dimo.status" as const,
        dimosequence: sequence,
        data: {
          signals: [
            { timestamp: 1713818400000 + Number(sequence), name: "speed", value: 40 + Number(sequence) },
          ],
        },
      })),
      signer,
    );
    const leaves = events.map((e) => deviceEventStructHash(deviceEventMessage(e)));
    expect(leaves).toEqual(BATCH_VECTOR.leaves);
    const root = bytesToHex(merkleTree(leaves.map((l) => hexToBytes(l))).root);
    expect(root).toBe(BATCH_VECTOR.root);
    expect(bytesToHex(deviceEventBatchDigest({ chainId: 137, device: signer.address, root }))).toBe(
      BATCH_VECTOR.digest,
    );
    expect(events.map((e) => e.dimoproof)).toEqual(BATCH_VECTOR.proofs);
    expect(events[0]!.signature).toBe(BATCH_VECTOR.signature);
    for (const e of events) expect(receive(e).scheme).toBe("v2b");
  });
});

/** docs/streaming.md, "Batch test vector". */
const BATCH_VECTOR = {
  leaves: [
    "0x1475fb0f8d423e7f4918d4883841511fe7befcadbe71602645a97a90c7f38490",
    "0xd766e46576f4abcaa1a4dd94d29204644fa35672fefc6a993b86a4ea2e8f5144",
    "0xfbf11407e2237ba869bebcdf1c446eb583e15516a66a559229bd3322a88684e4",
  ],
  proofs: [
    "0xd766e46576f4abcaa1a4dd94d29204644fa35672fefc6a993b86a4ea2e8f5144fbf11407e2237ba869bebcdf1c446eb583e15516a66a559229bd3322a88684e4",
    "0x1475fb0f8d423e7f4918d4883841511fe7befcadbe71602645a97a90c7f38490fbf11407e2237ba869bebcdf1c446eb583e15516a66a559229bd3322a88684e4",
    "0x6e609cfa1508f2cf838ce2ba8b19c48ffcf0a32ba00f6f1b2e5162145f3fdf5b",
  ],
  root: "0xfb32ec488a5571196f77cb793f27670c7200a606a6a3bdbd93011db98feea5fc",
  digest: "0x3f626a88e8aa255d5fc71747aaaf0bf0f5a81f1783a78fb938f8ca04321d9431",
  signature:
    "0x9425ff22b6efb42f405a2d4a813752c6e185e544f9538fa675b3797b38de08cc593f5c20d9a954d560c57f856d4ebf9493070087e9269eb9ed5b78f35661f9331b",
};
