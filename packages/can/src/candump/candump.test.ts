import { describe, expect, it } from "vitest";
import { CandumpParseError } from "../errors.ts";
import { type CanFrame, formatCandumpLine, parseCandumpLine, readCandump } from "./candump.ts";

describe("candump lines", () => {
  it("reads the log format (candump -L)", () => {
    expect(parseCandumpLine("(1436509052.249713) vcan0 044#2A366C2BBA")).toEqual({
      timestamp: 1436509052.249713,
      interface: "vcan0",
      id: 0x44,
      extended: false,
      data: Uint8Array.of(0x2a, 0x36, 0x6c, 0x2b, 0xba),
    });
    expect(parseCandumpLine("can1 18DAF110#0341057B")).toMatchObject({ id: 0x18daf110, extended: true });
    expect(parseCandumpLine("(1.5) can0 123#")).toMatchObject({ data: new Uint8Array(0), timestamp: 1.5 });
    expect(parseCandumpLine("(1.5) can0 123#R")).toMatchObject({ remote: true, data: new Uint8Array(0) });
    expect(parseCandumpLine("(1.5) can0 123#11.22.33")).toMatchObject({
      data: Uint8Array.of(0x11, 0x22, 0x33),
    });
  });

  it("reads CAN FD frames with their flags", () => {
    const frame = parseCandumpLine(`(0.000100) can0 12345678##1${"AB".repeat(12)}`);
    expect(frame).toMatchObject({ id: 0x12345678, extended: true, fd: true, fdFlags: 1 });
    expect(frame.data.length).toBe(12);
  });

  it("reads the screen format, with or without a timestamp", () => {
    expect(parseCandumpLine("  can0  123   [4]  DE AD BE EF")).toMatchObject({
      id: 0x123,
      interface: "can0",
      data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
    });
    expect(parseCandumpLine(" (1436509052.249713)  can0  18DAF110   [2]  01 02")).toMatchObject({
      timestamp: 1436509052.249713,
      extended: true,
    });
    expect(parseCandumpLine("  can0  123   [0]  remote request")).toMatchObject({ remote: true });
  });

  it("marks error frames (CAN_ERR_FLAG in the id)", () => {
    expect(parseCandumpLine("can0 20000004#0004000000000000")).toMatchObject({ error: true, id: 4 });
  });

  it("refuses what is not a frame, saying why", () => {
    const bad: [string, RegExp][] = [
      ["hello world", /no `id#data`/],
      ["can0 123#ABC", /not whole hex bytes/],
      ["can0 800#00", /standard id 800 is more than 11 bits/],
      ["can0 123#0102030405060708090A", /10 bytes in a classic CAN frame/],
      [`can0 123##1${"00".repeat(9)}`, /9 bytes is not a CAN FD length/],
      ["can0  123   [4]  DE AD BE", /\[4\] announces 4 bytes but 3 follow/],
    ];
    for (const [line, why] of bad) {
      expect(() => parseCandumpLine(line)).toThrow(CandumpParseError);
      expect(() => parseCandumpLine(line)).toThrow(why);
    }
  });

  it("writes lines that read back to the same frame", () => {
    const frames: CanFrame[] = [
      {
        timestamp: 1436509052.249713,
        interface: "vcan0",
        id: 0x44,
        extended: false,
        data: Uint8Array.of(0x2a, 0x36),
      },
      { interface: "can0", id: 0x18daf110, extended: true, data: Uint8Array.of(1, 2, 3) },
      {
        interface: "can0",
        id: 0x7df,
        extended: false,
        data: new Uint8Array(16).fill(0xaa),
        fd: true,
        fdFlags: 1,
      },
      { interface: "can0", id: 0x100, extended: false, data: new Uint8Array(0), remote: true },
    ];
    for (const f of frames) expect(parseCandumpLine(formatCandumpLine(f))).toEqual(f);
    expect(formatCandumpLine(frames[0]!)).toBe("(1436509052.249713) vcan0 044#2A36");
    expect(formatCandumpLine(frames[2]!)).toBe(`can0 7DF##1${"AA".repeat(16)}`);
  });

  it("reads a whole log, reporting bad lines with their number and going on", async () => {
    const entries = [];
    for await (const e of readCandump("(1.0) can0 123#01\n\nnot a frame\r\n(2.0) can0 124#02\n"))
      entries.push(e);
    expect(entries.map((e) => [e.line, e.frame?.id, e.error?.name])).toEqual([
      [1, 0x123, undefined],
      [3, undefined, "CandumpParseError"],
      [4, 0x124, undefined],
    ]);
  });
});
