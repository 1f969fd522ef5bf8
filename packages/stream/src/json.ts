import { EventRejectedError } from "./errors.ts";

/** A JSON value as every codec here can carry it exactly (I-JSON: finite doubles, well-formed strings). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks that `value` is plain JSON that survives every codec unchanged, so that the canonical
 * bytes a device signed are the canonical bytes the node recomputes after any round-trip:
 * finite numbers only (protobuf and Avro could carry NaN, JSON cannot), well-formed Unicode
 * strings (UTF-8 codecs would replace a lone surrogate), bounded nesting (canonicalisation
 * recurses), and no `__proto__` key (assigning it would silently drop the member).
 */
export function assertPortableJson(value: unknown, maxDepth: number): asserts value is JsonValue {
  walk(value, maxDepth, "", 0);
}

function walk(value: unknown, maxDepth: number, path: string, depth: number): void {
  switch (typeof value) {
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw invalid(path, `number ${value} is not finite`);
      return;
    case "string":
      if (LONE_SURROGATE.test(value)) throw invalid(path, "string contains a lone UTF-16 surrogate");
      return;
    case "object": {
      if (value === null) return;
      if (depth >= maxDepth) throw invalid(path, `nested deeper than ${maxDepth} levels`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) walk(value[i], maxDepth, `${path}[${i}]`, depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw invalid(path, "not a plain JSON object");
      for (const key of Object.keys(value)) {
        if (key === "__proto__") throw invalid(path, 'the key "__proto__" is reserved');
        if (LONE_SURROGATE.test(key)) throw invalid(path, "key contains a lone UTF-16 surrogate");
        walk((value as Record<string, unknown>)[key], maxDepth, path ? `${path}.${key}` : key, depth + 1);
      }
      return;
    }
    default:
      throw invalid(path, `${typeof value} is not a JSON value`);
  }
}

function invalid(path: string, what: string): EventRejectedError {
  return new EventRejectedError("invalid_event", `Invalid JSON at ${path || "the top level"}: ${what}.`, {
    path: path || "$",
    details:
      "Events must be plain JSON (finite numbers, well-formed strings) so every codec carries them exactly.",
  });
}

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Length(text: string): number {
  // Cheaper than encoding when the text is ASCII, which envelopes nearly always are.
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 2 bytes below U+0800; a surrogate half is 2 of a pair's 4 bytes; other BMP characters 3.
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}
