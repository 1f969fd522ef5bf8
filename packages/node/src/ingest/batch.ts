import { IngestRejectedError } from "./errors.ts";

/** CloudEvents JSON batch format (an array of structured-mode events). */
export const CLOUDEVENTS_BATCH = "application/cloudevents-batch+json";

/**
 * Splits a JSON array of objects into the exact text of each element, without re-serialising
 * (a legacy signature covers the exact `data` text, so each event must reach parseEvent as sent).
 * Only the array structure is checked here; each element is parsed on its own later.
 */
export function splitJsonArray(text: string, maxItems: number): string[] {
  const items: string[] = [];
  let i = skipSpace(text, 0);
  if (text[i] !== "[") throw malformed("A batch is a JSON array of events.", i);
  i = skipSpace(text, i + 1);
  if (text[i] === "]") return end(text, i, items);
  for (;;) {
    if (text[i] !== "{") throw malformed("Each batch element must be a JSON object (one event).", i);
    const stop = objectEnd(text, i);
    if (items.length === maxItems) {
      throw new IngestRejectedError("batch_too_large", `The batch holds more than ${maxItems} events.`, {
        details: "Split it into several requests.",
      });
    }
    items.push(text.slice(i, stop));
    i = skipSpace(text, stop);
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (text[i] === "]") return end(text, i, items);
    throw malformed("Expected , or ] between batch elements.", i);
  }
}

function end(text: string, i: number, items: string[]): string[] {
  if (skipSpace(text, i + 1) !== text.length)
    throw malformed("Unexpected text after the batch array.", i + 1);
  return items;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t"))
    i++;
  return i;
}

/** Index just past the object starting at `start` (strings and nesting respected). */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (i >= text.length) break;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw malformed("The batch ends inside an event.", start);
}

function malformed(message: string, at: number): IngestRejectedError {
  return new IngestRejectedError("malformed", message, { details: `At character ${at}.` });
}
