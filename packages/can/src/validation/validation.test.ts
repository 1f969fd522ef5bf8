import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeDbcBytes } from "../dbc/file.ts";
import { parseDbc } from "../dbc/parser.ts";
import {
  CRC8_H2F,
  CRC8_J1850,
  CRC16_XMODEM,
  chryslerChecksum,
  detectChecksumFamily,
  hondaChecksum,
  hyundaiCanFdChecksum,
  subaruChecksum,
  teslaChecksum,
  toyotaChecksum,
  vwPqChecksum,
} from "./checksums.ts";
import { FrameValidator } from "./frame-validator.ts";
import { MessageTimeouts } from "./timeouts.ts";

const corpus = fileURLToPath(new URL("../../../../../shared/conformance/dbc/", import.meta.url));
const opendbc = (path: string) =>
  parseDbc(decodeDbcBytes(readFileSync(`${corpus}opendbc/${path}`)), { file: path.split("/").pop()! });
const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => Number.parseInt(b, 16));
const field = { startBit: 0, length: 8 };

describe("CRC tables", () => {
  // Standard check values of the CRC catalogue (input "123456789").
  const check = new TextEncoder().encode("123456789");
  it("CRC-8/AUTOSAR (poly 0x2F, init/xorout 0xFF) checks to 0xDF", () => {
    let crc = 0xff;
    for (const b of check) crc = CRC8_H2F[crc ^ b]!;
    expect(crc ^ 0xff).toBe(0xdf);
  });
  it("CRC-8/SAE-J1850 (poly 0x1D, init/xorout 0xFF) checks to 0x4B", () => {
    let crc = 0xff;
    for (const b of check) crc = CRC8_J1850[crc ^ b]!;
    expect(crc ^ 0xff).toBe(0x4b);
  });
  it("CRC-16/XMODEM checks to 0x31C3", () => {
    let crc = 0;
    for (const b of check) crc = ((crc << 8) ^ CRC16_XMODEM[(crc >> 8) ^ b]!) & 0xffff;
    expect(crc).toBe(0x31c3);
  });
});

describe("checksums on recorded frames", () => {
  it("VW MQB (E2E profile 2): every recorded LWI_01, ACC_02 and ESP_05 frame validates", () => {
    // Frames recorded from cars, one per counter value (opendbc's checksum test data).
    const recorded: Record<string, string[]> = {
      LWI_01: [
        "6b00bd0000000000",
        "ee010a0000000000",
        "d802a90000000000",
        "0303bea212000000",
        "7b04312003000000",
        "8b05e28509000000",
        "6306132100000000",
        "6607050000000000",
        "49080d0000000000",
        "5f097e6001000000",
        "af0a722000000000",
        "590b1b0000000000",
        "a80c060000000000",
        "bc0d722000000000",
        "f90e0f0000000000",
        "600f62c000000000",
      ],
      ACC_02: [
        "82f03f0040300040",
        "e6f13f0040300040",
        "4af23f0040300040",
        "2ef33f0040300040",
        "3df43f0040300040",
        "59f53f0040300040",
        "f5f63f0040300040",
        "91f73f0040300040",
        "d3f83f0040300040",
        "b7f93f0040300040",
        "1bfa3f0040300040",
        "7ffb3f0040300040",
        "6cfc3f0040300040",
        "08fd3f0040300040",
        "a4fe3f0040300040",
        "c0ff3f0040300040",
      ],
      ESP_05: [
        "9080640000 00e710",
        "f481640000 00e710",
        "9082630000 00e810",
        "a083630000 00e610",
        "e784630000 00e810",
        "2e85780400 00ea30",
        "7b86630000 00e610",
        "7187790400 00d030",
        "5088790400 00ea30",
        "8189640000 00e110",
        "6a8a680000 04d010",
        "178b6a0400 00e610",
        "c78c630000 00d110",
        "538d640400 00e210",
        "248e630000 00e710",
        "3f8f820400 00e630",
      ],
    };
    const db = opendbc("dbc/vw_mqb.dbc");
    const validator = new FrameValidator(db);
    expect(validator.family).toBe("vw-mqb");
    for (const [name, frames] of Object.entries(recorded)) {
      const message = db.message(name)!;
      for (const f of frames) {
        const check = validator.check(message, hex(f.replace(/ /g, "")));
        expect(check.checksum, `${name} ${f}`).toBe("ok");
        expect(check.valid).toBe(true);
      }
    }
    // One flipped bit is caught.
    const bad = hex("6b00bd0000000001");
    expect(new FrameValidator(db).check(db.message("LWI_01")!, bad)).toMatchObject({
      checksum: "mismatch",
      valid: false,
    });
  });

  it("FCA Giorgio (CRC-8 J1850 with per-message XOR): recorded EPS and ABS frames validate", () => {
    const db = opendbc("dbc/fca_giorgio.dbc");
    const validator = new FrameValidator(db);
    expect(validator.family).toBe("fca-giorgio");
    const recorded: [string, string][] = [
      ["EPS_1", "175197cc00df"],
      ["EPS_1", "175197c901a3"],
      ["EPS_1", "175197cc02e5"],
      ["EPS_2", "7c43576000 00a1"],
      ["EPS_2", "7c6358e00001d5"],
      ["EPS_3", "7b3000f8"],
      ["EPS_3", "7b100190"],
      ["ABS_2", "7e38007d10318032"],
      ["ABS_2", "7e38007d1031812f"],
    ];
    for (const [name, f] of recorded) {
      expect(validator.check(db.message(name)!, hex(f.replace(/ /g, ""))).checksum, `${name} ${f}`).toBe(
        "ok",
      );
    }
  });

  it("Hyundai CAN FD (CRC-16/XMODEM over payload and id): recorded 32-byte frames of 0x31A validate", () => {
    for (const f of [
      "fa7c10f0f0ffff03898aff0b0a8678ff000000007e0055550000000000000000",
      "ac0e11f0f0ffff03898aff0c0a8678ff000000007e0055550000000000000000",
    ]) {
      const d = hex(f);
      expect(hyundaiCanFdChecksum(0x31a, d, { startBit: 0, length: 16 })).toBe(d[0]! | (d[1]! << 8));
    }
  });

  it("Chrysler (bitwise CRC-8): known good frames", () => {
    // From openpilot's early Chrysler port: 14 00 00 00 20 | cc and 01 20 | 75.
    expect(chryslerChecksum(0x292, hex("14000000 20cc".replace(/ /g, "")), field)).toBe(0xcc);
    expect(chryslerChecksum(0x292, hex("012075"), field)).toBe(0x75);
  });

  it("simple sums, worked by hand", () => {
    // Toyota: length 5 + id bytes 0x02 + 0xE4 + payload 0x80 (checksum byte excluded) = 0x16B.
    expect(toyotaChecksum(0x2e4, hex("800000006b"), field)).toBe(0x6b);
    // Honda: id nibbles 3+3+D = 19, payload nibbles 4+1 (last byte's high nibble 2) → 8 − 25 = −17 → 0xF.
    expect(hondaChecksum(0x33d, hex("41000000" + "2f"), field)).toBe((8 - (3 + 3 + 13) - (4 + 1) - 2) & 0xf);
    // Honda extended ids add 3.
    expect(hondaChecksum(0x33da, hex("0000000000"), field)).toBe((8 - (3 + 3 + 13 + 10) + 3) & 0xf);
    // Subaru: id bytes 0x01 + 0x19 + payload after byte 0 (0x10 + 0x20).
    expect(subaruChecksum(0x119, hex("ff1020"), field)).toBe(0x1a + 0x30);
    // Tesla: id bytes + every byte except the checksum's (byte 0 here).
    expect(teslaChecksum(0x129, hex("aa0102"), field)).toBe((0x29 + 0x01 + 0x01 + 0x02) & 0xff);
    // VW PQ: XOR of every byte except the checksum's.
    expect(vwPqChecksum(0x1a0, hex("ff0f33"), field)).toBe(0x0f ^ 0x33);
  });

  it("detects the family from opendbc file names", () => {
    expect(detectChecksumFamily("honda_civic_touring_2016_can_generated.dbc")).toBe("honda");
    expect(detectChecksumFamily("opendbc/generated/toyota_nodsu_pt_generated.dbc")).toBe("toyota");
    expect(detectChecksumFamily("hyundai_canfd_generated")).toBe("hyundai-canfd");
    expect(detectChecksumFamily("vw_meb_generated.dbc")).toBe("vw-mqb");
    expect(detectChecksumFamily("subaru_global_2017_generated.dbc")).toBe("subaru");
    expect(detectChecksumFamily("my_car.dbc")).toBeUndefined();
  });
});

describe("counters", () => {
  it("accepts a rolling counter, tolerates drops, and fails after five errors in a row", () => {
    const db = opendbc("dbc/vw_mqb.dbc");
    const validator = new FrameValidator(db, { family: null });
    const message = db.message("LWI_01")!;
    const frame = (counter: number) => Uint8Array.of(0, counter & 0x0f, 0, 0, 0, 0, 0, 0);
    expect(validator.check(message, frame(14)).counter).toBe("first");
    expect(validator.check(message, frame(15)).counter).toBe("ok");
    expect(validator.check(message, frame(0)).counter).toBe("ok"); // wraps at 4 bits
    expect(validator.check(message, frame(2))).toMatchObject({ counter: "skipped", valid: true });
    for (const c of [9, 3, 12]) expect(validator.check(message, frame(c)).valid).toBe(true);
    expect(validator.check(message, frame(7))).toMatchObject({ counter: "skipped", valid: false }); // fifth error
    // Each good frame earns one error back.
    expect(validator.check(message, frame(8))).toMatchObject({ counter: "ok", valid: true });
  });

  it("refuses an unknown family by name", () => {
    const db = opendbc("dbc/vw_mqb.dbc");
    expect(() => new FrameValidator(db, { family: "saab" as never })).toThrow(
      /Unknown checksum family "saab"/,
    );
  });
});

describe("timeouts from cycle times", () => {
  it("reports a message overdue after ten cycle times of silence", () => {
    const db = parseDbc(`BU_: A
BO_ 1 Fast: 1 A
 SG_ S : 0|8@1+ (1,0) [0|0] "" A
BO_ 2 Slow: 1 A
 SG_ S : 0|8@1+ (1,0) [0|0] "" A
BO_ 3 Event: 1 A
 SG_ S : 0|8@1+ (1,0) [0|0] "" A
BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
BA_DEF_DEF_ "GenMsgCycleTime" 0;
BA_ "GenMsgCycleTime" BO_ 1 10;
BA_ "GenMsgCycleTime" BO_ 2 1000;
`);
    const timeouts = new MessageTimeouts(db.messages);
    expect(timeouts.messages.map((m) => m.name)).toEqual(["Fast", "Slow"]);
    timeouts.seen(db.message("Fast")!, 0);
    expect(timeouts.overdue(100)).toEqual([]);
    expect(timeouts.overdue(101).map((o) => o.message.name)).toEqual(["Fast"]);
    timeouts.seen(db.message("Fast")!, 150);
    expect(timeouts.overdue(10_001).map((o) => [o.message.name, o.lastSeen, o.thresholdMs])).toEqual([
      ["Fast", 150, 100],
      ["Slow", undefined, 10_000],
    ]);
  });
});
