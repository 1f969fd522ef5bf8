/**
 * DIMO's PID formula: a one-signal DBC definition applied to an OBD-II response frame,
 * `dbc: <startbit>|<len>@<order><sign> (<factor>,<offset>) [<min>|<max>] "<unit>"`.
 *
 * The bits are counted in the response as one CAN frame carries it: byte 0 the ISO-TP length,
 * byte 1 the service + 0x40, byte 2 the PID, data bytes A, B, C… from byte 3. So engine speed
 * ((256A+B)/4) is `dbc: 31|16@0+ (0.25,0) [0|16383.75] "rpm"`: Motorola, MSB at bit 7 of byte 3.
 */
import type { DecodedSignals, SignalValue } from "../codec/decoder.ts";
import { Message } from "../dbc/message.ts";
import type { Signal } from "../dbc/model.ts";
import { ObdError } from "../errors.ts";

export interface PidFormula {
  readonly startBit: number;
  readonly length: number;
  readonly byteOrder: "little_endian" | "big_endian";
  readonly signed: boolean;
  readonly factor: number;
  readonly offset: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly unit: string;
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;

/** Parses a DIMO PID formula; errors say what was expected at which column. */
export function parsePidFormula(text: string): PidFormula {
  if (text.length > 256) throw new ObdError("PID formula longer than 256 characters.");
  let pos = 0;
  const fail = (expected: string): never => {
    throw new ObdError(`PID formula ${JSON.stringify(text)}: expected ${expected} at column ${pos + 1}.`, {
      details:
        'The form is dbc: <startbit>|<len>@<order><sign> (<factor>,<offset>) [<min>|<max>] "<unit>", e.g. dbc: 31|16@0+ (0.25,0) [0|16383.75] "rpm".',
    });
  };
  const space = () => {
    while (text[pos] === " " || text[pos] === "\t") pos++;
  };
  const literal = (s: string, what = `"${s}"`) => {
    space();
    if (!text.startsWith(s, pos)) fail(what);
    pos += s.length;
  };
  const number = (what: string): number => {
    space();
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail(what);
    pos += m[0].length;
    return Number(m[0]);
  };
  const integer = (what: string): number => {
    const start = pos;
    const v = number(what);
    if (!Number.isSafeInteger(v) || v < 0) {
      pos = start;
      space();
      return fail(`${what} (a non-negative integer)`);
    }
    return v;
  };

  literal("dbc:", '"dbc:"');
  const startBit = integer("a start bit");
  literal("|");
  const length = integer("a length in bits");
  if (length < 1 || length > 64) {
    pos -= String(length).length;
    fail("a length of 1 to 64 bits");
  }
  literal("@");
  const order = text[pos];
  if (order !== "0" && order !== "1") fail("a byte order (0 Motorola, 1 Intel)");
  pos++;
  const sign = text[pos];
  if (sign !== "+" && sign !== "-") fail('a sign ("+" unsigned, "-" signed)');
  pos++;
  literal("(");
  const factor = number("a factor");
  literal(",");
  const offset = number("an offset");
  literal(")");
  literal("[");
  const minimum = number("a minimum");
  literal("|");
  const maximum = number("a maximum");
  literal("]");
  space();
  if (text[pos] !== '"') fail("a quoted unit");
  const close = text.indexOf('"', pos + 1);
  if (close < 0) fail("a closing quote for the unit");
  const unit = text.slice(pos + 1, close);
  pos = close + 1;
  space();
  if (pos !== text.length) fail("the end of the formula");
  if (factor === 0) throw new ObdError(`PID formula ${JSON.stringify(text)}: the factor must not be 0.`);
  return {
    startBit,
    length,
    byteOrder: order === "1" ? "little_endian" : "big_endian",
    signed: sign === "-",
    factor,
    offset,
    minimum,
    maximum,
    unit,
  };
}

export function formatPidFormula(f: PidFormula): string {
  return `dbc: ${f.startBit}|${f.length}@${f.byteOrder === "little_endian" ? 1 : 0}${f.signed ? "-" : "+"} (${f.factor},${f.offset}) [${f.minimum}|${f.maximum}] "${f.unit}"`;
}

function signalOf(name: string, f: PidFormula): Signal {
  return {
    name,
    dbcName: name,
    startBit: f.startBit,
    length: f.length,
    byteOrder: f.byteOrder,
    signed: f.signed,
    valueType: "integer",
    factor: f.factor,
    offset: f.offset,
    minimum: f.minimum === 0 && f.maximum === 0 ? undefined : f.minimum,
    maximum: f.minimum === 0 && f.maximum === 0 ? undefined : f.maximum,
    unit: f.unit,
    receivers: [],
    choices: undefined,
    comment: undefined,
    attributes: {},
    isMultiplexer: false,
    multiplexerSignal: undefined,
    multiplexerIds: undefined,
    location: { file: undefined, line: 0, column: 0 },
  };
}

/**
 * Named formulas compiled into one decoder over response frames (a message whose signals are
 * the formulas), so PID values decode as fast as DBC signals.
 */
export class FormulaSet {
  readonly message: Message;

  constructor(formulas: Readonly<Record<string, PidFormula>>, name = "OBD") {
    const signals = Object.entries(formulas).map(([n, f]) => signalOf(n, f));
    let length = 8;
    for (const s of signals) {
      const lastByte =
        s.byteOrder === "little_endian"
          ? (s.startBit + s.length - 1) >> 3
          : ((s.startBit >> 3) * 8 + 7 - (s.startBit & 7) + s.length - 1) >> 3;
      length = Math.max(length, lastByte + 1);
    }
    this.message = new Message({
      id: 0,
      extended: false,
      dbcId: 0,
      reachable: false,
      name,
      dbcName: name,
      length,
      senders: [],
      signals,
      comment: undefined,
      attributes: {},
      cycleTime: undefined,
      sendType: undefined,
      frameFormat: undefined,
      fd: false,
      signalGroups: [],
      location: { file: undefined, line: 0, column: 0 },
    });
  }

  /** Decodes the formulas from a response frame (single-frame layout); absent where the frame is too short. */
  decode(frame: Uint8Array): DecodedSignals {
    return this.message.decode(frame, { shortFrame: "truncate" });
  }

  /** Writes values into a zeroed response frame of the formulas' length. */
  encode(values: Readonly<Record<string, SignalValue>>): Uint8Array {
    return this.message.encode(values, { checkRange: false });
  }
}
