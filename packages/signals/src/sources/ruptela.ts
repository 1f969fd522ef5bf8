import type { SourceConversion } from "../types.ts";

export type RuptelaHexConversion = Extract<SourceConversion, { form: "ruptelaHex" }>;

/** The device said it has no value (an error/not-available code, or a raw value outside the declared range). */
export const NOT_AVAILABLE = Symbol("notAvailable");

const HEX = /^[0-9a-fA-F]{1,16}$/;

/**
 * Decode a Ruptela I/O value: hex text of an integer `bytes` wide (two's complement when signed),
 * scaled `raw * factor + offset`. Returns the physical value in the conversion's unit, or
 * NOT_AVAILABLE; throws a plain description of the problem for text that is not such a value.
 */
export function decodeRuptelaHex(
  conversion: RuptelaHexConversion,
  text: unknown,
): number | typeof NOT_AVAILABLE {
  if (typeof text !== "string" || !HEX.test(text)) {
    throw new Error("expected the value as hex text (1 to 16 hex digits, no 0x)");
  }
  const bits = BigInt(8 * conversion.bytes);
  const unsigned = BigInt(`0x${text}`);
  if (unsigned >> bits !== 0n) throw new Error(`does not fit in ${conversion.bytes} byte(s)`);
  const signBit = 1n << (bits - 1n);
  const raw = Number(conversion.signed && unsigned & signBit ? unsigned - (1n << bits) : unsigned);
  if (conversion.notAvailable.some(([lo, hi]) => lo <= raw && raw <= hi)) return NOT_AVAILABLE;
  if (
    (conversion.rawMin !== undefined && raw < conversion.rawMin) ||
    (conversion.rawMax !== undefined && raw > conversion.rawMax)
  ) {
    return NOT_AVAILABLE;
  }
  return raw * conversion.factor + conversion.offset;
}
