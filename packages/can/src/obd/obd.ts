/**
 * OBD-II requests and responses on CAN (ISO 15765-4): which ids to use, how to build a
 * service 01 request, and how to turn a (reassembled) response into physical values.
 */
import type { DecodedSignals } from "../codec/decoder.ts";
import { ObdError } from "../errors.ts";
import { decodeSupportedPids, type ObdPid, obdPid, pidFormulas } from "./pids.ts";

/** Functional (broadcast) request ids. */
export const OBD_FUNCTIONAL_ID = 0x7df;
export const OBD_FUNCTIONAL_ID_EXTENDED = 0x18db33f1;

export interface ObdFrame {
  readonly id: number;
  readonly extended: boolean;
  readonly data: Uint8Array;
}

export interface ObdRequestOptions {
  /** Service (mode); default 1, current data. */
  readonly service?: number;
  /** 29-bit ids (CAN29_250/500) instead of 11-bit. Default false. */
  readonly extended?: boolean;
  /**
   * Request id: default functional (0x7DF, 29-bit 0x18DB33F1). A physical request to ECU n
   * uses 0x7E0+n (29-bit 0x18DA<ecu>F1).
   */
  readonly id?: number;
  /** Padding byte for the unused payload bytes (default 0x00; some ECUs want 0x55 or 0xAA). */
  readonly padding?: number;
}

/** Builds a single-frame request for up to six PIDs of one service. */
export function buildObdRequest(pids: number | readonly number[], options: ObdRequestOptions = {}): ObdFrame {
  const list = typeof pids === "number" ? [pids] : [...pids];
  const service = options.service ?? 1;
  if (list.length < 1 || list.length > 6)
    throw new ObdError(`An OBD-II request carries 1 to 6 PIDs, not ${list.length}.`);
  for (const p of [service, ...list]) {
    if (!Number.isInteger(p) || p < 0 || p > 0xff)
      throw new ObdError(`OBD-II service and PIDs are bytes (0–255); got ${p}.`);
  }
  const data = new Uint8Array(8).fill(options.padding ?? 0x00);
  data[0] = 1 + list.length;
  data[1] = service;
  data.set(list, 2);
  const extended = options.extended ?? false;
  return { id: options.id ?? (extended ? OBD_FUNCTIONAL_ID_EXTENDED : OBD_FUNCTIONAL_ID), extended, data };
}

/** True for the ids ECUs answer OBD-II requests from (0x7E8–0x7EF, 29-bit 0x18DAF1xx). */
export function isObdResponseId(id: number, extended: boolean): boolean {
  return extended ? (id & 0x1fffff00) === 0x18daf100 : id >= 0x7e8 && id <= 0x7ef;
}

/** The id to send flow control to, for a response from `id` (0x7E8 → 0x7E0; 0x18DAF1xx → 0x18DAxxF1). */
export function obdRequestIdFor(id: number, extended: boolean): number {
  return extended ? 0x18da00f1 | ((id & 0xff) << 8) : id - 8;
}

export interface ObdPidValue {
  readonly pid: number;
  /** The PID's definition, undefined for PIDs outside the standard table. */
  readonly definition: ObdPid | undefined;
  /** Data bytes A, B, C… */
  readonly data: Uint8Array;
  /** Physical values by field name (empty for unknown PIDs). */
  readonly values: DecodedSignals;
  /** For "PIDs supported" answers (0x00, 0x20…): the PIDs listed. */
  readonly supported?: readonly number[];
}

export type ObdResponse =
  | { readonly kind: "values"; readonly service: number; readonly values: readonly ObdPidValue[] }
  | { readonly kind: "negative"; readonly service: number; readonly code: number };

/** The response frame layout formulas are defined on: [length, service|0x40, pid, data…]. */
export function singleFrameView(service: number, pid: number, data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(8, 3 + data.length));
  frame[0] = 2 + data.length;
  frame[1] = service | 0x40;
  frame[2] = pid;
  frame.set(data, 3);
  return frame;
}

/**
 * Decodes a reassembled ISO-TP payload of a service 01 (or 02) response, which may answer
 * several PIDs at once. Unknown PIDs end the walk (their length is unknown): they are returned
 * with the rest of the payload as data and no values.
 */
export function decodeObdResponse(payload: Uint8Array): ObdResponse {
  if (payload.length < 2) throw new ObdError(`OBD-II response of ${payload.length} byte(s) is too short.`);
  if (payload[0] === 0x7f) {
    return { kind: "negative", service: payload[1]!, code: payload[2] ?? 0 };
  }
  const service = payload[0]! - 0x40;
  if (service !== 1 && service !== 2) {
    throw new ObdError(`Service 0x${payload[0]!.toString(16)} is not a service 01/02 response.`, {
      details: "Decode other services (e.g. 03 stored DTCs, 09 VIN) from the payload directly.",
    });
  }
  const values: ObdPidValue[] = [];
  // Service 02 (freeze frame) answers carry a frame number after each PID.
  const stride = service === 2 ? 1 : 0;
  let pos = 1;
  while (pos < payload.length) {
    const pid = payload[pos]!;
    const definition = obdPid(pid);
    const start = pos + 1 + stride;
    if (!definition) {
      values.push({ pid, definition, data: payload.slice(start), values: {} });
      break;
    }
    if (start + definition.bytes > payload.length) {
      throw new ObdError(
        `PID 0x${pid.toString(16).padStart(2, "0")} (${definition.name}) needs ${definition.bytes} data byte(s); the response has ${payload.length - start}.`,
      );
    }
    const data = payload.slice(start, start + definition.bytes);
    const decoded = pidFormulas(definition).decode(singleFrameView(1, pid, data));
    const entry: ObdPidValue =
      pid % 0x20 === 0
        ? { pid, definition, data, values: decoded, supported: decodeSupportedPids(pid, data) }
        : { pid, definition, data, values: decoded };
    values.push(entry);
    pos = start + definition.bytes;
  }
  return { kind: "values", service, values };
}

/**
 * Builds the single-frame response an ECU would send for a standard PID (simulators, tests):
 * values by field name, physical.
 */
export function buildObdResponse(
  pid: number,
  values: Readonly<Record<string, number>>,
  options: { id?: number; extended?: boolean } = {},
): ObdFrame {
  const definition = obdPid(pid);
  if (!definition) throw new ObdError(`PID 0x${pid.toString(16)} is not in the standard service 01 table.`);
  const frame = pidFormulas(definition).encode(values);
  const out = new Uint8Array(8);
  out.set(frame.subarray(0, 8));
  out[0] = 2 + definition.bytes;
  out[1] = 0x41;
  out[2] = pid;
  const extended = options.extended ?? false;
  return { id: options.id ?? (extended ? 0x18daf110 : 0x7e8), extended, data: out };
}
