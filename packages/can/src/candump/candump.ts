/**
 * candump logs (Linux can-utils): reading and writing frame lines.
 *
 * - Log format (`candump -L`, what `canplayer` replays): `(1436509052.249713) can0 123#DEADBEEF`;
 *   CAN FD `123##1DEADBEEF` (the digit after `##` is the FD flags nibble); remote `123#R`.
 * - Screen format (`candump can0`, optionally with `-t a|d|z` timestamps):
 *   `  can0  123   [4]  DE AD BE EF`.
 * Ids of three hex digits are standard, of eight extended (candump's own convention).
 */
import { CandumpParseError } from "../errors.ts";

export interface CanFrame {
  /** Seconds since the epoch (or since the start, as candump printed it); undefined if absent. */
  readonly timestamp?: number;
  /** Interface name (can0, vcan0…); undefined if absent. */
  readonly interface?: string;
  readonly id: number;
  readonly extended: boolean;
  readonly data: Uint8Array;
  /** CAN FD frame. */
  readonly fd?: boolean;
  /** CAN FD flags nibble (bit 0: bit-rate switch, bit 1: error state indicator). */
  readonly fdFlags?: number;
  /** Remote transmission request (no payload). */
  readonly remote?: boolean;
  /** Error frame (the id carries the CAN_ERR_FLAG bit 0x20000000). */
  readonly error?: boolean;
}

const LOG_LINE = /^\s*(?:\((\d+(?:\.\d+)?)\)\s+)?(\S+)\s+([0-9A-Fa-f]{1,8})#(#?)(.*?)\s*$/;
const SCREEN_LINE = /^\s*(?:\((\d+(?:\.\d+)?)\)\s+)?(\S+)\s+([0-9A-Fa-f]{1,8})\s+\[(\d{1,2})\]\s*(.*?)\s*$/;
const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);
const ERR_FLAG = 0x20000000;

function hexPayload(line: string, text: string): Uint8Array {
  const clean = text.replace(/[.\s]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(clean)) {
    throw new CandumpParseError(line, `payload ${JSON.stringify(text)} is not whole hex bytes`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function identifier(line: string, text: string): { id: number; extended: boolean; error: boolean } {
  const raw = Number.parseInt(text, 16);
  if (text.length > 3) {
    const error = (raw & ERR_FLAG) !== 0;
    const id = error ? raw & 0x1fffffff : raw;
    if (id > 0x1fffffff) throw new CandumpParseError(line, `id ${text} is more than 29 bits`);
    return { id, extended: true, error };
  }
  if (raw > 0x7ff) throw new CandumpParseError(line, `standard id ${text} is more than 11 bits`);
  return { id: raw, extended: false, error: false };
}

/** Parses one candump line (log or screen format); throws CandumpParseError if it is not a frame. */
export function parseCandumpLine(line: string): CanFrame {
  if (line.length > 512) throw new CandumpParseError(line, "line longer than any CAN FD frame line");
  const log = LOG_LINE.exec(line);
  if (log) {
    const [, ts, iface, idText, fdMark, rest] = log;
    const { id, extended, error } = identifier(line, idText!);
    const base = {
      ...(ts !== undefined ? { timestamp: Number(ts) } : {}),
      interface: iface!,
      id,
      extended,
      ...(error ? { error: true } : {}),
    };
    if (fdMark) {
      const flags = Number.parseInt(rest!.slice(0, 1), 16);
      if (Number.isNaN(flags))
        throw new CandumpParseError(line, "CAN FD frame without its flags nibble after ##");
      const data = hexPayload(line, rest!.slice(1));
      if (!FD_LENGTHS.has(data.length))
        throw new CandumpParseError(line, `${data.length} bytes is not a CAN FD length`);
      return { ...base, data, fd: true, fdFlags: flags };
    }
    if (/^R\d{0,2}$/i.test(rest!)) return { ...base, data: new Uint8Array(0), remote: true };
    const data = hexPayload(line, rest!);
    if (data.length > 8)
      throw new CandumpParseError(line, `${data.length} bytes in a classic CAN frame (use ## for CAN FD)`);
    return { ...base, data };
  }
  const screen = SCREEN_LINE.exec(line);
  if (screen) {
    const [, ts, iface, idText, lenText, rest] = screen;
    const { id, extended, error } = identifier(line, idText!);
    const length = Number(lenText);
    const base = {
      ...(ts !== undefined ? { timestamp: Number(ts) } : {}),
      interface: iface!,
      id,
      extended,
      ...(error ? { error: true } : {}),
    };
    if (/^remote request$/i.test(rest!)) return { ...base, data: new Uint8Array(0), remote: true };
    const data = hexPayload(line, rest!);
    if (data.length !== length) {
      throw new CandumpParseError(line, `[${length}] announces ${length} bytes but ${data.length} follow`);
    }
    return { ...base, data, ...(length > 8 ? { fd: true } : {}) };
  }
  throw new CandumpParseError(line, "no `id#data` or `id [len] data` part");
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

/** Formats a frame as a `candump -L` line (what canplayer reads). */
export function formatCandumpLine(frame: CanFrame, defaults: { interface?: string } = {}): string {
  const iface = frame.interface ?? defaults.interface ?? "can0";
  let id = frame.extended
    ? frame.id.toString(16).toUpperCase().padStart(8, "0")
    : frame.id.toString(16).toUpperCase().padStart(3, "0");
  if (frame.error) id = (frame.id | ERR_FLAG).toString(16).toUpperCase().padStart(8, "0");
  let payload = "";
  for (const b of frame.data) payload += HEX[b];
  let body: string;
  if (frame.remote) body = `${id}#R`;
  else if (frame.fd) body = `${id}##${(frame.fdFlags ?? 0).toString(16).toUpperCase()}${payload}`;
  else body = `${id}#${payload}`;
  const ts = frame.timestamp === undefined ? "" : `(${frame.timestamp.toFixed(6)}) `;
  return `${ts}${iface} ${body}`;
}

export interface CandumpEntry {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly text: string;
  readonly frame?: CanFrame;
  readonly error?: CandumpParseError;
}

/**
 * Reads a candump log line by line (a string or any iterable of lines, e.g. from readline).
 * Blank lines are skipped; lines that are not frames come back with their error instead of
 * stopping the read.
 */
export async function* readCandump(
  input: string | AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<CandumpEntry> {
  const lines = typeof input === "string" ? input.split(/\r?\n/) : input;
  let n = 0;
  for await (const raw of lines as AsyncIterable<string>) {
    n++;
    const text = raw.replace(/\r$/, "");
    if (text.trim() === "") continue;
    try {
      yield { line: n, text, frame: parseCandumpLine(text) };
    } catch (error) {
      if (!(error instanceof CandumpParseError)) throw error;
      yield { line: n, text, error };
    }
  }
}
