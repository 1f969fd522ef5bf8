/**
 * ISO 15765-2 (ISO-TP) on classic CAN, as OBD-II uses it: single frames (up to 7 bytes),
 * first + consecutive frames (up to 4095 bytes), and the flow control frame the receiver sends
 * after a first frame. One receiver per sending ECU (responses of several ECUs interleave).
 */
import { ObdError } from "../errors.ts";

export type IsoTpEvent =
  /** A whole message arrived. */
  | { readonly kind: "message"; readonly payload: Uint8Array }
  /** A first frame arrived: send `flowControl` to the sender so it continues. */
  | { readonly kind: "first"; readonly length: number; readonly flowControl: Uint8Array }
  /** A consecutive frame arrived; more are needed. */
  | { readonly kind: "partial"; readonly received: number; readonly length: number }
  /** A flow control frame (we are not sending anything segmented): nothing to do. */
  | { readonly kind: "flow-control" }
  /** Something out of order or malformed; the message in progress is dropped. */
  | { readonly kind: "error"; readonly reason: string };

export interface IsoTpOptions {
  /** Longest message accepted (default 4095, the classic ISO-TP limit). */
  readonly maxLength?: number;
  /** Padding byte of the flow control frames we build (default 0x00). */
  readonly padding?: number;
}

/** Flow control "continue to send": no block limit, no minimum separation time. */
export function flowControlFrame(padding = 0x00): Uint8Array {
  const f = new Uint8Array(8).fill(padding);
  f[0] = 0x30;
  f[1] = 0x00;
  f[2] = 0x00;
  return f;
}

export class IsoTpReceiver {
  private buffer: Uint8Array | undefined;
  private received = 0;
  private nextIndex = 0;
  private readonly maxLength: number;
  private readonly padding: number;

  constructor(options: IsoTpOptions = {}) {
    this.maxLength = options.maxLength ?? 4095;
    this.padding = options.padding ?? 0x00;
  }

  /** Feeds one CAN frame payload from the sender. */
  push(frame: Uint8Array): IsoTpEvent {
    if (frame.length === 0) return { kind: "error", reason: "empty frame" };
    const type = frame[0]! >> 4;
    switch (type) {
      case 0: {
        const length = frame[0]! & 0x0f;
        this.buffer = undefined;
        if (length === 0 || length > frame.length - 1) {
          return {
            kind: "error",
            reason: `single frame announces ${length} byte(s) but carries ${frame.length - 1}`,
          };
        }
        return { kind: "message", payload: frame.slice(1, 1 + length) };
      }
      case 1: {
        if (frame.length < 8) return this.fail(`first frame is ${frame.length} bytes; ISO-TP needs 8`);
        const length = ((frame[0]! & 0x0f) << 8) | frame[1]!;
        if (length < 8) return this.fail(`first frame announces ${length} bytes, which fits a single frame`);
        if (length > this.maxLength)
          return this.fail(`message of ${length} bytes is longer than ${this.maxLength}`);
        this.buffer = new Uint8Array(length);
        this.buffer.set(frame.subarray(2, 8));
        this.received = 6;
        this.nextIndex = 1;
        return { kind: "first", length, flowControl: flowControlFrame(this.padding) };
      }
      case 2: {
        if (!this.buffer) return { kind: "error", reason: "consecutive frame without a first frame" };
        const index = frame[0]! & 0x0f;
        if (index !== this.nextIndex)
          return this.fail(`consecutive frame ${index} where ${this.nextIndex} was due`);
        const take = Math.min(frame.length - 1, this.buffer.length - this.received);
        this.buffer.set(frame.subarray(1, 1 + take), this.received);
        this.received += take;
        this.nextIndex = (this.nextIndex + 1) & 0x0f;
        if (this.received < this.buffer.length)
          return { kind: "partial", received: this.received, length: this.buffer.length };
        const payload = this.buffer;
        this.buffer = undefined;
        return { kind: "message", payload };
      }
      case 3:
        return { kind: "flow-control" };
      default:
        return { kind: "error", reason: `unknown ISO-TP frame type ${type}` };
    }
  }

  private fail(reason: string): IsoTpEvent {
    this.buffer = undefined;
    return { kind: "error", reason };
  }
}

/** Splits a payload into ISO-TP frames (single, or first + consecutive), padded to 8 bytes. */
export function segmentIsoTp(payload: Uint8Array, padding = 0x00): Uint8Array[] {
  if (payload.length === 0 || payload.length > 4095) {
    throw new ObdError(`An ISO-TP payload must be 1 to 4095 bytes, not ${payload.length}.`);
  }
  const frame = () => new Uint8Array(8).fill(padding);
  if (payload.length <= 7) {
    const f = frame();
    f[0] = payload.length;
    f.set(payload, 1);
    return [f];
  }
  const frames: Uint8Array[] = [];
  const first = frame();
  first[0] = 0x10 | (payload.length >> 8);
  first[1] = payload.length & 0xff;
  first.set(payload.subarray(0, 6), 2);
  frames.push(first);
  let index = 1;
  for (let pos = 6; pos < payload.length; pos += 7) {
    const f = frame();
    f[0] = 0x20 | index;
    f.set(payload.subarray(pos, pos + 7), 1);
    frames.push(f);
    index = (index + 1) & 0x0f;
  }
  return frames;
}
