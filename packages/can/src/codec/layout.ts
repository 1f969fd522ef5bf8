/**
 * Where a signal's bits are in the payload, computed once per signal: a list of byte segments
 * that the compiled codecs read and write with precomputed shifts and masks.
 *
 * Bit numbering (DBC): bit b is bit (b % 8) of byte floor(b / 8), bit 0 the least significant.
 * Intel (@1) signals start at their least significant bit and grow upwards. Motorola (@0)
 * signals start at their most significant bit and continue towards the next byte's bit 7
 * ("sawtooth" order).
 */
import type { ByteOrder } from "../dbc/model.ts";

export interface Segment {
  /** Byte index in the payload. */
  readonly byte: number;
  /** Position of the segment's least significant bit inside that byte (0–7). */
  readonly shift: number;
  /** Number of bits (1–8). */
  readonly width: number;
  /** Position of the segment's least significant bit in the raw value. */
  readonly dest: number;
}

export function signalSegments(startBit: number, length: number, byteOrder: ByteOrder): Segment[] {
  const segments: Segment[] = [];
  if (byteOrder === "little_endian") {
    let i = 0;
    while (i < length) {
      const pos = startBit + i;
      const shift = pos & 7;
      const width = Math.min(8 - shift, length - i);
      segments.push({ byte: pos >> 3, shift, width, dest: i });
      i += width;
    }
    return segments;
  }
  // Motorola: linear MSB-first position of the signal's most significant bit.
  const first = (startBit >> 3) * 8 + (7 - (startBit & 7));
  const last = first + length - 1;
  for (let byte = first >> 3; byte <= last >> 3; byte++) {
    const a = Math.max(first, byte * 8);
    const b = Math.min(last, byte * 8 + 7);
    segments.push({ byte, shift: 7 - (b & 7), width: b - a + 1, dest: length - 1 - (b - first) });
  }
  return segments;
}

/** Number of payload bytes a signal needs (index of its last byte + 1). */
export function segmentsExtent(segments: readonly Segment[]): number {
  let max = 0;
  for (const s of segments) if (s.byte + 1 > max) max = s.byte + 1;
  return max;
}

/**
 * Splits segments at 32-bit boundaries of the raw value so that each piece falls in one
 * 32-bit limb (limb k holds raw bits 32k…32k+31); used for float64 and BigInt signals.
 */
export function limbSegments(segments: readonly Segment[]): Segment[][] {
  const limbs: Segment[][] = [];
  for (const s of segments) {
    let { byte, shift, width, dest } = s;
    while (width > 0) {
      const limb = dest >> 5;
      const room = (limb + 1) * 32 - dest;
      const w = Math.min(width, room);
      let list = limbs[limb];
      if (!list) {
        list = [];
        limbs[limb] = list;
      }
      list.push({ byte, shift, width: w, dest: dest - limb * 32 });
      shift += w;
      dest += w;
      width -= w;
    }
  }
  for (let i = 0; i < limbs.length; i++) limbs[i] ??= [];
  return limbs;
}

/**
 * Reads a raw unsigned value of at most 32 bits (counters, checksums) without compiling a
 * decoder; undefined when the payload is too short to hold it.
 */
export function readUnsigned(data: Uint8Array, segments: readonly Segment[]): number | undefined {
  let value = 0;
  for (const s of segments) {
    if (s.byte >= data.length) return undefined;
    value += ((data[s.byte]! >> s.shift) & ((1 << s.width) - 1)) * 2 ** s.dest;
  }
  return value;
}
