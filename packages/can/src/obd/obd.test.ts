import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { segmentsExtent, signalSegments } from "../codec/layout.ts";
import { ObdError } from "../errors.ts";
import { FormulaSet, formatPidFormula, parsePidFormula } from "./formula.ts";
import { IsoTpReceiver, segmentIsoTp } from "./isotp.ts";
import {
  buildObdRequest,
  buildObdResponse,
  decodeObdResponse,
  isObdResponseId,
  obdRequestIdFor,
} from "./obd.ts";
import { OBD_PIDS, obdPid } from "./pids.ts";

const hex = (h: string) => Uint8Array.from(h.replace(/ /g, "").match(/../g)!, (b) => Number.parseInt(b, 16));

describe("requests", () => {
  it("builds functional single-frame requests on 11- and 29-bit ids", () => {
    expect(buildObdRequest(0x0c)).toEqual({ id: 0x7df, extended: false, data: hex("02010c0000000000") });
    expect(buildObdRequest([0x0c, 0x0d], { extended: true, padding: 0x55 })).toEqual({
      id: 0x18db33f1,
      extended: true,
      data: hex("03010c0d55555555"),
    });
  });

  it("refuses requests no ECU could answer", () => {
    expect(() => buildObdRequest([])).toThrow(/1 to 6 PIDs, not 0/);
    expect(() => buildObdRequest([1, 2, 3, 4, 5, 6, 7])).toThrow(ObdError);
    expect(() => buildObdRequest(0x100)).toThrow(/bytes \(0–255\); got 256/);
  });

  it("knows the response and flow-control ids", () => {
    expect(isObdResponseId(0x7e8, false)).toBe(true);
    expect(isObdResponseId(0x7df, false)).toBe(false);
    expect(isObdResponseId(0x18daf110, true)).toBe(true);
    expect(obdRequestIdFor(0x7e9, false)).toBe(0x7e1);
    expect(obdRequestIdFor(0x18daf110, true)).toBe(0x18da10f1);
  });
});

describe("responses", () => {
  it("decodes standard PIDs to physical values (worked examples of SAE J1979)", () => {
    const r = decodeObdResponse(hex("410c1af8"));
    expect(r).toMatchObject({ kind: "values", service: 1 });
    if (r.kind !== "values") throw new Error("unreachable");
    expect(r.values[0]!.values).toEqual({ engineSpeed: 1726 });
    const temp = decodeObdResponse(hex("41057b"));
    expect(temp.kind === "values" && temp.values[0]!.values).toEqual({ coolantTemperature: 83 });
  });

  it("splits a response that answers several PIDs", () => {
    const r = decodeObdResponse(hex("410c1af80d32 05 7b".replace(/ /g, "")));
    expect(r.kind === "values" && r.values.map((v) => v.values)).toEqual([
      { engineSpeed: 1726 },
      { vehicleSpeed: 50 },
      { coolantTemperature: 83 },
    ]);
  });

  it("lists supported PIDs", () => {
    const r = decodeObdResponse(hex("4100be1fa813"));
    expect(r.kind === "values" && r.values[0]!.supported).toEqual([
      0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x15, 0x1c, 0x1f, 0x20,
    ]);
  });

  it("reports negative responses and refuses truncated ones", () => {
    expect(decodeObdResponse(hex("7f0112"))).toEqual({ kind: "negative", service: 1, code: 0x12 });
    expect(() => decodeObdResponse(hex("410c1a"))).toThrow(/needs 2 data byte\(s\); the response has 1/);
  });

  it("builds ECU responses that decode back (for simulators)", () => {
    const frame = buildObdResponse(0x0c, { engineSpeed: 2500.25 });
    expect(frame).toMatchObject({ id: 0x7e8, extended: false });
    expect(frame.data.subarray(0, 5)).toEqual(hex("04410c2711"));
    const r = decodeObdResponse(frame.data.subarray(1, 1 + frame.data[0]!));
    expect(r.kind === "values" && r.values[0]!.values).toEqual({ engineSpeed: 2500.25 });
  });
});

describe("ISO-TP", () => {
  it("reassembles a multi-frame answer and asks for the rest with flow control", () => {
    // Service 09 PID 02 (VIN) as in ISO 15765-4's example exchange.
    const rx = new IsoTpReceiver();
    const first = rx.push(hex("1014490201314434"));
    expect(first).toMatchObject({ kind: "first", length: 20 });
    expect(first.kind === "first" && first.flowControl).toEqual(hex("3000000000000000"));
    expect(rx.push(hex("2147503030523535"))).toMatchObject({ kind: "partial", received: 13 });
    const done = rx.push(hex("2242313233343536"));
    expect(done.kind).toBe("message");
    if (done.kind !== "message") throw new Error("unreachable");
    expect(new TextDecoder().decode(done.payload.subarray(3))).toBe("1D4GP00R55B123456");
  });

  it("drops a message whose frames come out of order", () => {
    const rx = new IsoTpReceiver();
    rx.push(hex("1014490201314434"));
    expect(rx.push(hex("2242313233343536"))).toEqual({
      kind: "error",
      reason: "consecutive frame 2 where 1 was due",
    });
    expect(rx.push(hex("2147503030523535"))).toEqual({
      kind: "error",
      reason: "consecutive frame without a first frame",
    });
  });

  it("segments and reassembles payloads of any length", () => {
    for (const n of [1, 7, 8, 13, 100, 4095]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      const rx = new IsoTpReceiver();
      let result: Uint8Array | undefined;
      for (const f of segmentIsoTp(payload)) {
        const e = rx.push(f);
        if (e.kind === "message") result = e.payload;
        expect(e.kind).not.toBe("error");
      }
      expect(result).toEqual(payload);
    }
    expect(() => segmentIsoTp(new Uint8Array(4096))).toThrow(ObdError);
  });
});

describe("DIMO PID formulas", () => {
  it("parses, formats and decodes a formula over the response frame", () => {
    const text = 'dbc: 31|16@0+ (0.25,0) [0|16383.75] "rpm"';
    const formula = parsePidFormula(text);
    expect(formula).toEqual({
      startBit: 31,
      length: 16,
      byteOrder: "big_endian",
      signed: false,
      factor: 0.25,
      offset: 0,
      minimum: 0,
      maximum: 16383.75,
      unit: "rpm",
    });
    expect(formatPidFormula(formula)).toBe(text);
    expect(new FormulaSet({ rpm: formula }).decode(hex("04410c1af8aaaaaa"))).toEqual({ rpm: 1726 });
  });

  it("says where a malformed formula goes wrong", () => {
    expect(() => parsePidFormula("dbc: 31|16@0+ (0.25,0) [0|16383.75] rpm")).toThrow(
      /expected a quoted unit at column 37/,
    );
    expect(() => parsePidFormula('dbc: 31 16@0+ (1,0) [0|1] ""')).toThrow(/expected "\|" at column 9/);
    expect(() => parsePidFormula('dbc: 31|16@2+ (1,0) [0|1] ""')).toThrow(/expected a byte order/);
    expect(() => parsePidFormula('31|16@0+ (1,0) [0|1] ""')).toThrow(/expected "dbc:" at column 1/);
    expect(() => parsePidFormula('dbc: 31|99@0+ (1,0) [0|1] ""')).toThrow(/a length of 1 to 64 bits/);
  });
});

describe("the standard PID table", () => {
  // DIMO's naming rule (model-garage VSSToJSONName): Vehicle.OBD.MAP → obdMAP.
  const nameOf = (path: string) => {
    const [first = "", ...rest] = path.split(".").slice(1);
    const upper = /^[A-Z]*/.exec(first.slice(1))?.[0].length ?? 0;
    return first.slice(0, 1 + upper).toLowerCase() + first.slice(1 + upper) + rest.join("");
  };
  const csv = readFileSync(
    fileURLToPath(
      new URL("../../../../../shared/reference/signals/vss_rel_4.2-DIMO-7fad33e.csv", import.meta.url),
    ),
    "utf8",
  );
  const catalogue = new Set(
    [...csv.matchAll(/^"(Vehicle\.[^"]+)","(sensor|actuator|attribute)"/gm)].map((m) => nameOf(m[1]!)),
  );

  it("has formulas that parse and fit each PID's data bytes", () => {
    for (const pid of OBD_PIDS) {
      for (const field of pid.fields) {
        const f = parsePidFormula(field.formula);
        const extent = segmentsExtent(signalSegments(f.startBit, f.length, f.byteOrder));
        expect(extent, `${pid.name}.${field.name}`).toBeLessThanOrEqual(3 + pid.bytes);
      }
    }
    expect(obdPid(0xa6)!.fields[0]!.formula).toBe('dbc: 31|32@0+ (0.1,0) [0|429496729.5] "km"');
  });

  it("suggests only catalogue signals that exist", () => {
    expect(catalogue.has("powertrainCombustionEngineSpeed")).toBe(true);
    const unknown = OBD_PIDS.flatMap((p) =>
      p.fields.filter((f) => f.signal && !catalogue.has(f.signal)).map((f) => f.signal),
    );
    expect(unknown).toEqual([]);
  });
});
