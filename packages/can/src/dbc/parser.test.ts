import { describe, expect, it } from "vitest";
import { DbcSemanticError, DbcSyntaxError } from "../errors.ts";
import { parseDbc } from "./parser.ts";

const FULL = `VERSION "1.2"

NS_ :
	NS_DESC_
	CM_
	BA_DEF_
	SG_MUL_VAL_

BS_:

BU_: Engine Gateway Dash
VAL_TABLE_ OnOff 1 "On" 0 "Off" ;

BO_ 2566844926 EEC1: 8 Engine
 SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" Gateway,Dash
 SG_ Torque : 16|8@1- (1,-125) [-125|125] "%" Gateway

BO_ 1024 Lights: 2 Gateway
 SG_ Headlights : 0|1@1+ (1,0) [0|1] "" Dash
 SG_ Level : 15|4@0+ (1,0) [0|15] "" Dash

BO_TX_BU_ 1024 : Gateway,Engine;

CM_ "Network of a test vehicle";
CM_ BU_ Engine "Engine control unit";
CM_ BO_ 1024 "Exterior lights, sent on change.";
CM_ SG_ 2566844926 EngineSpeed "Actual engine speed
over two lines";
BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","reserved","J1939PG";
BA_DEF_ SG_ "SPN" INT 0 524287;
BA_DEF_ "BusType" STRING ;
BA_DEF_ BU_ "NodeLayerModules" STRING ;
BA_DEF_DEF_ "GenMsgCycleTime" 0;
BA_DEF_DEF_ "VFrameFormat" "StandardCAN";
BA_DEF_DEF_ "SPN" 0;
BA_DEF_DEF_ "BusType" "CAN";
BA_ "BusType" "CAN FD";
BA_ "GenMsgCycleTime" BO_ 2566844926 20;
BA_ "VFrameFormat" BO_ 2566844926 3;
BA_ "SPN" SG_ 2566844926 EngineSpeed 190;
BA_ "NodeLayerModules" BU_ Engine "CANoeILNVector.dll";
VAL_ 1024 Headlights 1 "On" 0 "Off" ;
SIG_GROUP_ 1024 Exterior 1 : Headlights Level;
`;

describe("parseDbc: the grammar used in practice", () => {
  const db = parseDbc(FULL, { file: "vehicle.dbc" });

  it("reads version, nodes, messages, senders and receivers", () => {
    expect(db.version).toBe("1.2");
    expect(db.nodes.map((n) => n.name)).toEqual(["Engine", "Gateway", "Dash"]);
    const eec1 = db.message("EEC1")!;
    expect(eec1).toMatchObject({ extended: true, length: 8, senders: ["Engine"] });
    expect(eec1.id).toBe(2566844926 - 0x80000000);
    expect(db.message("Lights")!.senders).toEqual(["Gateway", "Engine"]);
    expect(eec1.signal("EngineSpeed")).toMatchObject({
      startBit: 24,
      length: 16,
      byteOrder: "little_endian",
      signed: false,
      factor: 0.125,
      offset: 0,
      minimum: 0,
      maximum: 8031.875,
      unit: "rpm",
      receivers: ["Gateway", "Dash"],
    });
    expect(eec1.signal("Torque")).toMatchObject({ signed: true, offset: -125 });
    expect(db.message("Lights")!.signal("Level")!.byteOrder).toBe("big_endian");
  });

  it("reads comments (including multi-line), attributes with defaults, and cycle times", () => {
    expect(db.comment).toBe("Network of a test vehicle");
    expect(db.nodes[0]!.comment).toBe("Engine control unit");
    expect(db.message("Lights")!.comment).toBe("Exterior lights, sent on change.");
    expect(db.message("EEC1")!.signal("EngineSpeed")!.comment).toBe("Actual engine speed\nover two lines");
    expect(db.attributes).toEqual({ BusType: "CAN FD" });
    expect(db.message("EEC1")!.signal("EngineSpeed")!.attributes).toEqual({ SPN: 190 });
    expect(db.nodes[0]!.attributes).toEqual({ NodeLayerModules: "CANoeILNVector.dll" });
    expect(db.message("EEC1")!.cycleTime).toBe(20);
    expect(db.message("Lights")!.cycleTime).toBeUndefined();
    expect(db.message("EEC1")!.frameFormat).toBe("J1939PG");
    expect(db.message("Lights")!.frameFormat).toBe("StandardCAN");
    expect(db.attributeDefinitions.get("GenMsgCycleTime")).toMatchObject({
      objectType: "message",
      valueType: "INT",
      defaultValue: 0,
    });
  });

  it("reads value tables, choices and signal groups", () => {
    expect([...db.valueTables.get("OnOff")!]).toEqual([
      [1, "On"],
      [0, "Off"],
    ]);
    expect(db.message("Lights")!.signal("Headlights")!.choices!.get(1)).toBe("On");
    expect(db.message("Lights")!.signalGroups).toEqual([
      { name: "Exterior", repetitions: 1, signalNames: ["Headlights", "Level"] },
    ]);
  });

  it("finds frames by id, with or without the extended flag given", () => {
    expect(db.messageById(0x400)!.name).toBe("Lights");
    expect(db.messageById(2566844926 - 0x80000000)!.name).toBe("EEC1");
    expect(db.messageById(0x400, true)).toBeUndefined();
    expect(db.decodeFrame({ id: 0x400, data: Uint8Array.of(1, 0x50) })!.signals).toEqual({
      Headlights: 1,
      Level: 5,
    });
    expect(db.decodeFrame({ id: 0x401, data: Uint8Array.of(1, 0) })).toBeUndefined();
  });

  it("has no diagnostics for a clean file", () => {
    expect(db.diagnostics).toEqual([]);
  });

  it("reads environment variables, CAN FD lengths and long names", () => {
    const other = parseDbc(`BU_: A
BO_ 1 ShortName: 64 A
 SG_ S1 : 0|8@1+ (1,0) [0|0] "" A
EV_ Speed: 1 [0|300] "km/h" 0 12 DUMMY_NODE_VECTOR0 A;
BA_DEF_ BO_ "SystemMessageLongSymbol" STRING ;
BA_DEF_ SG_ "SystemSignalLongSymbol" STRING ;
BA_ "SystemMessageLongSymbol" BO_ 1 "AMessageNameLongerThanThirtyTwoCharacters";
BA_ "SystemSignalLongSymbol" SG_ 1 S1 "ASignalNameLongerThanThirtyTwoCharacters";
CM_ EV_ Speed "Vehicle speed";
VAL_ Speed 0 "Stopped";
`);
    const m = other.message("AMessageNameLongerThanThirtyTwoCharacters")!;
    expect(m.dbcName).toBe("ShortName");
    expect(m.length).toBe(64);
    expect(m.decode(new Uint8Array(64).fill(3))).toEqual({ ASignalNameLongerThanThirtyTwoCharacters: 3 });
    expect(other.environmentVariables[0]).toMatchObject({
      name: "Speed",
      maximum: 300,
      unit: "km/h",
      comment: "Vehicle speed",
    });
    expect(other.environmentVariables[0]!.choices!.get(0)).toBe("Stopped");
  });
});

describe("parseDbc: errors carry file, line and column", () => {
  it("points at the offending token", () => {
    const text = `BO_ 1 M: 8 A\n SG_ S : 0|8@2+ (1,0) [0|0] "" A\n`;
    try {
      parseDbc(text, { file: "bad.dbc" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DbcSyntaxError);
      const e = error as DbcSyntaxError;
      expect(e.location).toEqual({ file: "bad.dbc", line: 2, column: 14 });
      expect(e.message).toMatch(
        /^bad\.dbc:2:14: expected a byte order \(0 Motorola, 1 Intel\), found the number 2\./,
      );
    }
  });

  it("reports an unterminated string where it starts", () => {
    expect(() => parseDbc(`VERSION "abc\n\nBU_: A\n`, { file: "x.dbc" })).toThrow(
      /x\.dbc:1:9: expected a closing " for this string, found the end of the file/,
    );
  });

  it("reports a character outside the grammar", () => {
    expect(() => parseDbc(`BU_: A\nBO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|0] "" A $\n`)).toThrow(
      /<dbc>:3:34: .*"\$"/,
    );
  });

  it("refuses a signal that is not inside a message", () => {
    expect(() => parseDbc(`BU_: A\nCM_ "x";\n SG_ S : 0|8@1+ (1,0) [0|0] "" A\n`)).toThrow(
      /3:2: expected SG_ only inside a message/,
    );
  });
});

describe("parseDbc: real-world defects load with diagnostics, strict mode refuses them", () => {
  const defective = `BU_: A
BO_ 1 M: 8 A
 SG_ S m : 0|8@1+ (.25,0) [0|0] "" A
 SG_ T : 4|8@1+ (1,0) [0|0] "" A
BO_ 2 N: 1 A
 SG_ U : 8|8@1+ (1,0) [0|0] "" A
BO_ 4660 Big: 8 A
CM_ SG_ 1 "comment without its signal name";
VAL_ 1 S 0 "zero" 1 "one"
VAL_ 9 Missing 0 "x";
`;

  it("loads, recording what it skipped and why", () => {
    const db = parseDbc(defective, { file: "opendbc-like.dbc" });
    expect(db.message("M")!.signal("S")!.factor).toBe(0.25);
    expect(db.message("M")!.signal("S")!.choices!.get(1)).toBe("one");
    expect(db.message("Big")).toMatchObject({ id: 4660, extended: true });
    const codes = db.diagnostics.map((d) => `${d.location.line}:${d.code}`);
    expect(codes).toEqual([
      "3:multiplexer-invalid",
      "4:signals-overlap",
      "6:signal-outside-frame",
      "7:nonstandard-extended-id",
      "8:statement-skipped",
      "10:missing-semicolon",
      "10:unknown-message",
    ]);
  });

  it("throws the first of them in strict mode", () => {
    expect(() => parseDbc(defective, { file: "opendbc-like.dbc", strict: true })).toThrow(DbcSyntaxError);
    const overlapping = defective.split("\n").slice(0, 4).join("\n").replace(" m :", " :");
    expect(() => parseDbc(overlapping, { file: "f.dbc", strict: true })).toThrow(
      /f\.dbc:4:2: Signals S and T of message M share bits/,
    );
    try {
      parseDbc(`BO_ 3221225471 X: 8 A\n`, { strict: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DbcSemanticError);
      expect((error as DbcSemanticError).code).toBe("frame-id-out-of-range");
    }
  });

  it("bounds what a hostile file can make us allocate", () => {
    const db = parseDbc(`BO_ 1 Huge: 1000000 A
 SG_ Sel M : 0|8@1+ (1,0) [0|0] "" A
 SG_ X m0 : 8|8@1+ (1,0) [0|0] "" A
SG_MUL_VAL_ 1 X Sel 0-1000000;
`);
    expect(db.diagnostics.map((d) => d.code)).toEqual(["message-length-invalid", "multiplexer-invalid"]);
    const huge = db.message("Huge")!;
    expect(huge.signal("X")!.multiplexerIds).toEqual([0]);
    expect(() => huge.encode({ Sel: 0, X: 1 })).toThrow(/CAN FD frames carry at most 64/);
  });

  it("keeps Vector's VECTOR__INDEPENDENT_SIG_MSG apart from the frames", () => {
    const db = parseDbc(`BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX
 SG_ Orphan : 0|8@1+ (1,0) [0|0] "" Vector__XXX
`);
    expect(db.messages).toEqual([]);
    expect(db.independentSignals.map((s) => s.name)).toEqual(["Orphan"]);
  });
});
