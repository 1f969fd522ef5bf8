/**
 * A CAN message of a database, with its compiled codecs. The decode plan (multiplexing tree)
 * is built once, on first use; each decode variant (raw/physical, with/without names,
 * full/short frame) is compiled once, on first use.
 */
import { compileDecoder, type DecodedSignals, type DecodeFn } from "../codec/decoder.ts";
import { type EncodeInput, type EncodeOptions, encodeMessage } from "../codec/encoder.ts";
import { buildPlan, type PlanNode } from "../codec/plan.ts";
import { FrameLengthError, type SourceLocation } from "../errors.ts";
import type { AttributeValue, Signal, SignalGroup } from "./model.ts";

export interface DecodeOptions {
  /** Raw integer (or raw float) values instead of physical ones. Default false. */
  readonly raw?: boolean;
  /** Names from VAL_ instead of numbers where one is defined. Default false. */
  readonly choices?: boolean;
  /**
   * A frame shorter than the DBC length: `"error"` (default) throws FrameLengthError;
   * `"truncate"` decodes only the signals wholly inside the received bytes and leaves the
   * others out of the result. A value is never read from bytes that were not received.
   */
  readonly shortFrame?: "error" | "truncate";
  /** A frame longer than the DBC length: `"ignore"` (default) ignores the extra bytes; `"error"` throws. */
  readonly longFrame?: "ignore" | "error";
  /**
   * A selector value with no branch: `"omit"` (default) returns the signals outside the
   * branch (the selector included); `"error"` throws MultiplexerError, as cantools does.
   */
  readonly unknownMultiplexer?: "omit" | "error";
}

export interface MessageInit {
  readonly id: number;
  readonly extended: boolean;
  readonly dbcId: number;
  readonly reachable: boolean;
  readonly name: string;
  readonly dbcName: string;
  readonly length: number;
  readonly senders: readonly string[];
  readonly signals: readonly Signal[];
  readonly comment: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly cycleTime: number | undefined;
  readonly sendType: string | undefined;
  readonly frameFormat: string | undefined;
  readonly fd: boolean;
  readonly signalGroups: readonly SignalGroup[];
  readonly location: SourceLocation;
}

export class Message {
  /** Frame id without the DBC extended flag. */
  readonly id: number;
  /** 29-bit id (the DBC flag 0x80000000, or an opendbc id above 0x7FF). */
  readonly extended: boolean;
  /** The id exactly as written after BO_ (with the extended flag). */
  readonly dbcId: number;
  /** False when the id cannot be carried by any CAN frame (more than 29 bits). */
  readonly reachable: boolean;
  readonly name: string;
  readonly dbcName: string;
  /** Payload length in bytes (up to 64 for CAN FD). */
  readonly length: number;
  readonly senders: readonly string[];
  readonly signals: readonly Signal[];
  readonly comment: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** GenMsgCycleTime in milliseconds, when the DBC defines one above zero. */
  readonly cycleTime: number | undefined;
  readonly sendType: string | undefined;
  /** VFrameFormat label (StandardCAN, ExtendedCAN, J1939PG, StandardCAN_FD, …). */
  readonly frameFormat: string | undefined;
  /** Sent as a CAN FD frame (VFrameFormat *_FD). */
  readonly fd: boolean;
  readonly signalGroups: readonly SignalGroup[];
  readonly location: SourceLocation;

  private readonly byName: Map<string, Signal>;
  private planCache: PlanNode | undefined;
  private readonly decoders: (DecodeFn | undefined)[] = [];

  constructor(init: MessageInit) {
    this.id = init.id;
    this.extended = init.extended;
    this.dbcId = init.dbcId;
    this.reachable = init.reachable;
    this.name = init.name;
    this.dbcName = init.dbcName;
    this.length = init.length;
    this.senders = init.senders;
    this.signals = init.signals;
    this.comment = init.comment;
    this.attributes = init.attributes;
    this.cycleTime = init.cycleTime;
    this.sendType = init.sendType;
    this.frameFormat = init.frameFormat;
    this.fd = init.fd;
    this.signalGroups = init.signalGroups;
    this.location = init.location;
    this.byName = new Map(init.signals.map((s) => [s.name, s]));
  }

  signal(name: string): Signal | undefined {
    return this.byName.get(name);
  }

  /** The multiplexing tree (built on first use). */
  get plan(): PlanNode {
    this.planCache ??= buildPlan(this.signals);
    return this.planCache;
  }

  get isMultiplexed(): boolean {
    return this.plan.muxes.length > 0;
  }

  /** Decodes a payload. Default: physical values of every present signal; see DecodeOptions. */
  decode(data: Uint8Array, options?: DecodeOptions): DecodedSignals {
    const n = data.length;
    if (options === undefined) {
      if (n === this.length) return (this.decoders[0] ?? this.compile(0))(data);
      return this.decodeOtherLength(data, 0, undefined);
    }
    const variant =
      (options.raw ? 1 : 0) | (options.choices ? 2 : 0) | (options.unknownMultiplexer === "error" ? 4 : 0);
    if (n === this.length) return (this.decoders[variant] ?? this.compile(variant))(data);
    return this.decodeOtherLength(data, variant, options);
  }

  private decodeOtherLength(
    data: Uint8Array,
    variant: number,
    options: DecodeOptions | undefined,
  ): DecodedSignals {
    const n = data.length;
    if (n < this.length) {
      if (options?.shortFrame !== "truncate") throw new FrameLengthError(this.name, this.length, n);
      const checked = variant | 8;
      return (this.decoders[checked] ?? this.compile(checked))(data);
    }
    if (options?.longFrame === "error") throw new FrameLengthError(this.name, this.length, n);
    return (this.decoders[variant] ?? this.compile(variant))(data);
  }

  private compile(variant: number): DecodeFn {
    const fn = compileDecoder(this.name, this.length, this.plan, {
      raw: (variant & 1) !== 0,
      choices: (variant & 2) !== 0,
      strictMultiplexing: (variant & 4) !== 0,
      checked: (variant & 8) !== 0,
    });
    this.decoders[variant] = fn;
    return fn;
  }

  /** Builds the payload for the given values (physical by default); see EncodeOptions. */
  encode(values: EncodeInput, options?: EncodeOptions): Uint8Array {
    return encodeMessage(this.name, this.length, this.plan, values, options);
  }
}
