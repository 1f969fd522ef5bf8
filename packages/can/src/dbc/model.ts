/**
 * The database object model, independent of the DBC text: Database → Message → Signal
 * (after cantools). Parsing builds it (parser.ts); decoding and encoding are compiled from it
 * (../codec/).
 */
import type { SourceLocation } from "../errors.ts";

export type ByteOrder = "little_endian" | "big_endian";

/** How a signal's raw bits are read: two's-complement/unsigned integer, or IEEE float. */
export type SignalValueType = "integer" | "float32" | "float64";

/** An attribute value: INT/HEX/FLOAT are numbers, STRING a string, ENUM its label. */
export type AttributeValue = number | string;

/** Raw value → name, from VAL_ (or a VAL_TABLE_). Keys beyond 2^53 are bigint. */
export type Choices = ReadonlyMap<number | bigint, string>;

export interface Signal {
  /** Name used in decoded output: the SystemSignalLongSymbol attribute when present, else the SG_ name. */
  readonly name: string;
  /** The name as written in SG_ (at most 32 characters in Vector tools). */
  readonly dbcName: string;
  readonly startBit: number;
  readonly length: number;
  /** `@1` is little endian (Intel), `@0` big endian (Motorola). */
  readonly byteOrder: ByteOrder;
  readonly signed: boolean;
  readonly valueType: SignalValueType;
  readonly factor: number;
  readonly offset: number;
  /** Physical range; undefined when the DBC says [0|0] (no range). */
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly unit: string;
  readonly receivers: readonly string[];
  readonly choices: Choices | undefined;
  readonly comment: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** True for `M` and `mNM`: this signal selects which multiplexed signals are present. */
  readonly isMultiplexer: boolean;
  /** Name of the selector that gates this signal (undefined: always present). */
  readonly multiplexerSignal: string | undefined;
  /** Selector values for which this signal is present (mN and SG_MUL_VAL_ ranges). */
  readonly multiplexerIds: readonly number[] | undefined;
  readonly location: SourceLocation;
}

export interface SignalGroup {
  readonly name: string;
  readonly repetitions: number;
  readonly signalNames: readonly string[];
}

export interface Node {
  readonly name: string;
  readonly comment: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface EnvironmentVariable {
  readonly name: string;
  /** 0 integer, 1 float, 2 string. */
  readonly type: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly unit: string;
  readonly initialValue: number;
  readonly id: number;
  readonly accessType: string;
  readonly accessNodes: readonly string[];
  readonly comment: string | undefined;
  readonly choices: Choices | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export type AttributeObjectType =
  | "network"
  | "node"
  | "message"
  | "signal"
  | "environmentVariable"
  | "nodeSignalRelation"
  | "nodeMessageRelation"
  | "nodeEnvironmentVariableRelation";

export interface AttributeDefinition {
  readonly name: string;
  readonly objectType: AttributeObjectType;
  readonly valueType: "INT" | "HEX" | "FLOAT" | "STRING" | "ENUM";
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly defaultValue: AttributeValue | undefined;
}

/** A relation attribute (BA_REL_): a value for a node paired with a message or a signal. */
export interface RelationAttribute {
  readonly name: string;
  readonly node: string;
  readonly messageId: number;
  readonly signal: string | undefined;
  readonly value: AttributeValue;
}

export type DiagnosticCode =
  | "frame-id-out-of-range"
  | "nonstandard-extended-id"
  | "signal-outside-frame"
  | "signals-overlap"
  | "signal-length-invalid"
  | "message-length-invalid"
  | "duplicate-message-id"
  | "duplicate-signal-name"
  | "unknown-message"
  | "unknown-signal"
  | "unknown-node"
  | "unknown-attribute"
  | "multiplexer-invalid"
  | "unsupported-statement"
  | "statement-skipped"
  | "missing-semicolon";

/**
 * Something in the DBC worth knowing that does not stop it from loading. In strict mode the
 * ones marked `strict` become errors (they are what cantools refuses in strict mode).
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly location: SourceLocation;
  readonly strict: boolean;
}
