import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hashTypedData, keccak256, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import {
  CHAIN_ID,
  DEVICE_DID,
  devPrivateKey,
  devSigner,
  NOW,
  statusEvent,
  VEHICLE_DID,
} from "../../test/fixtures.ts";
import { jsonCodec } from "../codec/json.ts";
import { parseEvent } from "../envelope/parse.ts";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { EventRejectedError, type RejectionReason, SignerError } from "../errors.ts";
import {
  canonicalEventBytes,
  DEVICE_EVENT_TYPES,
  deviceEventDigest,
  eventHash,
  SIGNATURE_DOMAIN_NAME,
  SIGNATURE_DOMAIN_VERSION,
} from "./digest.ts";
import { deviceEventMessage } from "./message.ts";
import { type DeviceSigner, signDeviceEvent } from "./sign.ts";
import { bytesToHex, hexToBytes, SECP256K1_N } from "./signature.ts";
import { type VerifyOptions, verifyEventSignature } from "./verify.ts";

const signer = devSigner(0);

/** What the node does with an event it receives as JSON. */
function receive(event: object, options: VerifyOptions = {}) {
  const parsed = parseEvent(new TextEncoder().encode(JSON.stringify(event)), { now: NOW });
  return verifyEventSignature(parsed, { chainId: CHAIN_ID, ...options });
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

/** Re-signs `event` (minus signature) with an arbitrary digest function, as a forger would. */
async function signWith(event: DimoCloudEvent, digest: Uint8Array): Promise<DimoCloudEvent> {
  const sig = await signer.signDigest(digest);
  return { ...event, signature: bytesToHex(sig) };
}

describe("device signatures v2", () => {
  it("signs and verifies: scheme, signer and sequence", async () => {
    const event = await signDeviceEvent(statusEvent(20, 41n), signer);
    expect(event).toMatchObject({ dimosigversion: "2", dimosequence: "41", dimosigner: signer.address });
    expect(receive(event)).toEqual({ scheme: "v2", signer: signer.address, sequence: 41n });
  });

  it("its digest is the EIP-712 typed-data hash viem computes", async () => {
    const event = await signDeviceEvent(statusEvent(3, 7n), signer);
    const digest = deviceEventDigest(deviceEventMessage(event));
    const expected = hashTypedData({
      domain: { name: SIGNATURE_DOMAIN_NAME, version: SIGNATURE_DOMAIN_VERSION, chainId: CHAIN_ID },
      types: DEVICE_EVENT_TYPES,
      primaryType: "DeviceEvent",
      message: {
        device: signer.address,
        sequence: 7n,
        timeMs: BigInt(Date.UTC(2024, 3, 22, 20, 40, 7, 249)),
        eventHash: keccak256(canonicalEventBytes(event)),
      },
    });
    expect(bytesToHex(digest)).toBe(expected);
  });

  it("covers the canonical JSON of the whole event except the signature", async () => {
    const event = await signDeviceEvent(statusEvent(1, 1n), signer);
    const text = new TextDecoder().decode(canonicalEventBytes(event));
    expect(
      text.startsWith('{"data":{"signals":[{"name":"speed","timestamp":1713818384653,"value":12.5}]'),
    ).toBe(true);
    expect(text).toContain('"dimosequence":"1","dimosigner":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"');
    expect(text).not.toContain("signature");
    // Member order and whitespace do not matter: the node re-canonicalises what it parsed.
    const reordered = Object.fromEntries(Object.entries(event).reverse());
    expect(receive(JSON.parse(JSON.stringify(reordered, null, 2))).signer).toBe(signer.address);
  });

  it("rejects tampering with data, time, sequence, subject, type, id or an extension", async () => {
    const event = await signDeviceEvent(statusEvent(5, 9n), signer);
    const tampered: object[] = [
      { ...event, data: { ...event.data, vin: "1HGCM82633A004353" } },
      { ...event, time: "2024-04-22T20:40:07.250Z" },
      { ...event, time: "2024-04-22T20:40:07.249022184Z" },
      { ...event, dimosequence: "10" },
      { ...event, subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:8" },
      { ...event, type: "dimo.signals" },
      { ...event, id: "other" },
      { ...event, dataversion: "default/v2.0" },
      { ...event, mycompanytag: "x" },
    ];
    for (const t of tampered)
      expect(
        reason(() => receive(t)),
        JSON.stringify(t).slice(0, 80),
      ).toBe("bad_signature");
  });

  it("rejects a signature under another domain (name, version or plain keccak of the payload)", async () => {
    const event = await signDeviceEvent(statusEvent(2, 3n), signer);
    const m = deviceEventMessage(event);
    const otherName = hashTypedData({
      domain: { name: "Other App", version: "2", chainId: CHAIN_ID },
      types: DEVICE_EVENT_TYPES,
      primaryType: "DeviceEvent",
      message: { device: m.device, sequence: m.sequence, timeMs: m.timeMs, eventHash: m.eventHash },
    });
    const otherVersion = hashTypedData({
      domain: { name: SIGNATURE_DOMAIN_NAME, version: "1", chainId: CHAIN_ID },
      types: DEVICE_EVENT_TYPES,
      primaryType: "DeviceEvent",
      message: { device: m.device, sequence: m.sequence, timeMs: m.timeMs, eventHash: m.eventHash },
    });
    for (const digest of [hexToBytes(otherName), hexToBytes(otherVersion), toBytes(eventHash(event))]) {
      const forged = await signWith(event, digest);
      expect(reason(() => receive(forged))).toBe("bad_signature");
    }
  });

  it("rejects a signature made for another chain, and a producer on another chain", async () => {
    const onChain1 = await signDeviceEvent(
      {
        ...statusEvent(2, 4n),
        producer: "did:erc721:1:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:42",
        subject: "did:erc721:1:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
      },
      signer,
    );
    expect(reason(() => receive(onChain1))).toBe("wrong_chain");
    expect(receive(onChain1, { chainId: 1 }).signer).toBe(signer.address);
    // Moving the event onto our chain changes what was signed.
    expect(reason(() => receive({ ...onChain1, producer: DEVICE_DID, subject: VEHICLE_DID }))).toBe(
      "bad_signature",
    );
    // A digest computed for chain 1 over the chain-137 event does not verify on 137.
    const event = await signDeviceEvent(statusEvent(2, 4n), signer);
    const forged = await signWith(event, deviceEventDigest({ ...deviceEventMessage(event), chainId: 1 }));
    expect(reason(() => receive(forged))).toBe("bad_signature");
  });

  it("rejects a signature by another key than dimosigner, or than the expected device", async () => {
    const event = await signDeviceEvent(statusEvent(2, 5n), signer);
    const other = devSigner(1);
    expect(reason(() => receive({ ...event, dimosigner: other.address }))).toBe("bad_signature");
    expect(reason(() => receive(event, { expectedSigner: other.address }))).toBe("bad_signature");
    expect(receive(event, { expectedSigner: signer.address }).signer).toBe(signer.address);
    const digest = deviceEventDigest(deviceEventMessage(event));
    const byOther = { ...event, signature: bytesToHex(await other.signDigest(digest)) };
    expect(reason(() => receive(byOther))).toBe("bad_signature");
  });

  it("rejects the high-s twin of a valid signature (no malleable duplicates)", async () => {
    const event = await signDeviceEvent(statusEvent(2, 6n), signer);
    const sig = hexToBytes(event.signature!);
    const s = BigInt(bytesToHex(sig.subarray(32, 64)));
    sig.set(hexToBytes(`0x${(SECP256K1_N - s).toString(16).padStart(64, "0")}`), 32);
    sig[64] = sig[64] === 27 ? 28 : 27;
    expect(reason(() => receive({ ...event, signature: bytesToHex(sig) }))).toBe("bad_signature");
  });

  it("rejects an unsigned v2 event, and v2 without sequence or signer", async () => {
    const { signature: _s, ...unsigned } = await signDeviceEvent(statusEvent(2, 6n), signer);
    expect(reason(() => receive(unsigned))).toBe("missing_signature");
    const { dimosequence: _q, ...noSequence } = unsigned;
    expect(reason(() => receive(noSequence))).toBe("invalid_event");
    const { dimosigner: _a, ...noSigner } = unsigned;
    expect(reason(() => receive(noSigner))).toBe("invalid_event");
  });

  it("signDeviceEvent normalises what the keystore returns: high-s and v ∈ {0, 1}", async () => {
    const key = hexToBytes(devPrivateKey(0));
    const sloppy: DeviceSigner = {
      address: signer.address,
      async signDigest(digest) {
        const sig = secp256k1.sign(digest, key, { lowS: true });
        const out = new Uint8Array(65);
        out.set(sig.toCompactRawBytes());
        const s = SECP256K1_N - sig.s;
        out.set(hexToBytes(`0x${s.toString(16).padStart(64, "0")}`), 32);
        out[64] = sig.recovery ^ 1;
        return out;
      },
    };
    const event = await signDeviceEvent(statusEvent(2, 8n), sloppy);
    const expected = await signDeviceEvent(statusEvent(2, 8n), signer);
    expect(event.signature).toBe(expected.signature);
    expect(receive(event).signer).toBe(signer.address);
  });

  it("signDeviceEvent refuses a keystore that signs with another key or returns junk", async () => {
    const other = devSigner(1);
    const liar: DeviceSigner = { address: signer.address, signDigest: (d) => other.signDigest(d) };
    await expect(signDeviceEvent(statusEvent(1, 1n), liar)).rejects.toThrow(SignerError);
    const short: DeviceSigner = { address: signer.address, signDigest: async () => new Uint8Array(64) };
    await expect(signDeviceEvent(statusEvent(1, 1n), short)).rejects.toThrow(/65-byte signature/);
    const zeros: DeviceSigner = { address: signer.address, signDigest: async () => new Uint8Array(65) };
    await expect(signDeviceEvent(statusEvent(1, 1n), zeros)).rejects.toThrow(/malformed signature/);
  });

  it("signDeviceEvent refuses an event the node would reject, before signing", async () => {
    let signed = 0;
    const counting: DeviceSigner = {
      address: signer.address,
      signDigest: (d) => {
        signed++;
        return signer.signDigest(d);
      },
    };
    const bad = { ...statusEvent(1, 1n), time: "yesterday" };
    await expect(signDeviceEvent(bad, counting)).rejects.toMatchObject({
      reason: "invalid_event",
      path: "time",
    });
    await expect(
      signDeviceEvent({ ...statusEvent(1, 1n), dimosequence: -1n }, counting),
    ).rejects.toMatchObject({
      reason: "invalid_event",
      path: "dimosequence",
    });
    expect(signed).toBe(0);
  });

  it("survives the JSON codec byte-for-byte identical in meaning", async () => {
    const event = await signDeviceEvent(statusEvent(20, 2n), signer);
    const parsed = parseEvent(jsonCodec.encode(event), { now: NOW });
    expect(parsed.event).toEqual(event);
    expect(verifyEventSignature(parsed, { chainId: CHAIN_ID }).sequence).toBe(2n);
  });

  it("reproduces the test vector of docs/streaming.md", async () => {
    const vector: DimoCloudEvent<"dimo.status"> = {
      specversion: "1.0",
      id: "vector-1",
      source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
      producer: DEVICE_DID,
      subject: VEHICLE_DID,
      time: "2024-04-22T20:40:07.249Z",
      type: "dimo.status",
      dimosequence: "7",
      data: { signals: [{ timestamp: 1713818407248, name: "speed", value: 42.5 }], vin: "1HGCM82633A004352" },
      dimosigversion: "2",
      dimosigner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      signature:
        "0x10d336dd9cfdfaeb694ce0c2a488695c0d42382557eaf6678bb6d6dc4d0fd4b442156d9c39c61216557f680c1f16b247f9055f5369a6a6e77a2fedc71131ca331b",
    };
    expect(eventHash(vector)).toBe("0x20770963fd933374162d4ae3616348769289be0a8352c5fc4695a4087dad31c2");
    expect(bytesToHex(deviceEventDigest(deviceEventMessage(vector)))).toBe(
      "0x620d66b57cb168d810ca6fa17f710bbefbf5365a739810f28312e312df4acb74",
    );
    expect(receive(vector)).toEqual({ scheme: "v2", signer: vector.dimosigner, sequence: 7n });
    // RFC 6979 signing is deterministic: the same key signs the same event identically.
    const { signature, dimosigversion: _v, dimosigner: _a, dimosequence, ...unsigned } = vector;
    expect((await signDeviceEvent({ ...unsigned, dimosequence: dimosequence! }, signer)).signature).toBe(
      signature,
    );
  });
});
