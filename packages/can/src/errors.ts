/**
 * Errors of the CAN toolkit, viem style: a short message a person can act on, optional details,
 * and a class a program can match. Every error of this package extends `CanError`.
 */
export class CanError extends Error {
  override name = "CanError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** Quote a value for a message without letting a huge or hostile input flood the log. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    if (typeof value === "bigint") text = `${value}n`;
    else if (typeof value === "number") text = String(value);
    else if (value instanceof Uint8Array) text = `0x${toHex(value)}`;
    else text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Where something is in a DBC file (1-based line and column). */
export interface SourceLocation {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

export function formatLocation(at: SourceLocation): string {
  return `${at.file ?? "<dbc>"}:${at.line}:${at.column}`;
}

/** The DBC text does not follow the grammar: what was expected, what was found, and where. */
export class DbcSyntaxError extends CanError {
  override name = "DbcSyntaxError";
  constructor(
    readonly location: SourceLocation,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${formatLocation(location)}: expected ${expected}, found ${found}.`, {
      details: "Fix the DBC statement at that position (see docs/can.md for the grammar we accept).",
    });
  }
}

/**
 * The DBC text parses but describes something that cannot work (a signal outside its frame,
 * overlapping signals, a frame id that is not a CAN id…). Raised only in strict mode; otherwise
 * the same finding is a `Diagnostic` on the database.
 */
export class DbcSemanticError extends CanError {
  override name = "DbcSemanticError";
  constructor(
    readonly code: string,
    readonly location: SourceLocation,
    message: string,
  ) {
    super(`${formatLocation(location)}: ${message}`, {
      details: "Fix the DBC, or parse it without `strict` to load it with this finding as a diagnostic.",
    });
  }
}

/** A frame's payload is shorter (or, when asked, longer) than its DBC message length. */
export class FrameLengthError extends CanError {
  override name = "FrameLengthError";
  constructor(
    readonly messageName: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Frame for ${messageName} is ${actual} byte(s) but the DBC says ${expected}.`, {
      details:
        actual < expected
          ? 'Decode with { shortFrame: "truncate" } to get only the signals wholly inside the received bytes.'
          : 'Decode with { longFrame: "ignore" } (the default) to ignore the extra bytes.',
    });
  }
}

/** The multiplexer selector holds a value that no branch is defined for (only in strict decoding). */
export class MultiplexerError extends CanError {
  override name = "MultiplexerError";
  constructor(
    readonly messageName: string,
    readonly multiplexer: string,
    readonly value: number,
    readonly expected: readonly number[],
  ) {
    super(
      `Multiplexer ${multiplexer} of ${messageName} selects ${value}, which has no branch (expected one of ${
        expected.length > 12 ? `${expected.slice(0, 12).join(", ")}, …` : expected.join(", ")
      }).`,
      {
        details:
          'Decode with { unknownMultiplexer: "omit" } (the default) to get the signals outside the branch.',
      },
    );
  }
}

/** Values given to `encode` cannot be represented by the message. */
export class EncodeError extends CanError {
  override name = "EncodeError";
  constructor(
    readonly messageName: string,
    shortMessage: string,
    details?: string,
  ) {
    super(`${messageName}: ${shortMessage}`, details === undefined ? {} : { details });
  }
}

/** A candump line that is not in a format we read. */
export class CandumpParseError extends CanError {
  override name = "CandumpParseError";
  constructor(
    readonly line: string,
    reason: string,
  ) {
    super(`Not a candump frame line (${reason}): ${describeValue(line)}`, {
      details:
        "Expected `(1436509052.249713) can0 123#DEADBEEF` (candump -L), `123##1AABB` for CAN FD, or `can0  123   [4]  DE AD BE EF`.",
    });
  }
}

/** A DIMO PID formula or an OBD-II request/response that we cannot use. */
export class ObdError extends CanError {
  override name = "ObdError";
}

/** A logger configuration that does not validate; `issues` lists every problem with its path. */
export class LoggerConfigError extends CanError {
  override name = "LoggerConfigError";
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(`Invalid logger configuration: ${issues.length} problem(s).`, {
      details: issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("\n"),
    });
  }
}

/** A unit we do not know, or two units that measure different things. */
export class UnitConversionError extends CanError {
  override name = "UnitConversionError";
}
