import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDbc } from "../dbc/parser.ts";
import { EncodeError, FrameLengthError, MultiplexerError } from "../errors.ts";
import { referenceExtent, referenceRaw } from "./reference.test-support.ts";

const dbc = (body: string) => parseDbc(`VERSION ""\nBU_: ECU\n${body}\n`, { file: "test.dbc" });

describe("compiled decoder against a bit-by-bit reference", () => {
  const signalArb = fc
    .record({
      order: fc.constantFrom("little_endian", "big_endian") as fc.Arbitrary<"little_endian" | "big_endian">,
      signed: fc.boolean(),
      length: fc.integer({ min: 1, max: 64 }),
      frame: fc.constantFrom(8, 12, 16, 24, 32, 48, 64),
      start: fc.integer({ min: 0, max: 511 }),
    })
    .filter((s) => s.start < s.frame * 8 && referenceExtent(s.start, s.length, s.order) <= s.frame)
    .filter((s) => s.order === "big_endian" || s.start + s.length <= s.frame * 8);

  it("reads every layout (Intel/Motorola, signed/unsigned, 1–64 bits) like the reference", () => {
    fc.assert(
      fc.property(signalArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), (s, bytes) => {
        const db = dbc(
          `BO_ 100 M: ${s.frame} ECU\n SG_ S : ${s.start}|${s.length}@${s.order === "little_endian" ? 1 : 0}${s.signed ? "-" : "+"} (1,0) [0|0] "" ECU`,
        );
        const message = db.message("M")!;
        const data = bytes.subarray(0, s.frame);
        const want = referenceRaw(data, s.start, s.length, s.order, s.signed);
        const got = message.decode(data, { raw: true }).S;
        if (s.length > 53) expect(got).toBe(want);
        else expect(got).toBe(Number(want));
        // And back: encoding the raw value gives the same bits for this signal.
        const again = message.encode({ S: got! }, { raw: true });
        expect(referenceRaw(again, s.start, s.length, s.order, s.signed)).toBe(want);
      }),
      { numRuns: 600 },
    );
  });

  it("scales physical values and round-trips them through encode", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(0.1, 0.25, 1, 2, 0.01, -0.5),
        fc.constantFrom(0, -40, 100.5),
        (raw, factor, offset) => {
          const db = dbc(`BO_ 1 M: 8 ECU\n SG_ S : 7|16@0+ (${factor},${offset}) [0|0] "" ECU`);
          const m = db.message("M")!;
          const physical = m.encode({ S: raw }, { raw: true });
          const value = m.decode(physical).S as number;
          expect(value).toBe(raw * factor + offset);
          expect(m.decode(m.encode({ S: value }, { checkRange: false }), { raw: true }).S).toBe(raw);
        },
      ),
    );
  });
});

describe("value types", () => {
  it("decodes IEEE float32 and float64 signals (SIG_VALTYPE_ 1 and 2)", () => {
    const db = dbc(`BO_ 1 F: 12 ECU
 SG_ Single : 0|32@1- (1,0) [0|0] "" ECU
 SG_ Double : 32|64@1- (1,0) [0|0] "" ECU
SIG_VALTYPE_ 1 Single : 1;
SIG_VALTYPE_ 1 Double : 2;`);
    const m = db.message("F")!;
    const data = new Uint8Array(12);
    const view = new DataView(data.buffer);
    view.setFloat32(0, 1.9, true);
    view.setFloat64(4, -1234.5678e100, true);
    const out = m.decode(data);
    expect(out.Single).toBe(Math.fround(1.9));
    expect(out.Double).toBe(-1234.5678e100);
    expect(m.encode(out)).toEqual(data);
  });

  it("decodes Motorola float32 from big-endian bytes", () => {
    const db = dbc(`BO_ 1 F: 4 ECU
 SG_ Value : 7|32@0- (1,0) [0|0] "" ECU
SIG_VALTYPE_ 1 Value : 1;`);
    expect(db.message("F")!.decode(Uint8Array.of(0x3f, 0xc0, 0, 0)).Value).toBe(1.5);
  });

  it("returns signals wider than 53 bits as exact BigInt", () => {
    const db = dbc(`BO_ 1 W: 8 ECU
 SG_ Counter : 0|64@1+ (1,0) [0|0] "" ECU
 SG_ Offsetted : 0|64@1+ (2,-1) [0|0] "" ECU`);
    const m = db.message("W")!;
    const data = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe);
    const out = m.decode(data);
    expect(out.Counter).toBe(0xfeffffffffffffffn);
    expect(out.Offsetted).toBe(0xfeffffffffffffffn * 2n - 1n);
  });

  it("names values with choices (VAL_) only when asked, falling back to numbers", () => {
    const db = dbc(`BO_ 1 G: 1 ECU
 SG_ Gear : 0|3@1+ (1,0) [0|7] "" ECU
VAL_ 1 Gear 0 "P" 1 "R" 2 "N" 3 "D";`);
    const m = db.message("G")!;
    expect(m.decode(Uint8Array.of(3))).toEqual({ Gear: 3 });
    expect(m.decode(Uint8Array.of(3), { choices: true })).toEqual({ Gear: "D" });
    expect(m.decode(Uint8Array.of(6), { choices: true })).toEqual({ Gear: 6 });
    expect(m.encode({ Gear: "N" })).toEqual(Uint8Array.of(2));
  });
});

describe("multiplexing", () => {
  const db = dbc(`BO_ 200 Mux: 8 ECU
 SG_ Kind M : 0|8@1+ (1,0) [0|0] "" ECU
 SG_ Always : 56|8@1+ (1,0) [0|0] "" ECU
 SG_ Speed m1 : 8|16@1+ (0.1,0) [0|0] "km/h" ECU
 SG_ Temp m2 : 8|8@1+ (1,-40) [0|0] "degC" ECU
 SG_ Sub m3M : 8|8@1+ (1,0) [0|0] "" ECU
 SG_ Deep m3 : 16|8@1+ (1,0) [0|0] "" ECU
SG_MUL_VAL_ 200 Deep Sub 5-6;
SG_MUL_VAL_ 200 Sub Kind 3-3;`);

  it("decodes only the branch the selector picks", () => {
    const m = db.message("Mux")!;
    expect(m.isMultiplexed).toBe(true);
    expect(m.decode(Uint8Array.of(1, 0x10, 0x27, 0, 0, 0, 0, 9))).toEqual({
      Kind: 1,
      Always: 9,
      Speed: 1000,
    });
    expect(m.decode(Uint8Array.of(2, 0xff, 0, 0, 0, 0, 0, 9))).toEqual({ Kind: 2, Always: 9, Temp: 215 });
    expect(m.decode(Uint8Array.of(3, 5, 77, 0, 0, 0, 0, 9))).toEqual({
      Kind: 3,
      Always: 9,
      Sub: 5,
      Deep: 77,
    });
  });

  it("reads mN under several selectors as belonging to the one top-level M (no SG_MUL_VAL_)", () => {
    const speed = db.message("Mux")!.signal("Speed")!;
    expect(speed.multiplexerSignal).toBe("Kind");
    expect(speed.multiplexerIds).toEqual([1]);
  });

  it("omits the branch for an unknown selector value, or throws when asked", () => {
    const m = db.message("Mux")!;
    expect(m.decode(Uint8Array.of(9, 1, 2, 3, 4, 5, 6, 7))).toEqual({ Kind: 9, Always: 7 });
    expect(() => m.decode(Uint8Array.of(9, 1, 2, 3, 4, 5, 6, 7), { unknownMultiplexer: "error" })).toThrow(
      MultiplexerError,
    );
  });

  it("encodes the selected branch and refuses values of other branches", () => {
    const m = db.message("Mux")!;
    expect(m.encode({ Kind: 2, Always: 1, Temp: 20 })).toEqual(Uint8Array.of(2, 60, 0, 0, 0, 0, 0, 1));
    expect(() => m.encode({ Kind: 2, Always: 1, Temp: 20, Speed: 3 })).toThrow(
      /"Speed" is not part of this frame/,
    );
    expect(() => m.encode({ Kind: 7, Always: 1 })).toThrow(/selects no branch/);
  });

  it("follows cascaded selectors from SG_MUL_VAL_ ranges", () => {
    const cascaded = dbc(`BO_ 300 C: 8 ECU
 SG_ A M : 0|8@1+ (1,0) [0|0] "" ECU
 SG_ B m3M : 8|8@1+ (1,0) [0|0] "" ECU
 SG_ X m5 : 16|8@1+ (1,0) [0|0] "" ECU
SG_MUL_VAL_ 300 X B 5-6;
SG_MUL_VAL_ 300 B A 3-3;`);
    const m = cascaded.message("C")!;
    expect(m.decode(Uint8Array.of(3, 6, 42, 0, 0, 0, 0, 0))).toEqual({ A: 3, B: 6, X: 42 });
    expect(m.decode(Uint8Array.of(3, 7, 42, 0, 0, 0, 0, 0))).toEqual({ A: 3, B: 7 });
    expect(m.decode(Uint8Array.of(4, 6, 42, 0, 0, 0, 0, 0))).toEqual({ A: 4 });
  });
});

describe("frame length policy", () => {
  const m = dbc(`BO_ 1 L: 4 ECU
 SG_ First : 0|8@1+ (1,0) [0|0] "" ECU
 SG_ Last : 16|16@1+ (1,0) [0|0] "" ECU`).message("L")!;

  it("refuses a short frame by default, naming both lengths", () => {
    expect(() => m.decode(Uint8Array.of(1, 2, 3))).toThrow(FrameLengthError);
    expect(() => m.decode(Uint8Array.of(1, 2, 3))).toThrow(/3 byte\(s\) but the DBC says 4/);
  });

  it("decodes only signals wholly inside a short frame when truncating", () => {
    expect(m.decode(Uint8Array.of(1, 2, 3), { shortFrame: "truncate" })).toEqual({ First: 1 });
    expect(m.decode(new Uint8Array(0), { shortFrame: "truncate" })).toEqual({});
  });

  it("ignores extra bytes by default and refuses them when asked", () => {
    expect(m.decode(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toEqual({ First: 1, Last: 0x0403 });
    expect(() => m.decode(Uint8Array.of(1, 2, 3, 4, 5), { longFrame: "error" })).toThrow(FrameLengthError);
  });

  it("never reads a signal that lies past the DBC length from a frame of that length", () => {
    const db = dbc(`BO_ 2 Short: 1 ECU
 SG_ Outside : 8|8@1+ (1,0) [0|0] "" ECU`);
    const short = db.message("Short")!;
    expect(db.diagnostics.map((d) => d.code)).toContain("signal-outside-frame");
    expect(short.decode(Uint8Array.of(7))).toEqual({});
    expect(short.decode(Uint8Array.of(7, 9))).toEqual({ Outside: 9 });
  });
});

describe("encoding checks", () => {
  const m = dbc(`BO_ 1 E: 2 ECU
 SG_ Temp : 0|8@1+ (0.5,-40) [-40|80] "degC" ECU
 SG_ Flag : 8|1@1+ (1,0) [0|1] "" ECU
VAL_ 1 Flag 0 "Off" 1 "On";`).message("E")!;

  it("encodes physical values, choice names and padding", () => {
    expect(m.encode({ Temp: 20, Flag: "On" })).toEqual(Uint8Array.of(120, 1));
    expect(m.encode({ Temp: 20, Flag: 0 }, { padding: true })).toEqual(Uint8Array.of(120, 0xfe));
  });

  it("refuses missing, unknown, out-of-range and unrepresentable values with a clear error", () => {
    expect(() => m.encode({ Temp: 20 })).toThrow(/missing a value for signal Flag/);
    expect(() => m.encode({ Temp: 20, Flag: 1, Tmep: 3 })).toThrow(/"Tmep" is not part of this frame/);
    expect(() => m.encode({ Temp: 90, Flag: 1 })).toThrow(/above its maximum 80/);
    expect(() => m.encode({ Temp: 90, Flag: 1 }, { checkRange: false })).toThrow(
      /does not fit in 8 unsigned bits/,
    );
    expect(() => m.encode({ Temp: 20, Flag: "Maybe" })).toThrow(EncodeError);
    expect(() => m.encode({ Temp: 20, Flag: 0.5 }, { raw: true })).toThrow(/not an integer/);
  });
});

describe("generated code safety", () => {
  it("keeps a signal named __proto__ as an own property without touching the prototype", () => {
    const m = dbc(`BO_ 1 P: 2 ECU
 SG_ __proto__ : 0|8@1+ (1,0) [0|0] "" ECU
 SG_ constructor : 8|8@1+ (1,0) [0|0] "" ECU`).message("P")!;
    const out = m.decode(Uint8Array.of(5, 6));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toBe(5);
    expect(out.constructor).toBe(6);
    const truncated = m.decode(Uint8Array.of(5), { shortFrame: "truncate" });
    expect(Object.getOwnPropertyDescriptor(truncated, "__proto__")?.value).toBe(5);
  });
});
