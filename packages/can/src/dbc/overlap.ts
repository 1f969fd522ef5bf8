/**
 * Finds signals of a message that share payload bits while they can be present in the same
 * frame. Signals in different branches of one multiplexer never are, so they may reuse bits.
 */
import { signalSegments } from "../codec/layout.ts";
import type { Signal } from "./model.ts";

export interface Overlap {
  readonly first: Signal;
  readonly second: Signal;
}

interface Occupancy {
  readonly signal: Signal;
  readonly bits: Uint32Array;
  /** selector name → the selector values under which this signal is present. */
  readonly path: Map<string, ReadonlySet<number>>;
}

export function findOverlaps(message: { readonly signals: readonly Signal[] }): Overlap[] {
  const byName = new Map(message.signals.map((s) => [s.name, s]));
  const entries: Occupancy[] = [];
  for (const signal of message.signals) {
    if (signal.length === 0 || signal.length > 512) continue;
    const path = conditionPath(signal, byName);
    if (!path) continue; // never present
    const segments = signalSegments(signal.startBit, signal.length, signal.byteOrder);
    let maxBit = 0;
    for (const s of segments) maxBit = Math.max(maxBit, s.byte * 8 + 8);
    const bits = new Uint32Array(Math.ceil(maxBit / 32));
    for (const s of segments) {
      for (let k = 0; k < s.width; k++) {
        const b = s.byte * 8 + s.shift + k;
        bits[b >> 5]! |= 1 << (b & 31);
      }
    }
    entries.push({ signal, bits, path });
  }
  const overlaps: Overlap[] = [];
  if (entries.every((e) => e.path.size === 0)) {
    // No multiplexing: one pass, remembering which signal owns each bit (linear in bits).
    const owner = new Map<number, Occupancy>();
    const reported = new Set<string>();
    for (const e of entries) {
      for (let w = 0; w < e.bits.length; w++) {
        for (let b = 0; b < 32; b++) {
          if ((e.bits[w]! & (1 << b)) === 0) continue;
          const bit = w * 32 + b;
          const first = owner.get(bit);
          if (!first) owner.set(bit, e);
          else {
            const key = `${first.signal.name}\u0000${e.signal.name}`;
            if (!reported.has(key)) {
              reported.add(key);
              overlaps.push({ first: first.signal, second: e.signal });
            }
          }
        }
      }
    }
    return overlaps;
  }
  for (let i = 0; i < entries.length; i++) {
    const a = entries[i]!;
    for (let j = i + 1; j < entries.length; j++) {
      const b = entries[j]!;
      if (!intersects(a.bits, b.bits) || exclusive(a.path, b.path)) continue;
      overlaps.push({ first: a.signal, second: b.signal });
    }
  }
  return overlaps;
}

function intersects(a: Uint32Array, b: Uint32Array): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

/** Two signals are never together when one selector admits them under disjoint values. */
function exclusive(a: Map<string, ReadonlySet<number>>, b: Map<string, ReadonlySet<number>>): boolean {
  for (const [selector, idsA] of a) {
    const idsB = b.get(selector);
    if (!idsB) continue;
    let shared = false;
    for (const v of idsA) {
      if (idsB.has(v)) {
        shared = true;
        break;
      }
    }
    if (!shared) return true;
  }
  return false;
}

/** The chain of selectors gating a signal, or undefined if the signal can never be present. */
function conditionPath(
  signal: Signal,
  byName: Map<string, Signal>,
): Map<string, ReadonlySet<number>> | undefined {
  const path = new Map<string, ReadonlySet<number>>();
  let current: Signal | undefined = signal;
  while (current?.multiplexerSignal !== undefined) {
    const selector = byName.get(current.multiplexerSignal);
    if (!selector?.isMultiplexer || !current.multiplexerIds || path.has(selector.name)) return undefined;
    path.set(selector.name, new Set(current.multiplexerIds));
    current = selector;
  }
  return path;
}
