/**
 * Compiles a message's decode plan into JavaScript (one `new Function` per message and
 * variant), so that decoding a frame is straight-line code over the payload bytes: precomputed
 * byte indexes, shifts and masks, Number arithmetic up to 53 bits, IEEE floats through a
 * scratch DataView, BigInt only for signals wider than 53 bits. Only the branch the selector
 * picks is decoded.
 *
 * The generated source contains only numbers we parsed and names quoted with JSON.stringify;
 * no DBC text is ever evaluated.
 */

import type { Signal } from "../dbc/model.ts";
import { MultiplexerError } from "../errors.ts";
import { limbSegments, type Segment, segmentsExtent, signalSegments } from "./layout.ts";
import type { PlanMux, PlanNode } from "./plan.ts";

export type SignalValue = number | bigint | string;
export type DecodedSignals = Record<string, SignalValue>;
export type DecodeFn = (data: Uint8Array) => DecodedSignals;

export interface DecoderVariant {
  /** Raw integers (or raw floats) instead of factor/offset-scaled values. */
  readonly raw: boolean;
  /** Choice names (VAL_) instead of numbers where a name is defined. */
  readonly choices: boolean;
  /** Guard every signal by the received length (frames shorter than the DBC length). */
  readonly checked: boolean;
  /** Throw MultiplexerError when a selector value has no branch. */
  readonly strictMultiplexing: boolean;
}

interface Env {
  /** Choice maps, by signal slot. */
  readonly C: ReadonlyMap<unknown, string>[];
  /** Branch maps, by multiplexer slot (filled after the functions exist). */
  readonly M: Map<number, (d: Uint8Array, n: number, o: DecodedSignals) => void>[];
}

const num = (v: number): string => {
  const s = Object.is(v, -0) ? "-0" : String(v);
  return v < 0 || Object.is(v, -0) ? `(${s})` : s;
};

const pow2 = (k: number): string => String(2 ** k);

/** Unsigned value of segments whose raw bits all lie below bit 53. */
function unsignedExpr(segments: readonly Segment[], total: number): string {
  if (segments.length === 0) return "0";
  const terms = segments.map((s) => {
    let e = `d[${s.byte}]`;
    if (s.shift > 0) e = `(${e} >> ${s.shift})`;
    if (s.shift + s.width < 8) e = `(${e} & ${(1 << s.width) - 1})`;
    if (s.dest > 0) e = s.dest + s.width <= 31 ? `(${e} << ${s.dest})` : `(${e} * ${pow2(s.dest)})`;
    return e;
  });
  return terms.join(total <= 31 ? " | " : " + ");
}

function propKey(name: string): string {
  return name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

function assign(name: string, value: string): string {
  // Assigning `o["__proto__"]` would change the prototype; define an own property instead.
  return name === "__proto__"
    ? `Object.defineProperty(o, "__proto__", { value: ${value}, enumerable: true, writable: true, configurable: true });`
    : `o[${JSON.stringify(name)}] = ${value};`;
}

export function compileDecoder(
  messageName: string,
  length: number,
  plan: PlanNode,
  variant: DecoderVariant,
): DecodeFn {
  const env: Env = { C: [], M: [] };
  const muxes: PlanMux[] = [];
  const nodeIndex = new Map<PlanNode, number>();
  const branchSources: string[] = [];
  let slot = 0;

  const emitSignal = (s: Signal): { stmts: string[]; value: string; selector: string; extent: number } => {
    const i = slot++;
    const segments = signalSegments(s.startBit, s.length, s.byteOrder);
    const extent = segmentsExtent(segments);
    const L = s.length;
    const stmts: string[] = [];
    let x: string; // the raw value (Number or BigInt)
    let isBig = false;
    let selector: string;
    if (s.valueType === "float32") {
      stmts.push(`var r${i} = ${unsignedExpr(segments, 32)};`);
      stmts.push(`var x${i} = (dv.setUint32(0, r${i}), dv.getFloat32(0));`);
      x = `x${i}`;
      selector = `Math.trunc(x${i})`;
    } else if (s.valueType === "float64") {
      const limbs = limbSegments(segments);
      stmts.push(`var l${i} = ${unsignedExpr(limbs[0]!, 32)}, h${i} = ${unsignedExpr(limbs[1] ?? [], 32)};`);
      stmts.push(`var x${i} = (dv.setUint32(0, h${i}), dv.setUint32(4, l${i}), dv.getFloat64(0));`);
      x = `x${i}`;
      selector = `Math.trunc(x${i})`;
    } else if (L <= 53) {
      stmts.push(`var x${i} = ${unsignedExpr(segments, L)};`);
      if (s.signed) {
        if (L < 32) stmts.push(`x${i} = (x${i} << ${32 - L}) >> ${32 - L};`);
        else if (L === 32) stmts.push(`x${i} = x${i} | 0;`);
        else stmts.push(`if (x${i} >= ${pow2(L - 1)}) x${i} -= ${pow2(L)};`);
      }
      x = `x${i}`;
      selector = x;
    } else {
      isBig = true;
      const limbs = limbSegments(segments);
      const parts = limbs.map((limb, k) => {
        const e = `BigInt(${unsignedExpr(limb, 32)})`;
        return k === 0 ? e : `(${e} << ${32 * k}n)`;
      });
      stmts.push(`var x${i} = ${parts.join(" | ")};`);
      if (s.signed) stmts.push(`x${i} = BigInt.asIntN(${L}, x${i});`);
      x = `x${i}`;
      selector = `Number(x${i})`;
    }

    let value = x;
    if (!variant.raw && !(s.factor === 1 && s.offset === 0)) {
      if (!isBig) value = `${x} * ${num(s.factor)} + ${num(s.offset)}`;
      else if (Number.isInteger(s.factor) && Number.isInteger(s.offset)) {
        value = `${x} * (${BigInt(s.factor)}n) + (${BigInt(s.offset)}n)`;
      } else value = `Number(${x}) * ${num(s.factor)} + ${num(s.offset)}`;
    }
    if (variant.choices && s.choices) {
      const c = env.C.length;
      const map = new Map<unknown, string>();
      for (const [k, name] of s.choices) {
        if (isBig) map.set(typeof k === "bigint" ? k : BigInt(k), name);
        else if (typeof k === "number") map.set(k, name);
      }
      env.C.push(map);
      const key = s.valueType === "integer" ? x : `Math.trunc(${x})`;
      value = `((t = C[${c}].get(${key})) !== undefined ? t : ${value})`;
    }
    return { stmts, value, selector, extent };
  };

  /** Body of a node: its signals, then dispatch into its selectors' branches. */
  const emitNode = (node: PlanNode, root: boolean): string => {
    const lines: string[] = [];
    const literal: string[] = [];
    const late: string[] = [];
    const selectors = new Map<Signal, { selector: string; guard: string | undefined }>();
    for (const s of node.signals) {
      const e = emitSignal(s);
      const guarded = variant.checked || e.extent > length;
      const guard = guarded ? `n >= ${e.extent}` : undefined;
      selectors.set(s, { selector: e.selector, guard });
      if (guard) {
        late.push(`if (${guard}) { ${e.stmts.join(" ")} ${assign(s.name, e.value)} }`);
      } else {
        lines.push(...e.stmts);
        if (root) literal.push(`${propKey(s.name)}: ${e.value}`);
        else late.push(assign(s.name, e.value));
      }
    }
    if (root) lines.push(`var o = {${literal.join(", ")}};`);
    lines.push(...late);
    for (const mux of node.muxes) {
      const k = muxes.length;
      muxes.push(mux);
      for (const branch of new Set(mux.branches.values())) {
        if (!nodeIndex.has(branch)) {
          const b = branchSources.length;
          nodeIndex.set(branch, b);
          branchSources.push("");
          branchSources[b] = `function b${b}(d, n, o) { var t; ${emitNode(branch, false)} }`;
        }
      }
      const sel = selectors.get(mux.selector)!;
      // The selector's value is re-read inside the guard: in checked mode it may be absent.
      const miss = variant.strictMultiplexing ? ` else U(${k}, sv);` : "";
      const dispatch = `var sv = ${sel.selector}; var f = M[${k}].get(sv); if (f !== undefined) f(d, n, o);${miss}`;
      lines.push(sel.guard ? `if (${sel.guard}) { ${dispatch} }` : `{ ${dispatch} }`);
    }
    return lines.join("\n");
  };

  const rootBody = emitNode(plan, true);
  const source = `"use strict";
${branchSources.join("\n")}
function decode(d) {
  var n = d.length, t;
  ${rootBody}
  return o;
}
return { decode: decode, branches: [${branchSources.map((_, b) => `b${b}`).join(", ")}] };`;

  const dv = new DataView(new ArrayBuffer(8));
  const unknown = (k: number, value: number): never => {
    const mux = muxes[k]!;
    throw new MultiplexerError(messageName, mux.selector.name, value, mux.ids);
  };
  const factory = new Function("C", "M", "dv", "U", source) as (
    C: Env["C"],
    M: Env["M"],
    dv: DataView,
    U: typeof unknown,
  ) => { decode: DecodeFn; branches: ((d: Uint8Array, n: number, o: DecodedSignals) => void)[] };
  const built = factory(env.C, env.M, dv, unknown);
  for (const mux of muxes) {
    const map = new Map<number, (d: Uint8Array, n: number, o: DecodedSignals) => void>();
    for (const [id, branch] of mux.branches) map.set(id, built.branches[nodeIndex.get(branch)!]!);
    env.M.push(map);
  }
  return built.decode;
}
