/**
 * Device-signature recovery (native libsecp256k1 vs @noble/curves), the node's parse + verify
 * rate, and encode/decode rates and sizes per codec for a 20-signal DIMO status event.
 * Single thread; each figure is the rate over ≥ 1 s after a warm-up.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { mnemonicToAccount } from "viem/accounts";
import {
  CODECS,
  type DimoCloudEvent,
  parseEvent,
  privateKeySigner,
  recoverAddress,
  recoveryBackend,
  signDeviceEvent,
  verifyEventSignature,
} from "../src/index.ts";

function rate(fn: () => void, minMs = 1000): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

async function signedStatusEvent(signals: number): Promise<DimoCloudEvent> {
  const key = mnemonicToAccount("test test test test test test test test test test test junk").getHdKey()
    .privateKey!;
  const signer = privateKeySigner(`0x${Buffer.from(key).toString("hex")}`);
  const names = ["speed", "powertrainCombustionEngineSpeed", "exteriorAirTemperature", "obdEngineLoad"];
  return signDeviceEvent(
    {
      specversion: "1.0",
      id: "2fTHzFprm48YzWrOuaMa3wiraWo",
      source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
      producer: "did:erc721:137:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:42",
      subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
      time: "2024-04-22T20:40:07.249Z",
      type: "dimo.status",
      datacontenttype: "application/json",
      dataversion: "default/v1.0",
      dimosequence: 1234n,
      data: {
        timestamp: 1713818407248,
        signals: Array.from({ length: signals }, (_, i) => ({
          timestamp: 1713818384653 + i * 1000,
          name: names[i % names.length]!,
          value: i % 5 === 4 ? "COMPLETED" : 12.54912 + i * 7.3,
        })),
        vin: "1HGCM82633A004352",
      },
    },
    signer,
  );
}

export default async function (): Promise<string> {
  // Recovery: 256 distinct (digest, signature) pairs, cycled.
  const pairs = Array.from({ length: 256 }, (_, i) => {
    const key = secp256k1.utils.randomPrivateKey();
    const digest = new Uint8Array(32).fill(i);
    const sig = secp256k1.sign(digest, key, { lowS: true });
    const bytes = new Uint8Array(65);
    bytes.set(sig.toCompactRawBytes());
    bytes[64] = 27 + sig.recovery;
    return { digest, bytes };
  });
  let i = 0;
  const recovery = (backend: "native" | "noble") =>
    rate(() => {
      const p = pairs[i++ & 255]!;
      recoverAddress(p.digest, p.bytes, { backend });
    });
  const nativeRate = recovery("native");
  const nobleRate = recovery("noble");

  const event = await signedStatusEvent(20);
  const now = Date.UTC(2024, 3, 22, 20, 41);
  const jsonBytes = CODECS[0]!.encode(event);
  const verifyRate = (backend: "native" | "noble") =>
    rate(() => verifyEventSignature(parseEvent(jsonBytes, { now }), { chainId: 137, backend }));
  const pipelineNative = verifyRate("native");
  const pipelineNoble = verifyRate("noble");

  const rows = CODECS.map((codec) => {
    const bytes = codec.encode(event);
    const options = { contentType: codec.contentType, contentEncoding: codec.contentEncoding, now };
    return {
      name: codec.name,
      type:
        codec.contentType + (codec.contentEncoding ? ` + Content-Encoding: ${codec.contentEncoding}` : ""),
      size: bytes.length,
      encode: rate(() => codec.encode(event), 700),
      decode: rate(() => codec.decode(bytes), 700),
      parse: rate(() => parseEvent(bytes, options), 700),
    };
  });

  return [
    "## Device signatures and codecs (packages/stream)",
    "",
    "One thread. Each rate is operations per second over ≥ 1 s (0.7 s for codecs) after a 0.2 s warm-up.",
    `Default recovery backend on this machine: **${recoveryBackend()}** (libsecp256k1 binding loaded directly).`,
    "",
    "| measurement | native libsecp256k1 | @noble/curves (pure JS) | ratio |",
    "|---|---:|---:|---:|",
    `| public-key recovery → address, per s | ${fmt(nativeRate)} | ${fmt(nobleRate)} | ${(nativeRate / nobleRate).toFixed(1)}× |`,
    `| node path for a 20-signal v2 JSON event (parse + limits + schema + JCS + EIP-712 digest + recover), per s | ${fmt(pipelineNative)} | ${fmt(pipelineNoble)} | ${(pipelineNative / pipelineNoble).toFixed(1)}× |`,
    "",
    "Codecs, for the same signed 20-signal `dimo.status` event (DIMO default payload, v2 signature):",
    "",
    "| codec | content type | bytes | encode /s | decode /s | parseEvent /s (decode + validation + limits) |",
    "|---|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | \`${r.type}\` | ${r.size} | ${fmt(r.encode)} | ${fmt(r.decode)} | ${fmt(r.parse)} |`,
    ),
  ].join("\n");
}
