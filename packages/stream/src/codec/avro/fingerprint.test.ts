import { describe, expect, it } from "vitest";
import { rabinFingerprint } from "./fingerprint.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("rabinFingerprint (CRC-64-AVRO)", () => {
  it("matches the Avro specification's fingerprints of primitive schemas", () => {
    expect(hex(rabinFingerprint('"int"'))).toBe("8f5c393f1ad57572");
    expect(hex(rabinFingerprint('"long"'))).toBe("b71df49344e154d0");
    expect(hex(rabinFingerprint('"double"'))).toBe("7e95ab32c035758e");
    expect(hex(rabinFingerprint('"bytes"'))).toBe("651920c3da16c04f");
  });
});
