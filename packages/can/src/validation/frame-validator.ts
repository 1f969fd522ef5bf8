/**
 * Frame integrity checks modelled on opendbc: a message that declares a checksum signal must
 * carry the checksum its family's algorithm computes, and a rolling counter must advance by one
 * per frame. As in opendbc, a counter is only declared failed after several consecutive errors
 * (one dropped frame is not a fault), and each good frame earns one error back.
 */
import { readUnsigned, type Segment, signalSegments } from "../codec/layout.ts";
import type { Database } from "../dbc/database.ts";
import type { Message } from "../dbc/message.ts";
import type { Signal } from "../dbc/model.ts";
import { CanError } from "../errors.ts";
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  type ChecksumFamily,
  detectChecksumFamily,
} from "./checksums.ts";

export interface FrameCheck {
  /** `absent`: the message has no checksum signal (or no family is known). */
  readonly checksum: "ok" | "mismatch" | "absent";
  /** `first`: the first frame of the message (nothing to compare with yet). */
  readonly counter: "ok" | "skipped" | "first" | "absent";
  readonly expectedChecksum?: number;
  readonly receivedChecksum?: number;
  /** False when the checksum is wrong or the counter has failed too often in a row. */
  readonly valid: boolean;
}

export interface FrameValidatorOptions {
  /**
   * Checksum family. Default: detected from the database's file name (opendbc naming);
   * `null` checks counters only.
   */
  readonly family?: ChecksumFamily | null;
  /** Consecutive counter errors before frames count as invalid (opendbc: 5). */
  readonly maxCounterErrors?: number;
}

interface Integrity {
  readonly checksum?: { readonly signal: Signal; readonly segments: readonly Segment[] };
  readonly counter?: { readonly signal: Signal; readonly segments: readonly Segment[] };
  last: number | undefined;
  errors: number;
}

export class FrameValidator {
  readonly family: ChecksumFamily | undefined;
  private readonly algorithm: ChecksumAlgorithm | undefined;
  private readonly maxErrors: number;
  private readonly state = new Map<Message, Integrity>();

  constructor(database: Database, options: FrameValidatorOptions = {}) {
    const family =
      options.family === null ? undefined : (options.family ?? detectChecksumFamily(database.file ?? ""));
    if (options.family !== undefined && options.family !== null && !(options.family in CHECKSUM_ALGORITHMS)) {
      throw new CanError(`Unknown checksum family ${JSON.stringify(options.family)}.`, {
        details: `Known families: ${Object.keys(CHECKSUM_ALGORITHMS).join(", ")}.`,
      });
    }
    this.family = family;
    this.algorithm = family ? CHECKSUM_ALGORITHMS[family] : undefined;
    this.maxErrors = options.maxCounterErrors ?? 5;
  }

  private integrity(message: Message): Integrity {
    let s = this.state.get(message);
    if (!s) {
      // Tesla names them <Message>Checksum / <Message>Counter; everyone else CHECKSUM / COUNTER.
      const tesla = this.family === "tesla";
      const find = (exact: string, suffix: string) =>
        message.signals.find((sig) => sig.name === exact || (tesla && sig.name.endsWith(suffix)));
      const pick = (sig: Signal | undefined) =>
        sig && sig.length <= 32
          ? { signal: sig, segments: signalSegments(sig.startBit, sig.length, sig.byteOrder) }
          : undefined;
      const checksum = this.algorithm ? pick(find("CHECKSUM", "Checksum")) : undefined;
      const counter = pick(find("COUNTER", "Counter"));
      s = { ...(checksum ? { checksum } : {}), ...(counter ? { counter } : {}), last: undefined, errors: 0 };
      this.state.set(message, s);
    }
    return s;
  }

  /** Checks one frame of `message` and advances its counter state. */
  check(message: Message, data: Uint8Array): FrameCheck {
    const s = this.integrity(message);
    let checksum: FrameCheck["checksum"] = "absent";
    let expectedChecksum: number | undefined;
    let receivedChecksum: number | undefined;
    if (s.checksum && this.algorithm) {
      receivedChecksum = readUnsigned(data, s.checksum.segments);
      if (receivedChecksum !== undefined) {
        expectedChecksum = this.algorithm(message.id, data, s.checksum.signal);
        checksum = expectedChecksum === receivedChecksum ? "ok" : "mismatch";
      }
    }
    let counter: FrameCheck["counter"] = "absent";
    if (s.counter) {
      const value = readUnsigned(data, s.counter.segments);
      if (value !== undefined) {
        if (s.last === undefined) counter = "first";
        else if (value === (s.last + 1) % 2 ** s.counter.signal.length) {
          counter = "ok";
          if (s.errors > 0) s.errors--;
        } else {
          counter = "skipped";
          s.errors = Math.min(s.errors + 1, this.maxErrors);
        }
        s.last = value;
      }
    }
    const valid = checksum !== "mismatch" && s.errors < this.maxErrors;
    return {
      checksum,
      counter,
      valid,
      ...(expectedChecksum !== undefined ? { expectedChecksum } : {}),
      ...(receivedChecksum !== undefined ? { receivedChecksum } : {}),
    };
  }

  /** Forget counter history (e.g. after the bus went quiet). */
  reset(): void {
    this.state.clear();
  }
}
