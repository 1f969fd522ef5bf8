/**
 * A deliberately naive bit-at-a-time reader, straight from the DBC definition, used by tests as
 * the oracle for the compiled codecs (which share no code with it).
 */
export function referenceRaw(
  data: Uint8Array,
  startBit: number,
  length: number,
  byteOrder: "little_endian" | "big_endian",
  signed: boolean,
): bigint {
  const bit = (pos: number): bigint => BigInt((data[pos >> 3]! >> (pos & 7)) & 1);
  let value = 0n;
  if (byteOrder === "little_endian") {
    for (let i = length - 1; i >= 0; i--) value = (value << 1n) | bit(startBit + i);
  } else {
    // Motorola: from the most significant bit down; after bit 0 of a byte comes bit 7 of the next.
    let pos = startBit;
    for (let i = 0; i < length; i++) {
      value = (value << 1n) | bit(pos);
      pos = pos % 8 === 0 ? pos + 15 : pos - 1;
    }
  }
  if (signed && length > 0 && value >> BigInt(length - 1) === 1n) value -= 1n << BigInt(length);
  return value;
}

/** Highest byte index (+1) a signal touches, by walking it bit by bit. */
export function referenceExtent(
  startBit: number,
  length: number,
  byteOrder: "little_endian" | "big_endian",
): number {
  if (byteOrder === "little_endian") return ((startBit + length - 1) >> 3) + 1;
  let pos = startBit;
  let max = 0;
  for (let i = 0; i < length; i++) {
    max = Math.max(max, pos >> 3);
    pos = pos % 8 === 0 ? pos + 15 : pos - 1;
  }
  return max + 1;
}
