/**
 * Finds the exact text of a top-level member of a JSON object. DIMO's legacy device signature
 * covers "the exact bytes of `data` as sent", which JSON.parse throws away, so we scan for them.
 * Call only on text JSON.parse accepted (the scanner relies on it being valid JSON).
 */
export interface TextSpan {
  start: number;
  end: number;
}

export class DuplicateMemberError extends Error {
  constructor(readonly member: string) {
    super(`duplicate top-level member "${member}"`);
  }
}

/**
 * Returns the span of the value of top-level member `name`, or undefined if absent. Throws
 * DuplicateMemberError if any top-level member appears twice: JSON.parse keeps the last one,
 * and a signature over one copy must not vouch for another.
 */
export function topLevelMemberSpan(text: string, name: string): TextSpan | undefined {
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return undefined;
  i = skipSpace(text, i + 1);
  const seen = new Set<string>();
  let found: TextSpan | undefined;
  while (text[i] !== "}") {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    if (seen.has(key)) throw new DuplicateMemberError(key);
    seen.add(key);
    i = skipSpace(text, keyEnd);
    i = skipSpace(text, i + 1); // ':'
    const valueEnd = skipValue(text, i);
    if (key === name) found = { start: i, end: valueEnd };
    i = skipSpace(text, valueEnd);
    if (text[i] === ",") i = skipSpace(text, i + 1);
  }
  return found;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `i` is at an opening quote; returns the index after the closing quote. */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // A number, true, false or null: runs to the next delimiter.
  while (i < text.length && !",}] \n\r\t".includes(text[i]!)) i++;
  return i;
}
