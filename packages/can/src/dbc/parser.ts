/**
 * DBC text → Database. A recursive-descent parser over the statements used in practice
 * (Vector's DBC format as CANdb++, cantools and opendbc write it). Syntax errors stop the parse
 * with file, line and column; findings that do not stop decoding (a signal outside its frame,
 * overlapping signals, a reference to an unknown message…) become diagnostics, or errors in
 * strict mode.
 */

import { segmentsExtent, signalSegments } from "../codec/layout.ts";
import { DbcSemanticError, DbcSyntaxError, type SourceLocation } from "../errors.ts";
import { Database } from "./database.ts";
import { describeToken, Lexer, type Token, TokenKind } from "./lexer.ts";
import { Message } from "./message.ts";
import type {
  AttributeDefinition,
  AttributeObjectType,
  AttributeValue,
  Choices,
  Diagnostic,
  DiagnosticCode,
  EnvironmentVariable,
  Node,
  RelationAttribute,
  Signal,
  SignalGroup,
} from "./model.ts";
import { findOverlaps } from "./overlap.ts";

export interface ParseDbcOptions {
  /** File name used in error messages and diagnostics. */
  file?: string;
  /**
   * Refuse what cantools refuses in strict mode (signals outside their frame, overlapping
   * signals, frame ids that are not CAN ids): throw `DbcSemanticError` instead of recording a
   * diagnostic. Default false, so that real-world files (opendbc) load.
   */
  strict?: boolean;
}

const STATEMENT_KEYWORDS = new Set([
  "VERSION",
  "NS_",
  "BS_",
  "BU_",
  "BO_",
  "SG_",
  "EV_",
  "CM_",
  "BA_DEF_",
  "BA_DEF_DEF_",
  "BA_",
  "BA_DEF_REL_",
  "BA_DEF_DEF_REL_",
  "BA_REL_",
  "VAL_",
  "VAL_TABLE_",
  "SIG_VALTYPE_",
  "SG_MUL_VAL_",
  "BO_TX_BU_",
  "SIG_GROUP_",
  "ENVVAR_DATA_",
  "SGTYPE_",
  "SGTYPE_VAL_",
  "SIG_TYPE_REF_",
  "SIGTYPE_VALTYPE_",
  "BA_DEF_SGTYPE_",
  "BA_SGTYPE_",
  "CAT_DEF_",
  "CAT_",
  "FILTER",
  "EV_DATA_",
  "BU_SG_REL_",
  "BU_EV_REL_",
  "BU_BO_REL_",
  "NS_DESC_",
]);

/** Statements whose syntax errors are always fatal: skipping them would decode frames wrongly. */
const STRUCTURAL = new Set(["VERSION", "NS_", "BS_", "BU_", "BO_", "SG_"]);

/** The pseudo-message Vector tools use to hold signals not assigned to any frame. */
const INDEPENDENT_SIGNALS_MESSAGE = "VECTOR__INDEPENDENT_SIG_MSG";

/** The default VFrameFormat labels (CANdb++), used when the attribute is defined as INT. */
const VFRAME_FORMATS = [
  "StandardCAN",
  "ExtendedCAN",
  "reserved",
  "J1939PG",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "reserved",
  "StandardCAN_FD",
  "ExtendedCAN_FD",
];

/** Upper bound on the selector values one SG_MUL_VAL_ range may expand to. */
const MAX_MUX_RANGE = 1 << 16;

interface RawSignal {
  name: string;
  mux: string | undefined;
  startBit: number;
  length: number;
  byteOrder: "little_endian" | "big_endian";
  signed: boolean;
  factor: number;
  offset: number;
  minimum: number;
  maximum: number;
  unit: string;
  receivers: string[];
  location: SourceLocation;
}

interface RawMessage {
  dbcId: number;
  name: string;
  length: number;
  sender: string;
  signals: RawSignal[];
  location: SourceLocation;
}

interface RawAttribute {
  name: string;
  target:
    | { kind: "network" }
    | { kind: "node"; node: string }
    | { kind: "message"; dbcId: number }
    | { kind: "signal"; dbcId: number; signal: string }
    | { kind: "environmentVariable"; name: string };
  value: Token;
  location: SourceLocation;
}

interface RawAttributeDefinition {
  name: string;
  objectType: AttributeObjectType;
  valueType: AttributeDefinition["valueType"];
  minimum: number | undefined;
  maximum: number | undefined;
  enumValues: string[] | undefined;
  location: SourceLocation;
}

interface RawMuxValues {
  dbcId: number;
  signal: string;
  switchName: string;
  ranges: [number, number][];
  location: SourceLocation;
}

const signalKey = (dbcId: number, name: string): string => `${dbcId}\u0000${name}`;

export function parseDbc(text: string, options: ParseDbcOptions = {}): Database {
  return new DbcParser(text, options).parse();
}

class DbcParser {
  private readonly lex: Lexer;
  private readonly diagnostics: Diagnostic[] = [];

  private version = "";
  private nodeNames: { name: string; location: SourceLocation }[] = [];
  private readonly valueTables = new Map<string, Choices>();
  private readonly messages: RawMessage[] = [];
  private readonly extraSenders = new Map<number, string[]>();
  private networkComment: string | undefined;
  private readonly nodeComments = new Map<string, string>();
  private readonly messageComments = new Map<number, string>();
  private readonly signalComments = new Map<string, string>();
  private readonly envComments = new Map<string, string>();
  private readonly attributeDefinitions = new Map<string, RawAttributeDefinition>();
  private readonly attributeDefaults = new Map<string, Token>();
  private readonly attributes: RawAttribute[] = [];
  private readonly relationValues: {
    name: string;
    node: string;
    dbcId: number;
    signal: string | undefined;
    value: Token;
    location: SourceLocation;
  }[] = [];
  private readonly signalChoices = new Map<string, { choices: Choices; location: SourceLocation }>();
  private readonly envChoices = new Map<string, Choices>();
  private readonly valueTypes = new Map<string, { type: number; location: SourceLocation }>();
  private readonly muxValues: RawMuxValues[] = [];
  private readonly signalGroups = new Map<number, SignalGroup[]>();
  private readonly envVars: Omit<EnvironmentVariable, "comment" | "choices" | "attributes">[] = [];

  constructor(
    text: string,
    private readonly options: ParseDbcOptions,
  ) {
    this.lex = new Lexer(text, options.file);
  }

  parse(): Database {
    let previous = "";
    for (;;) {
      const t = this.lex.peek();
      if (t.kind === TokenKind.End) break;
      if (t.kind !== TokenKind.Word || !STATEMENT_KEYWORDS.has(t.text)) {
        throw this.syntax(t, "a DBC statement keyword (BO_, SG_, CM_, BA_, VAL_, …)");
      }
      this.lex.next();
      try {
        this.statement(t, previous);
      } catch (error) {
        // A malformed comment, attribute or value table (opendbc has a few) must not keep a
        // device from decoding: skip that statement and say so. Messages and signals, and
        // anything in strict mode, stay fatal.
        if (!(error instanceof DbcSyntaxError) || STRUCTURAL.has(t.text) || this.options.strict) throw error;
        this.diagnose(
          "statement-skipped",
          error.location,
          `${t.text} statement at line ${t.line} skipped: expected ${error.expected}, found ${error.found}.`,
          true,
        );
        this.resync();
      }
      previous = t.text;
    }
    return this.assemble();
  }

  /** Skips to the end of a malformed statement: past its ";" or to the next line-leading keyword. */
  private resync(): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.kind === TokenKind.End) return;
      if (t.kind === TokenKind.Punct && t.text === ";") {
        this.lex.next();
        return;
      }
      if (t.bol && t.kind === TokenKind.Word && STATEMENT_KEYWORDS.has(t.text)) return;
      this.lex.next();
    }
  }

  private statement(t: Token, previous: string): void {
    switch (t.text) {
      case "VERSION":
        this.version = this.expectString("a version string after VERSION").text;
        break;
      case "NS_":
        this.parseNewSymbols();
        break;
      case "BS_":
        this.parseBitTiming();
        break;
      case "BU_":
        this.parseNodes();
        break;
      case "BO_":
        this.parseMessage(t);
        break;
      case "SG_": {
        const message = this.messages[this.messages.length - 1];
        if (!message || (previous !== "BO_" && previous !== "SG_")) {
          throw this.syntax(t, "SG_ only inside a message (directly after its BO_ line)");
        }
        message.signals.push(this.parseSignal(t));
        break;
      }
      case "BO_TX_BU_":
        this.parseSenders();
        break;
      case "CM_":
        this.parseComment();
        break;
      case "BA_DEF_":
        this.parseAttributeDefinition(t, false);
        break;
      case "BA_DEF_REL_":
        this.parseAttributeDefinition(t, true);
        break;
      case "BA_DEF_DEF_":
      case "BA_DEF_DEF_REL_": {
        const name = this.expectString("an attribute name").text;
        this.attributeDefaults.set(name, this.expectValue());
        this.endStatement();
        break;
      }
      case "BA_":
        this.parseAttribute(t);
        break;
      case "BA_REL_":
        this.parseRelationAttribute(t);
        break;
      case "VAL_TABLE_": {
        const name = this.expectWord("a value table name").text;
        this.valueTables.set(name, this.parseChoiceList());
        break;
      }
      case "VAL_":
        this.parseChoices(t);
        break;
      case "SIG_VALTYPE_":
        this.parseValueType(t);
        break;
      case "SG_MUL_VAL_":
        this.parseMuxValues(t);
        break;
      case "SIG_GROUP_":
        this.parseSignalGroup();
        break;
      case "EV_":
        this.parseEnvironmentVariable();
        break;
      case "ENVVAR_DATA_":
        this.expectWord("an environment variable name");
        this.expectPunct(":");
        this.expectNumber("a data size");
        this.endStatement();
        break;
      default:
        // Signal types, categories, filters, relations: read over, not needed to decode.
        this.skipStatement(t);
        this.diagnose(
          "unsupported-statement",
          this.lex.location(t),
          `${t.text} statements are read but not used.`,
        );
    }
  }

  // ---- tokens ---------------------------------------------------------------------------------

  private syntax(t: Token, expected: string): DbcSyntaxError {
    return new DbcSyntaxError(this.lex.location(t), expected, describeToken(t));
  }

  private expectPunct(p: string): Token {
    const t = this.lex.next();
    if (t.kind !== TokenKind.Punct || t.text !== p) throw this.syntax(t, `"${p}"`);
    return t;
  }

  private acceptPunct(p: string): boolean {
    const t = this.lex.peek();
    if (t.kind === TokenKind.Punct && t.text === p) {
      this.lex.next();
      return true;
    }
    return false;
  }

  private expectWord(what: string): Token {
    const t = this.lex.next();
    if (t.kind !== TokenKind.Word) throw this.syntax(t, what);
    return t;
  }

  private expectString(what: string): Token {
    const t = this.lex.next();
    if (t.kind !== TokenKind.String) throw this.syntax(t, what);
    return t;
  }

  private expectNumber(what: string): number {
    const t = this.lex.next();
    if (t.kind !== TokenKind.Number) throw this.syntax(t, what);
    return Number(t.text);
  }

  /** A non-negative integer that fits a double exactly (ids, lengths, bit positions). */
  private expectInteger(what: string): number {
    const t = this.lex.next();
    if (t.kind !== TokenKind.Number) throw this.syntax(t, what);
    const v = Number(t.text);
    if (!Number.isSafeInteger(v) || v < 0) throw this.syntax(t, `${what} (a non-negative integer)`);
    return v;
  }

  private expectValue(): Token {
    const t = this.lex.next();
    if (t.kind !== TokenKind.Number && t.kind !== TokenKind.String)
      throw this.syntax(t, "a number or a string");
    return t;
  }

  /** A keyword that begins a line, or the end of the file: where a statement missing its ";" ends. */
  private isNextStatement(t: Token): boolean {
    return t.kind === TokenKind.End || (t.bol && t.kind === TokenKind.Word && STATEMENT_KEYWORDS.has(t.text));
  }

  /** The ";" that ends a statement; a missing one before the next statement is a diagnostic. */
  private endStatement(): void {
    const t = this.lex.peek();
    if (t.kind === TokenKind.Punct && t.text === ";") {
      this.lex.next();
      return;
    }
    if (this.isNextStatement(t) && !this.options.strict) {
      this.diagnose(
        "missing-semicolon",
        this.lex.location(t),
        `The statement before line ${t.line} does not end with ";".`,
        true,
      );
      return;
    }
    throw this.syntax(t, '";"');
  }

  private skipStatement(start: Token): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.kind === TokenKind.Punct && t.text === ";") {
        this.lex.next();
        return;
      }
      if (this.isNextStatement(t)) {
        if (t.kind === TokenKind.End && this.options.strict) {
          throw this.syntax(t, `";" ending the ${start.text} statement started at line ${start.line}`);
        }
        this.endStatement();
        return;
      }
      this.lex.next();
    }
  }

  private diagnose(code: DiagnosticCode, location: SourceLocation, message: string, strict = false): void {
    this.diagnostics.push({ code, location, message, strict });
  }

  // ---- statements -----------------------------------------------------------------------------

  /** `NS_ :` then the list of new symbols, up to the first `X :` (normally `BS_:`). */
  private parseNewSymbols(): void {
    this.expectPunct(":");
    for (;;) {
      const t = this.lex.peek();
      if (t.kind !== TokenKind.Word) return;
      if (t.text === "BS_" || t.text === "BU_" || t.text === "BO_" || t.text === "VERSION") return;
      this.lex.next();
      const after = this.lex.peek();
      if (after.kind === TokenKind.Punct && after.text === ":") {
        throw this.syntax(after, `a new-symbol name after ${t.text} (is BS_: missing?)`);
      }
    }
  }

  /** `BS_: [baudrate : BTR1 , BTR2]` — obsolete, read and ignored. */
  private parseBitTiming(): void {
    this.expectPunct(":");
    const t = this.lex.peek();
    if (t.kind === TokenKind.Number) {
      this.lex.next();
      this.expectPunct(":");
      this.expectNumber("BTR1");
      this.expectPunct(",");
      this.expectNumber("BTR2");
    }
  }

  private parseNodes(): void {
    this.expectPunct(":");
    for (;;) {
      const t = this.lex.peek();
      if (t.kind !== TokenKind.Word || STATEMENT_KEYWORDS.has(t.text)) return;
      this.lex.next();
      this.nodeNames.push({ name: t.text, location: this.lex.location(t) });
    }
  }

  private parseMessage(start: Token): void {
    const dbcId = this.expectInteger("a message id after BO_");
    const name = this.expectWord("a message name").text;
    this.expectPunct(":");
    const length = this.expectInteger("a message length in bytes");
    let sender = "Vector__XXX";
    const t = this.lex.peek();
    if (t.kind === TokenKind.Word && !STATEMENT_KEYWORDS.has(t.text)) sender = this.lex.next().text;
    this.messages.push({ dbcId, name, length, sender, signals: [], location: this.lex.location(start) });
  }

  private parseSignal(start: Token): RawSignal {
    const name = this.expectWord("a signal name after SG_").text;
    let mux: string | undefined;
    const t = this.lex.peek();
    if (t.kind === TokenKind.Word) {
      this.lex.next();
      if (/^(M|m\d+M?)$/.test(t.text)) mux = t.text;
      else if (this.options.strict) throw this.syntax(t, 'a multiplexer indicator (M, m<N> or m<N>M) or ":"');
      else {
        this.diagnose(
          "multiplexer-invalid",
          this.lex.location(t),
          `Signal ${name} has the malformed multiplexer indicator "${t.text}"; it decodes as a plain signal.`,
          true,
        );
      }
    }
    this.expectPunct(":");
    const startBit = this.expectInteger("a start bit");
    this.expectPunct("|");
    const length = this.expectInteger("a signal length in bits");
    this.expectPunct("@");
    const orderToken = this.lex.next();
    if (orderToken.kind !== TokenKind.Number || (orderToken.text !== "0" && orderToken.text !== "1")) {
      throw this.syntax(orderToken, "a byte order (0 Motorola, 1 Intel)");
    }
    const signToken = this.lex.next();
    if (signToken.kind !== TokenKind.Punct || (signToken.text !== "+" && signToken.text !== "-")) {
      throw this.syntax(signToken, 'a sign ("+" unsigned, "-" signed)');
    }
    this.expectPunct("(");
    const factor = this.expectNumber("a factor");
    this.expectPunct(",");
    const offset = this.expectNumber("an offset");
    this.expectPunct(")");
    this.expectPunct("[");
    const minimum = this.expectNumber("a minimum");
    this.expectPunct("|");
    const maximum = this.expectNumber("a maximum");
    this.expectPunct("]");
    const unit = this.expectString("a unit string").text;
    const receivers: string[] = [];
    for (;;) {
      const r = this.lex.peek();
      if (r.kind === TokenKind.Punct && r.text === ",") {
        this.lex.next();
        continue;
      }
      if (r.kind !== TokenKind.Word || STATEMENT_KEYWORDS.has(r.text)) break;
      this.lex.next();
      if (r.text !== "Vector__XXX") receivers.push(r.text);
    }
    return {
      name,
      mux,
      startBit,
      length,
      byteOrder: orderToken.text === "1" ? "little_endian" : "big_endian",
      signed: signToken.text === "-",
      factor,
      offset,
      minimum,
      maximum,
      unit,
      receivers,
      location: this.lex.location(start),
    };
  }

  private parseSenders(): void {
    const dbcId = this.expectInteger("a message id after BO_TX_BU_");
    this.expectPunct(":");
    const list = this.extraSenders.get(dbcId) ?? [];
    for (;;) {
      const t = this.lex.next();
      if (t.kind === TokenKind.Word) list.push(t.text);
      else if (t.kind === TokenKind.Punct && t.text === ";") break;
      else if (!(t.kind === TokenKind.Punct && t.text === ","))
        throw this.syntax(t, 'a sender node name or ";"');
    }
    this.extraSenders.set(dbcId, list);
  }

  private parseComment(): void {
    const t = this.lex.next();
    if (t.kind === TokenKind.String) {
      // CANdb++ behaviour: several network comments are concatenated.
      this.networkComment = (this.networkComment ?? "") + t.text;
    } else if (t.kind === TokenKind.Word && t.text === "BU_") {
      const node = this.expectWord("a node name").text;
      this.nodeComments.set(node, this.expectString("a comment string").text);
    } else if (t.kind === TokenKind.Word && t.text === "BO_") {
      const id = this.expectInteger("a message id");
      this.messageComments.set(id, this.expectString("a comment string").text);
    } else if (t.kind === TokenKind.Word && t.text === "SG_") {
      const id = this.expectInteger("a message id");
      const name = this.expectWord("a signal name").text;
      this.signalComments.set(signalKey(id, name), this.expectString("a comment string").text);
    } else if (t.kind === TokenKind.Word && t.text === "EV_") {
      const name = this.expectWord("an environment variable name").text;
      this.envComments.set(name, this.expectString("a comment string").text);
    } else {
      throw this.syntax(t, "a comment string or BU_, BO_, SG_, EV_ after CM_");
    }
    this.endStatement();
  }

  private parseAttributeDefinition(start: Token, relation: boolean): void {
    let objectType: AttributeObjectType = "network";
    const t = this.lex.peek();
    if (t.kind === TokenKind.Word) {
      this.lex.next();
      const map: Record<string, AttributeObjectType> = relation
        ? {
            BU_SG_REL_: "nodeSignalRelation",
            BU_BO_REL_: "nodeMessageRelation",
            BU_EV_REL_: "nodeEnvironmentVariableRelation",
          }
        : { BU_: "node", BO_: "message", SG_: "signal", EV_: "environmentVariable" };
      const type = map[t.text];
      if (!type) throw this.syntax(t, `an object type (${Object.keys(map).join(", ")}) or an attribute name`);
      objectType = type;
    }
    const name = this.expectString("an attribute name").text;
    const typeToken = this.expectWord("an attribute type (INT, HEX, FLOAT, STRING, ENUM)");
    const valueType = typeToken.text as AttributeDefinition["valueType"];
    let minimum: number | undefined;
    let maximum: number | undefined;
    let enumValues: string[] | undefined;
    switch (valueType) {
      case "INT":
      case "HEX":
      case "FLOAT":
        if (this.lex.peek().kind === TokenKind.Number) {
          minimum = this.expectNumber("a minimum");
          maximum = this.expectNumber("a maximum");
        }
        break;
      case "STRING":
        break;
      case "ENUM":
        enumValues = [];
        while (this.lex.peek().kind === TokenKind.String) {
          enumValues.push(this.lex.next().text);
          if (!this.acceptPunct(",")) break;
        }
        break;
      default:
        throw this.syntax(typeToken, "an attribute type (INT, HEX, FLOAT, STRING, ENUM)");
    }
    this.endStatement();
    this.attributeDefinitions.set(name, {
      name,
      objectType,
      valueType,
      minimum,
      maximum,
      enumValues,
      location: this.lex.location(start),
    });
  }

  private parseAttribute(start: Token): void {
    const name = this.expectString("an attribute name").text;
    let target: RawAttribute["target"] = { kind: "network" };
    const t = this.lex.peek();
    if (t.kind === TokenKind.Word) {
      this.lex.next();
      if (t.text === "BU_") target = { kind: "node", node: this.expectWord("a node name").text };
      else if (t.text === "BO_") target = { kind: "message", dbcId: this.expectInteger("a message id") };
      else if (t.text === "SG_") {
        const dbcId = this.expectInteger("a message id");
        target = { kind: "signal", dbcId, signal: this.expectWord("a signal name").text };
      } else if (t.text === "EV_")
        target = { kind: "environmentVariable", name: this.expectWord("a variable name").text };
      else throw this.syntax(t, "BU_, BO_, SG_, EV_ or an attribute value");
    }
    const value = this.expectValue();
    this.endStatement();
    this.attributes.push({ name, target, value, location: this.lex.location(start) });
  }

  private parseRelationAttribute(start: Token): void {
    const name = this.expectString("an attribute name").text;
    const kind = this.expectWord("BU_SG_REL_, BU_BO_REL_ or BU_EV_REL_");
    const node = this.expectWord("a node name").text;
    let dbcId = -1;
    let signal: string | undefined;
    if (kind.text === "BU_SG_REL_") {
      const sg = this.expectWord("SG_");
      if (sg.text !== "SG_") throw this.syntax(sg, "SG_");
      dbcId = this.expectInteger("a message id");
      signal = this.expectWord("a signal name").text;
    } else if (kind.text === "BU_BO_REL_") {
      dbcId = this.expectInteger("a message id");
    } else if (kind.text === "BU_EV_REL_") {
      this.expectWord("an environment variable name");
    } else {
      throw this.syntax(kind, "BU_SG_REL_, BU_BO_REL_ or BU_EV_REL_");
    }
    const value = this.expectValue();
    this.endStatement();
    if (dbcId >= 0)
      this.relationValues.push({ name, node, dbcId, signal, value, location: this.lex.location(start) });
  }

  private parseChoiceList(): Choices {
    const choices = new Map<number | bigint, string>();
    for (;;) {
      const p = this.lex.peek();
      if (this.isNextStatement(p) || (p.kind === TokenKind.Punct && p.text === ";")) {
        this.endStatement();
        return choices;
      }
      const t = this.lex.next();
      if (t.kind !== TokenKind.Number) throw this.syntax(t, 'a value number or ";"');
      const label = this.expectString("a value description string").text;
      choices.set(parseIntegerKey(t.text), label);
    }
  }

  private parseChoices(start: Token): void {
    const t = this.lex.next();
    if (t.kind === TokenKind.Number) {
      const dbcId = Number(t.text);
      const name = this.expectWord("a signal name").text;
      const choices = this.parseChoiceList();
      this.signalChoices.set(signalKey(dbcId, name), { choices, location: this.lex.location(start) });
    } else if (t.kind === TokenKind.Word) {
      this.envChoices.set(t.text, this.parseChoiceList());
    } else {
      throw this.syntax(t, "a message id or an environment variable name after VAL_");
    }
  }

  private parseValueType(start: Token): void {
    const dbcId = this.expectInteger("a message id");
    const name = this.expectWord("a signal name").text;
    this.acceptPunct(":");
    const type = this.expectInteger("a value type (0 integer, 1 float, 2 double)");
    this.endStatement();
    this.valueTypes.set(signalKey(dbcId, name), { type, location: this.lex.location(start) });
  }

  private parseMuxValues(start: Token): void {
    const dbcId = this.expectInteger("a message id");
    const signal = this.expectWord("a signal name").text;
    const switchName = this.expectWord("a multiplexer switch name").text;
    const ranges: [number, number][] = [];
    for (;;) {
      const lowToken = this.lex.next();
      if (lowToken.kind !== TokenKind.Number) throw this.syntax(lowToken, "a range start");
      // `3-5` tokenizes as 3 and -5 (as in cantools); `3 - 5` as 3, "-", 5.
      let high: number;
      const h = this.lex.next();
      if (h.kind === TokenKind.Number && h.text.startsWith("-")) high = Number(h.text.slice(1));
      else if (h.kind === TokenKind.Punct && h.text === "-") high = this.expectNumber("a range end");
      else throw this.syntax(h, 'a range end such as "-5"');
      ranges.push([Number(lowToken.text), high]);
      if (this.acceptPunct(",")) continue;
      this.endStatement();
      break;
    }
    this.muxValues.push({ dbcId, signal, switchName, ranges, location: this.lex.location(start) });
  }

  private parseSignalGroup(): void {
    const dbcId = this.expectInteger("a message id");
    const name = this.expectWord("a signal group name").text;
    const repetitions = this.expectInteger("a repetition count");
    this.expectPunct(":");
    const names: string[] = [];
    for (;;) {
      const t = this.lex.next();
      if (t.kind === TokenKind.Punct && t.text === ";") break;
      if (t.kind === TokenKind.Punct && t.text === ",") continue;
      if (t.kind !== TokenKind.Word) throw this.syntax(t, 'a signal name or ";"');
      names.push(t.text);
    }
    const list = this.signalGroups.get(dbcId) ?? [];
    list.push({ name, repetitions, signalNames: names });
    this.signalGroups.set(dbcId, list);
  }

  private parseEnvironmentVariable(): void {
    const name = this.expectWord("an environment variable name").text;
    this.expectPunct(":");
    const type = this.expectInteger("a variable type (0 integer, 1 float, 2 string)");
    this.expectPunct("[");
    const minimum = this.expectNumber("a minimum");
    this.expectPunct("|");
    const maximum = this.expectNumber("a maximum");
    this.expectPunct("]");
    const unit = this.expectString("a unit string").text;
    const initialValue = this.expectNumber("an initial value");
    const id = this.expectNumber("a variable id");
    const accessType = this.expectWord("an access type").text;
    const accessNodes: string[] = [];
    for (;;) {
      const t = this.lex.next();
      if (t.kind === TokenKind.Punct && t.text === ";") break;
      if (t.kind === TokenKind.Punct && t.text === ",") continue;
      if (t.kind !== TokenKind.Word) throw this.syntax(t, 'an access node name or ";"');
      accessNodes.push(t.text);
    }
    this.envVars.push({ name, type, minimum, maximum, unit, initialValue, id, accessType, accessNodes });
  }

  // ---- assembly -------------------------------------------------------------------------------

  private attributeValue(name: string, token: Token, location: SourceLocation): AttributeValue {
    const def = this.attributeDefinitions.get(name);
    if (!def) {
      this.diagnose(
        "unknown-attribute",
        location,
        `Attribute "${name}" is used but has no BA_DEF_ definition.`,
      );
      return token.kind === TokenKind.Number ? Number(token.text) : token.text;
    }
    return convertAttribute(def, token);
  }

  private assemble(): Database {
    const file = this.options.file;
    const definitions = new Map<string, AttributeDefinition>();
    for (const [name, def] of this.attributeDefinitions) {
      const token = this.attributeDefaults.get(name);
      definitions.set(name, {
        name,
        objectType: def.objectType,
        valueType: def.valueType,
        minimum: def.minimum,
        maximum: def.maximum,
        enumValues: def.enumValues,
        defaultValue: token ? convertAttribute(def, token) : undefined,
      });
    }

    // Attribute values by target.
    const networkAttributes: Record<string, AttributeValue> = {};
    const nodeAttributes = new Map<string, Record<string, AttributeValue>>();
    const messageAttributes = new Map<number, Record<string, AttributeValue>>();
    const signalAttributes = new Map<string, Record<string, AttributeValue>>();
    const envAttributes = new Map<string, Record<string, AttributeValue>>();
    const bucket = <K>(
      map: Map<K, Record<string, AttributeValue>>,
      key: K,
    ): Record<string, AttributeValue> => {
      let b = map.get(key);
      if (!b) {
        b = {};
        map.set(key, b);
      }
      return b;
    };
    for (const a of this.attributes) {
      const value = this.attributeValue(a.name, a.value, a.location);
      const target = a.target;
      if (target.kind === "network") networkAttributes[a.name] = value;
      else if (target.kind === "node") bucket(nodeAttributes, target.node)[a.name] = value;
      else if (target.kind === "message") bucket(messageAttributes, target.dbcId)[a.name] = value;
      else if (target.kind === "signal")
        bucket(signalAttributes, signalKey(target.dbcId, target.signal))[a.name] = value;
      else bucket(envAttributes, target.name)[a.name] = value;
    }
    const relationAttributes: RelationAttribute[] = this.relationValues.map((r) => ({
      name: r.name,
      node: r.node,
      messageId: r.dbcId,
      signal: r.signal,
      value: this.attributeValue(r.name, r.value, r.location),
    }));

    const longName = (
      attrs: Record<string, AttributeValue> | undefined,
      key: string,
      fallback: string,
    ): string => {
      const v = attrs?.[key];
      return typeof v === "string" && v !== "" ? v : fallback;
    };

    const nodes: Node[] = this.nodeNames.map(({ name }) => ({
      name: longName(nodeAttributes.get(name), "SystemNodeLongSymbol", name),
      comment: this.nodeComments.get(name),
      attributes: nodeAttributes.get(name) ?? {},
    }));
    const nodeSet = new Set(this.nodeNames.map((n) => n.name));
    const nodeName = (name: string): string =>
      longName(nodeAttributes.get(name), "SystemNodeLongSymbol", name);

    const cycleDef = definitions.get("GenMsgCycleTime");
    const sendTypeDef = definitions.get("GenMsgSendType");
    const frameFormatDef = definitions.get("VFrameFormat");

    const muxByMessage = new Map<number, RawMuxValues[]>();
    for (const m of this.muxValues) {
      const list = muxByMessage.get(m.dbcId) ?? [];
      list.push(m);
      muxByMessage.set(m.dbcId, list);
    }

    const messages: Message[] = [];
    let independentSignals: Signal[] = [];
    const knownMessages = new Map<number, RawMessage>();
    for (const raw of this.messages) {
      if (knownMessages.has(raw.dbcId) && raw.name !== INDEPENDENT_SIGNALS_MESSAGE) {
        this.diagnose(
          "duplicate-message-id",
          raw.location,
          `Message ${raw.name} reuses id ${raw.dbcId} of ${knownMessages.get(raw.dbcId)!.name}; frames with this id decode as ${raw.name}.`,
        );
      }
      knownMessages.set(raw.dbcId, raw);
    }

    for (const raw of this.messages) {
      const attrs = messageAttributes.get(raw.dbcId) ?? {};
      const signals = this.buildSignals(raw, signalAttributes, muxByMessage.get(raw.dbcId) ?? [], nodeName);
      if (raw.name === INDEPENDENT_SIGNALS_MESSAGE) {
        independentSignals = signals;
        continue;
      }
      const extendedFlag = raw.dbcId >= 0x80000000;
      const id = extendedFlag ? raw.dbcId - 0x80000000 : raw.dbcId;
      let extended = extendedFlag;
      let reachable = true;
      if (extendedFlag && id > 0x1fffffff) {
        this.diagnose(
          "frame-id-out-of-range",
          raw.location,
          `Extended frame id 0x${id.toString(16)} of message ${raw.name} is more than 29 bits; no frame can carry it.`,
          true,
        );
        reachable = false;
      } else if (!extendedFlag && id > 0x7ff) {
        if (id <= 0x1fffffff) {
          this.diagnose(
            "nonstandard-extended-id",
            raw.location,
            `Standard frame id 0x${id.toString(16)} of message ${raw.name} is more than 11 bits; it is read as a 29-bit extended id (opendbc convention).`,
            true,
          );
          extended = true;
        } else {
          this.diagnose(
            "frame-id-out-of-range",
            raw.location,
            `Frame id 0x${id.toString(16)} of message ${raw.name} is more than 29 bits; no frame can carry it.`,
            true,
          );
          reachable = false;
        }
      }
      if (raw.length > 64) {
        this.diagnose(
          "message-length-invalid",
          raw.location,
          `Message ${raw.name} is ${raw.length} bytes long; CAN FD frames carry at most 64.`,
          true,
        );
      }
      const senders = [raw.sender, ...(this.extraSenders.get(raw.dbcId) ?? [])]
        .filter((s, i, all) => s !== "Vector__XXX" && all.indexOf(s) === i)
        .map(nodeName);
      for (const s of [raw.sender, ...(this.extraSenders.get(raw.dbcId) ?? [])]) {
        if (s !== "Vector__XXX" && nodeSet.size > 0 && !nodeSet.has(s)) {
          this.diagnose(
            "unknown-node",
            raw.location,
            `Message ${raw.name} is sent by ${s}, which BU_ does not list.`,
          );
        }
      }

      let cycleTime: number | undefined;
      if (cycleDef) {
        const v = attrs.GenMsgCycleTime ?? cycleDef.defaultValue;
        if (typeof v === "number" && v > 0) cycleTime = v;
      }
      let sendType: string | undefined;
      const st = attrs.GenMsgSendType ?? sendTypeDef?.defaultValue;
      if (st !== undefined) sendType = String(st);
      let frameFormat: string | undefined;
      const ff = attrs.VFrameFormat ?? frameFormatDef?.defaultValue;
      if (typeof ff === "string") frameFormat = ff;
      else if (typeof ff === "number") frameFormat = VFRAME_FORMATS[ff];
      const fd = frameFormat?.endsWith("CAN_FD") ?? false;

      for (const s of signals) {
        if (s.length === 0 || s.length > 512) continue;
        const extent = segmentsExtent(signalSegments(s.startBit, s.length, s.byteOrder));
        if (extent > raw.length) {
          this.diagnose(
            "signal-outside-frame",
            s.location,
            `Signal ${s.name} needs ${extent} byte(s) but message ${raw.name} is ${raw.length} byte(s) long; it decodes only from frames that long.`,
            true,
          );
        }
      }

      const message = new Message({
        id,
        extended,
        dbcId: raw.dbcId,
        reachable,
        name: longName(attrs, "SystemMessageLongSymbol", raw.name),
        dbcName: raw.name,
        length: raw.length,
        senders,
        signals,
        comment: this.messageComments.get(raw.dbcId),
        attributes: attrs,
        cycleTime,
        sendType,
        frameFormat,
        fd,
        signalGroups: this.signalGroups.get(raw.dbcId) ?? [],
        location: raw.location,
      });
      for (const o of findOverlaps(message)) {
        this.diagnose(
          "signals-overlap",
          o.second.location,
          `Signals ${o.first.name} and ${o.second.name} of message ${raw.name} share bits; each decodes on its own.`,
          true,
        );
      }
      messages.push(message);
    }

    // References to things that do not exist: reported, never fatal (opendbc has a few).
    const messageSignals = new Map<number, Set<string>>();
    for (const raw of this.messages) messageSignals.set(raw.dbcId, new Set(raw.signals.map((s) => s.name)));
    const checkSignalRef = (key: string, location: SourceLocation, what: string): void => {
      const [idText, name] = key.split("\u0000") as [string, string];
      const id = Number(idText);
      const sigs = messageSignals.get(id);
      if (!sigs)
        this.diagnose(
          "unknown-message",
          location,
          `${what} refers to message id ${id}, which is not defined.`,
        );
      else if (!sigs.has(name))
        this.diagnose(
          "unknown-signal",
          location,
          `${what} refers to signal ${name}, which message id ${id} does not have.`,
        );
    };
    for (const [key, { location }] of this.signalChoices) checkSignalRef(key, location, "VAL_");
    for (const [key, { location }] of this.valueTypes) checkSignalRef(key, location, "SIG_VALTYPE_");
    for (const m of this.muxValues) checkSignalRef(signalKey(m.dbcId, m.signal), m.location, "SG_MUL_VAL_");
    for (const a of this.attributes) {
      if (a.target.kind === "message" && !messageSignals.has(a.target.dbcId)) {
        this.diagnose(
          "unknown-message",
          a.location,
          `BA_ "${a.name}" refers to message id ${a.target.dbcId}, which is not defined.`,
        );
      } else if (a.target.kind === "signal") {
        checkSignalRef(signalKey(a.target.dbcId, a.target.signal), a.location, `BA_ "${a.name}"`);
      }
    }

    const environmentVariables: EnvironmentVariable[] = this.envVars.map((e) => ({
      ...e,
      comment: this.envComments.get(e.name),
      choices: this.envChoices.get(e.name),
      attributes: envAttributes.get(e.name) ?? {},
    }));

    this.diagnostics.sort(
      (a, b) => a.location.line - b.location.line || a.location.column - b.location.column,
    );
    if (this.options.strict) {
      const fatal = this.diagnostics.find((d) => d.strict);
      if (fatal) throw new DbcSemanticError(fatal.code, fatal.location, fatal.message);
    }

    return new Database({
      file,
      version: this.version,
      comment: this.networkComment,
      nodes,
      messages,
      valueTables: this.valueTables,
      environmentVariables,
      attributeDefinitions: definitions,
      attributes: networkAttributes,
      relationAttributes,
      independentSignals,
      diagnostics: this.diagnostics,
    });
  }

  private buildSignals(
    raw: RawMessage,
    signalAttributes: Map<string, Record<string, AttributeValue>>,
    muxValues: RawMuxValues[],
    nodeName: (name: string) => string,
  ): Signal[] {
    // cantools' rules: with exactly one `M`-marked signal, `mN` refers to it (and SG_MUL_VAL_
    // may add values); with several (cascaded or independent selectors), SG_MUL_VAL_ says which
    // selector gates each signal and with which values.
    const marked = raw.signals.filter((s) => s.mux?.endsWith("M"));
    const messageMux = marked.length === 1 ? marked[0]!.name : undefined;
    // With several selectors, an `mN` signal that no SG_MUL_VAL_ places belongs to the one
    // top-level `M` selector, if there is exactly one (cantools would decode it unconditionally).
    const topLevel = raw.signals.filter((s) => s.mux === "M");
    const fallbackMux = messageMux === undefined && topLevel.length === 1 ? topLevel[0]!.name : undefined;
    const switchOf = new Map<string, string>();
    const idsOf = new Map<string, Map<string, number[]>>();
    for (const mv of muxValues) {
      switchOf.set(mv.signal, mv.switchName);
      let bySignal = idsOf.get(mv.switchName);
      if (!bySignal) {
        bySignal = new Map();
        idsOf.set(mv.switchName, bySignal);
      }
      const ids = bySignal.get(mv.signal) ?? [];
      for (const [lo, hi] of mv.ranges) {
        if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo || hi - lo >= MAX_MUX_RANGE) {
          this.diagnose(
            "multiplexer-invalid",
            mv.location,
            `SG_MUL_VAL_ range ${lo}-${hi} of ${mv.signal} is empty or wider than ${MAX_MUX_RANGE} values; ignored.`,
          );
          continue;
        }
        if (ids.length + (hi - lo + 1) > MAX_MUX_RANGE) {
          this.diagnose(
            "multiplexer-invalid",
            mv.location,
            `SG_MUL_VAL_ of ${mv.signal} selects more than ${MAX_MUX_RANGE} values; range ${lo}-${hi} ignored.`,
          );
          continue;
        }
        for (let v = lo; v <= hi; v++) ids.push(v);
      }
      bySignal.set(mv.signal, ids);
    }

    const seen = new Set<string>();
    const signals: Signal[] = [];
    for (const s of raw.signals) {
      const key = signalKey(raw.dbcId, s.name);
      const attrs = signalAttributes.get(key) ?? {};
      const name = (() => {
        const v = attrs.SystemSignalLongSymbol;
        return typeof v === "string" && v !== "" ? v : s.name;
      })();
      if (seen.has(name)) {
        this.diagnose(
          "duplicate-signal-name",
          s.location,
          `Message ${raw.name} has two signals named ${name}; the later one wins.`,
        );
      }
      seen.add(name);

      let multiplexerSignal: string | undefined;
      let ids: number[] = [];
      if (s.mux !== undefined) {
        if (messageMux !== undefined) {
          if (s.name !== messageMux) multiplexerSignal = messageMux;
          if (!s.mux.endsWith("M")) ids.push(Number(s.mux.slice(1)));
        } else {
          multiplexerSignal = switchOf.get(s.name);
          if (multiplexerSignal === undefined && fallbackMux !== undefined && s.name !== fallbackMux) {
            multiplexerSignal = fallbackMux;
            ids.push(Number.parseInt(s.mux.slice(1), 10));
          }
        }
        const extra = multiplexerSignal !== undefined ? idsOf.get(multiplexerSignal)?.get(s.name) : undefined;
        if (extra) ids.push(...extra);
        ids = [...new Set(ids)].sort((a, b) => a - b);
        if (s.mux !== "M" && multiplexerSignal === undefined) {
          this.diagnose(
            "multiplexer-invalid",
            s.location,
            `Signal ${s.name} is marked ${s.mux} but no selector gates it (several M signals and no SG_MUL_VAL_); it decodes as a plain signal.`,
          );
        }
      }

      if (s.length === 0 || s.length > 512) {
        this.diagnose(
          "signal-length-invalid",
          s.location,
          `Signal ${s.name} has length ${s.length}; it must be 1 to 512 bits. It is not decoded.`,
          true,
        );
      }

      const vt = this.valueTypes.get(key)?.type ?? 0;
      let valueType: Signal["valueType"] = "integer";
      if (vt === 1 || vt === 2) {
        const want = vt === 1 ? 32 : 64;
        if (s.length === want) valueType = vt === 1 ? "float32" : "float64";
        else {
          this.diagnose(
            "signal-length-invalid",
            s.location,
            `Signal ${s.name} is declared ${vt === 1 ? "float" : "double"} by SIG_VALTYPE_ but is ${s.length} bits, not ${want}; it decodes as an integer.`,
            true,
          );
        }
      }

      const choices = this.signalChoices.get(key)?.choices;
      signals.push({
        name,
        dbcName: s.name,
        startBit: s.startBit,
        length: s.length,
        byteOrder: s.byteOrder,
        signed: s.signed,
        valueType,
        factor: s.factor,
        offset: s.offset,
        minimum: s.minimum === 0 && s.maximum === 0 ? undefined : s.minimum,
        maximum: s.minimum === 0 && s.maximum === 0 ? undefined : s.maximum,
        unit: s.unit,
        receivers: s.receivers.map(nodeName),
        choices: choices && choices.size > 0 ? choices : undefined,
        comment: this.signalComments.get(key),
        attributes: attrs,
        isMultiplexer: s.mux?.endsWith("M") ?? false,
        multiplexerSignal,
        multiplexerIds: ids.length > 0 ? ids : undefined,
        location: s.location,
      });
    }
    // Selectors are named by their long names in decoded output; so are the references.
    const renamed = new Map(raw.signals.map((s, i) => [s.name, signals[i]!.name]));
    return signals.map((s) =>
      s.multiplexerSignal !== undefined && renamed.has(s.multiplexerSignal)
        ? { ...s, multiplexerSignal: renamed.get(s.multiplexerSignal)! }
        : s,
    );
  }
}

/** Integer keys of VAL_ tables: numbers while exact, bigint beyond 2^53. */
function parseIntegerKey(text: string): number | bigint {
  const v = Number(text);
  if (Number.isSafeInteger(v)) return v;
  if (/^[-+]?\d+$/.test(text)) return BigInt(text);
  return v;
}

function convertAttribute(def: RawAttributeDefinition | AttributeDefinition, token: Token): AttributeValue {
  switch (def.valueType) {
    case "STRING":
      return token.text;
    case "ENUM": {
      if (token.kind === TokenKind.String) return token.text;
      const index = Number(token.text);
      return def.enumValues?.[index] ?? index;
    }
    default:
      return token.kind === TokenKind.Number ? Number(token.text) : token.text;
  }
}
