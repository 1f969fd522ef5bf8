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
  switch (typeof value) {
    case "string":
    case "number":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]!);
    }
    return `${out}]`;
  }
  // The ingest path canonicalises every event (the v2 digest): keys are usually in order already,
  // and the same few keys recur, so check before sorting and reuse their quoted form.
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ",";
    out += `${quote(key)}:${canonicalJson(value[key]!)}`;
  }
  return `${out}}`;
}

const quoted = new Map<string, string>();

function quote(key: string): string {
  let q = quoted.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quoted.size < 4096) quoted.set(key, q);
  }
  return q;
}
