import { execFileSync } from "node:child_process";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { EventRejectedError } from "../errors.ts";
import { recoverAddress, recoveryBackend } from "./recover.ts";
import { bytesToHex, readSignature, SECP256K1_N, signatureBytes, toLowS } from "./signature.ts";

function sign(key: Uint8Array, digest: Uint8Array): Uint8Array {
  const sig = secp256k1.sign(digest, key, { lowS: true });
  return signatureBytes({ compact: sig.toCompactRawBytes(), recovery: sig.recovery as 0 | 1, highS: false });
}

/** The malleable twin: s' = n − s, v flipped. */
function highSTwin(sig: Uint8Array): Uint8Array {
  const s = BigInt(bytesToHex(sig.subarray(32, 64)));
  const out = sig.slice();
  out.set(Buffer.from((SECP256K1_N - s).toString(16).padStart(64, "0"), "hex"), 32);
  out[64] = sig[64] === 27 ? 28 : 27;
  return out;
}

const privateKey = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((k) => secp256k1.utils.isValidPrivateKey(k));
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("recoverAddress", () => {
  it("runs on the native libsecp256k1 binding here (not the pure-JS fallback)", () => {
    expect(recoveryBackend()).toBe("native");
  });

  it("native and noble recover the same, correct address for random keys and digests", () => {
    fc.assert(
      fc.property(privateKey, digest, (key, d) => {
        const sig = sign(key, d);
        const expected = privateKeyToAddress(bytesToHex(key));
        expect(recoverAddress(d, sig, { backend: "native" })).toBe(expected);
        expect(recoverAddress(d, sig, { backend: "noble" })).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("normalising a high-s twin keeps the signer; both backends agree on it", () => {
    fc.assert(
      fc.property(privateKey, digest, (key, d) => {
        const twin = readSignature(highSTwin(sign(key, d)));
        expect(twin.highS).toBe(true);
        const low = toLowS(twin);
        expect(low.highS).toBe(false);
        expect(bytesToHex(signatureBytes(low))).toBe(bytesToHex(sign(key, d)));
        const expected = privateKeyToAddress(bytesToHex(key));
        expect(recoverAddress(d, low, { backend: "native" })).toBe(expected);
        expect(recoverAddress(d, low, { backend: "noble" })).toBe(expected);
      }),
      { numRuns: 20 },
    );
  });

  it("rejects malformed signatures with bad_signature", () => {
    const d = new Uint8Array(32).fill(1);
    const reasons = (sig: Uint8Array | `0x${string}`) => {
      try {
        recoverAddress(d, sig);
        return "recovered";
      } catch (error) {
        return (error as EventRejectedError).reason;
      }
    };
    expect(reasons(new Uint8Array(64))).toBe("bad_signature");
    const zeroR = new Uint8Array(65);
    zeroR[64] = 27;
    expect(reasons(zeroR)).toBe("bad_signature");
    const badV = sign(new Uint8Array(32).fill(7), d);
    badV[64] = 29;
    expect(reasons(badV)).toBe("bad_signature");
    expect(reasons("0xzz")).toBe("bad_signature");
    // r is a valid scalar but no curve point has that x coordinate: recovery itself fails.
    const noPoint = sign(new Uint8Array(32).fill(7), d);
    noPoint.set(Buffer.from("05".padStart(64, "0"), "hex"), 0);
    for (const backend of ["native", "noble"] as const) {
      expect(() => recoverAddress(d, noPoint, { backend })).toThrow(EventRejectedError);
    }
  });

  it("DIMO_SECP256K1=noble forces the pure-JavaScript backend", () => {
    const script =
      'import("./packages/stream/src/signature/recover.ts").then((m) => process.stdout.write(m.recoveryBackend()))';
    const run = (env: Record<string, string>) =>
      execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
        cwd: new URL("../../../../", import.meta.url),
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
    expect(run({ DIMO_SECP256K1: "noble" })).toBe("noble");
    expect(run({ DIMO_SECP256K1: "" })).toBe("native");
  });
});
