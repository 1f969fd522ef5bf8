/**
 * Reading DBC files from disk. DBC files are UTF-8 or, from older Windows tools, cp1252; the
 * bytes decide (as cantools' conformance loader does): valid UTF-8 is read as UTF-8, anything
 * else as cp1252.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Database } from "./database.ts";
import { type ParseDbcOptions, parseDbc } from "./parser.ts";

export function decodeDbcBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/** Reads and parses a DBC file; errors name the file (its base name unless `file` is given). */
export async function loadDbcFile(path: string, options: ParseDbcOptions = {}): Promise<Database> {
  const bytes = await readFile(path);
  return parseDbc(decodeDbcBytes(bytes), { ...options, file: options.file ?? basename(path) });
}
