/**
 * Encoding, the inverse of decoding: physical (or raw) values → payload bytes. The signals to
 * encode follow the multiplexing tree from the selector values given; every value is checked
 * (choice names exist, numbers fit the signal, physical values lie within the DBC range) so a
 * frame is never written with a silently wrong value.
 */
import type { Signal } from "../dbc/model.ts";
import { describeValue, EncodeError } from "../errors.ts";
import type { SignalValue } from "./decoder.ts";
import { type Segment, signalSegments } from "./layout.ts";
import type { PlanNode } from "./plan.ts";

export type EncodeInput = Readonly<Record<string, SignalValue>>;

export interface EncodeOptions {
  /** Values are raw integers (or raw floats), not physical values. Default false. */
  readonly raw?: boolean;
  /** Refuse values for signals that are not part of the frame being built. Default true. */
  readonly strict?: boolean;
  /** Refuse physical values outside the signal's [minimum|maximum]. Default true. */
  readonly checkRange?: boolean;
  /** Fill unused bits with 1 instead of 0. Default false. */
  readonly padding?: boolean;
}

interface Active {
  readonly signal: Signal;
  readonly segments: readonly Segment[];
}

const scratch = new DataView(new ArrayBuffer(8));
const segmentCache = new WeakMap<Signal, Segment[]>();

function segmentsOf(s: Signal): Segment[] {
  let segs = segmentCache.get(s);
  if (!segs) {
    segs = signalSegments(s.startBit, s.length, s.byteOrder);
    segmentCache.set(s, segs);
  }
  return segs;
}

export function encodeMessage(
  messageName: string,
  length: number,
  plan: PlanNode,
  values: EncodeInput,
  options: EncodeOptions = {},
): Uint8Array {
  const fail = (short: string, details?: string): never => {
    throw new EncodeError(messageName, short, details);
  };
  const active: Active[] = [];
  const raws = new Map<Signal, number | bigint>();

  const walk = (node: PlanNode): void => {
    for (const signal of node.signals) {
      const value = values[signal.name];
      if (value === undefined) {
        fail(
          `missing a value for signal ${signal.name}.`,
          "Give every signal of the frame (and of the selected multiplexer branch).",
        );
      }
      raws.set(signal, toRaw(signal, value as SignalValue, options, fail));
      active.push({ signal, segments: segmentsOf(signal) });
    }
    for (const mux of node.muxes) {
      const raw = raws.get(mux.selector)!;
      const id = typeof raw === "bigint" ? Number(raw) : Math.trunc(raw);
      const branch = mux.branches.get(id);
      if (!branch) {
        fail(
          `selector ${mux.selector.name} = ${describeValue(values[mux.selector.name])} selects no branch.`,
          `Valid selector values: ${mux.ids.slice(0, 32).join(", ")}${mux.ids.length > 32 ? ", …" : ""}.`,
        );
      }
      walk(branch!);
    }
  };
  walk(plan);

  if (options.strict ?? true) {
    const used = new Set(active.map((a) => a.signal.name));
    const extra = Object.keys(values).filter((k) => !used.has(k));
    if (extra.length > 0) {
      fail(
        `${extra.map((k) => describeValue(k)).join(", ")} ${extra.length === 1 ? "is" : "are"} not part of this frame.`,
        "Check the spelling, or the selector value that chooses the multiplexed branch; pass { strict: false } to ignore extra values.",
      );
    }
  }

  if (length > 64) fail(`the DBC gives this message ${length} bytes; CAN FD frames carry at most 64.`);
  const data = new Uint8Array(length);
  if (options.padding) data.fill(0xff);
  for (const { signal, segments } of active) {
    writeSignal(data, signal, segments, raws.get(signal)!, fail);
  }
  return data;
}

type Fail = (short: string, details?: string) => never;

/** Physical or named value → the raw value stored in the frame, with every check. */
function toRaw(signal: Signal, value: SignalValue, options: EncodeOptions, fail: Fail): number | bigint {
  if (typeof value === "string") {
    if (signal.choices) {
      for (const [raw, name] of signal.choices) if (name === value) return raw;
    }
    return fail(
      `${describeValue(value)} is not a named value of signal ${signal.name}.`,
      signal.choices
        ? `Named values: ${[...signal.choices.values()]
            .slice(0, 16)
            .map((n) => JSON.stringify(n))
            .join(", ")}.`
        : "This signal has no VAL_ names; give a number.",
    );
  }
  if (options.raw) return checkRaw(signal, value, fail);
  const raw = physicalToRaw(signal, value, fail);
  if (options.checkRange ?? true) {
    // As cantools: a value with a VAL_ name is valid whatever the range says.
    const named = signal.choices?.has(
      typeof raw === "bigint" &&
        raw <= BigInt(Number.MAX_SAFE_INTEGER) &&
        raw >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(raw)
        : raw,
    );
    const v = Number(value);
    const tolerance = Math.abs(signal.factor) * 1e-6;
    if (!named && signal.minimum !== undefined && v < signal.minimum - tolerance) {
      fail(
        `${signal.name} = ${describeValue(value)} is below its minimum ${signal.minimum}.`,
        "Pass { checkRange: false } to encode it anyway.",
      );
    }
    if (!named && signal.maximum !== undefined && v > signal.maximum + tolerance) {
      fail(
        `${signal.name} = ${describeValue(value)} is above its maximum ${signal.maximum}.`,
        "Pass { checkRange: false } to encode it anyway.",
      );
    }
  }
  return checkRaw(signal, raw, fail);
}

function physicalToRaw(signal: Signal, value: number | bigint, fail: Fail): number | bigint {
  if (signal.valueType !== "integer") {
    return (Number(value) - signal.offset) / signal.factor;
  }
  const wide = signal.length > 53;
  if (typeof value === "bigint") {
    if (Number.isInteger(signal.factor) && Number.isInteger(signal.offset) && signal.factor !== 0) {
      const num = value - BigInt(signal.offset);
      const f = BigInt(signal.factor);
      if (num % f === 0n) return wide ? num / f : Number(num / f);
    }
    value = Number(value);
  }
  const scaled = (value - signal.offset) / signal.factor;
  if (!Number.isFinite(scaled)) {
    return fail(
      `${signal.name} = ${describeValue(value)} has no raw value (factor ${signal.factor}, offset ${signal.offset}).`,
    );
  }
  // Round half away from zero: values that decoded from a frame come back to the same raw.
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return wide ? BigInt(rounded) : rounded;
}

function checkRaw(signal: Signal, raw: number | bigint, fail: Fail): number | bigint {
  if (signal.valueType !== "integer") {
    if (typeof raw === "bigint") return Number(raw);
    return raw;
  }
  const L = signal.length;
  const lo = signal.signed ? -(2n ** BigInt(L - 1)) : 0n;
  const hi = signal.signed ? 2n ** BigInt(L - 1) - 1n : 2n ** BigInt(L) - 1n;
  let big: bigint;
  if (typeof raw === "bigint") big = raw;
  else {
    if (!Number.isInteger(raw)) {
      return fail(`${signal.name}: raw value ${describeValue(raw)} is not an integer.`);
    }
    big = BigInt(raw);
  }
  if (big < lo || big > hi) {
    return fail(
      `${signal.name}: raw value ${big} does not fit in ${L} ${signal.signed ? "signed" : "unsigned"} bits (${lo}…${hi}).`,
    );
  }
  return L > 53 ? big : Number(big);
}

function writeSignal(
  data: Uint8Array,
  signal: Signal,
  segments: readonly Segment[],
  raw: number | bigint,
  fail: Fail,
): void {
  let pattern: number | bigint;
  if (signal.valueType === "float32") {
    scratch.setFloat32(0, Number(raw));
    pattern = scratch.getUint32(0);
  } else if (signal.valueType === "float64") {
    scratch.setFloat64(0, Number(raw));
    pattern = (BigInt(scratch.getUint32(0)) << 32n) | BigInt(scratch.getUint32(4));
  } else if (typeof raw === "bigint") {
    pattern = BigInt.asUintN(signal.length, raw);
  } else {
    pattern = raw < 0 ? raw + 2 ** signal.length : raw;
  }
  for (const s of segments) {
    if (s.byte >= data.length) {
      fail(
        `signal ${signal.name} lies outside the ${data.length}-byte frame.`,
        "Fix the signal's start bit/length or the message length in the DBC.",
      );
    }
    const bits =
      typeof pattern === "bigint"
        ? Number((pattern >> BigInt(s.dest)) & ((1n << BigInt(s.width)) - 1n))
        : Math.floor(pattern / 2 ** s.dest) % 2 ** s.width;
    const mask = ((1 << s.width) - 1) << s.shift;
    data[s.byte] = (data[s.byte]! & ~mask) | (bits << s.shift);
  }
}
