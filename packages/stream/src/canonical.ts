import type { JsonValue } from "./json.ts";

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). The v2 device signature covers these bytes.
 *
 * JCS is defined over the I-JSON data model (IEEE-754 doubles, Unicode strings) using
 * ECMAScript's own number and string serialisation, so in JavaScript it reduces to sorting
 * object keys by UTF-16 code units (the default sort order) and letting JSON.stringify write the
 * primitives. The input must already have passed `assertPortableJson`.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ",";
    out += `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`;
  }
  return `${out}}`;
}
