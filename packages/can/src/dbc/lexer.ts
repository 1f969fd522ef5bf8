/**
 * The DBC tokenizer: words, numbers, strings and punctuation, each with its line and column.
 * Token rules follow cantools' (the reference decoder our conformance vectors come from), with
 * two extensions seen in real files: identifiers that start with a digit (`64_BIT_LE` in
 * opendbc) and hexadecimal integers (`0x7DF`).
 */
import { DbcSyntaxError, type SourceLocation } from "../errors.ts";

export const TokenKind = { Word: 0, Number: 1, String: 2, Punct: 3, End: 4 } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  readonly kind: TokenKind;
  /** Text of the token; for strings, the content with `\"` unescaped. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** First token on its line (statements start lines; used to recover from a missing ";"). */
  readonly bol: boolean;
}

const PUNCT = new Set([":", "|", "@", "(", ")", "[", "]", ",", ";", "+", "-"]);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private peeked: Token | undefined;
  private lastEndLine = 0;

  constructor(
    private readonly text: string,
    readonly file: string | undefined,
  ) {
    // A byte-order mark is not part of the grammar.
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  peek(): Token {
    if (this.peeked === undefined) this.peeked = this.scan();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  location(t: Token): SourceLocation {
    return { file: this.file, line: t.line, column: t.column };
  }

  private scan(): Token {
    const s = this.text;
    const n = s.length;
    for (;;) {
      if (this.pos >= n) {
        return {
          kind: TokenKind.End,
          text: "",
          line: this.line,
          column: this.pos - this.lineStart + 1,
          bol: true,
        };
      }
      const c = s.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
        this.pos++;
      } else if (c === 47 && s.charCodeAt(this.pos + 1) === 47) {
        const end = s.indexOf("\n", this.pos);
        this.pos = end < 0 ? n : end;
      } else break;
    }
    const start = this.pos;
    const line = this.line;
    const column = start - this.lineStart + 1;
    const c = s.charCodeAt(start);

    if (c === 34) return this.scanString(line, column);

    // Numbers: [-+]?\d+\.?\d*([eE][+-]?\d+)? and 0x… hexadecimal.
    let p = start;
    if (
      (c === 43 || c === 45) &&
      (isDigit(s.charCodeAt(p + 1)) || (s.charCodeAt(p + 1) === 46 && isDigit(s.charCodeAt(p + 2))))
    )
      p++;
    // `.25` (no leading zero) appears in real files; read it as a number too.
    if (s.charCodeAt(p) === 46 && isDigit(s.charCodeAt(p + 1))) {
      p++;
      while (isDigit(s.charCodeAt(p))) p++;
      if ((s.charCodeAt(p) | 32) === 101) {
        let q = p + 1;
        if (s.charCodeAt(q) === 43 || s.charCodeAt(q) === 45) q++;
        if (isDigit(s.charCodeAt(q))) {
          while (isDigit(s.charCodeAt(q))) q++;
          p = q;
        }
      }
      return this.emit(TokenKind.Number, start, p, line, column);
    }
    if (isDigit(s.charCodeAt(p))) {
      if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) | 32) === 120 && isHexDigit(s.charCodeAt(p + 2))) {
        p += 2;
        while (isHexDigit(s.charCodeAt(p))) p++;
        if (!isWordChar(s.charCodeAt(p))) return this.emit(TokenKind.Number, start, p, line, column);
      }
      p = start + (c === 43 || c === 45 ? 1 : 0);
      while (isDigit(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) === 46) {
        p++;
        while (isDigit(s.charCodeAt(p))) p++;
      }
      if ((s.charCodeAt(p) | 32) === 101) {
        let q = p + 1;
        if (s.charCodeAt(q) === 43 || s.charCodeAt(q) === 45) q++;
        if (isDigit(s.charCodeAt(q))) {
          while (isDigit(s.charCodeAt(q))) q++;
          p = q;
        }
      }
      // An identifier that starts with digits (opendbc's `64_BIT_LE`) is a word, not a number.
      if (c !== 43 && c !== 45 && isWordChar(s.charCodeAt(p)) && s.charCodeAt(p - 1) !== 46) {
        while (isWordChar(s.charCodeAt(p))) p++;
        return this.emit(TokenKind.Word, start, p, line, column);
      }
      return this.emit(TokenKind.Number, start, p, line, column);
    }
    if (isWordChar(c)) {
      while (isWordChar(s.charCodeAt(p))) p++;
      return this.emit(TokenKind.Word, start, p, line, column);
    }
    const ch = s[start]!;
    if (PUNCT.has(ch)) return this.emit(TokenKind.Punct, start, start + 1, line, column);
    throw new DbcSyntaxError(
      { file: this.file, line, column },
      "a DBC token",
      `the character ${JSON.stringify(ch)} (U+${c.toString(16).toUpperCase().padStart(4, "0")})`,
    );
  }

  private emit(kind: TokenKind, start: number, end: number, line: number, column: number): Token {
    this.pos = end;
    const bol = line !== this.lastEndLine;
    this.lastEndLine = line;
    return { kind, text: this.text.slice(start, end), line, column, bol };
  }

  private scanString(line: number, column: number): Token {
    const s = this.text;
    let p = this.pos + 1;
    let out = "";
    let chunk = p;
    for (;;) {
      const q = s.indexOf('"', p);
      if (q < 0) {
        throw new DbcSyntaxError(
          { file: this.file, line, column },
          'a closing " for this string',
          "the end of the file",
        );
      }
      // cantools' rule: a quote preceded by a backslash is part of the string.
      if (s.charCodeAt(q - 1) === 92 && q - 1 >= chunk) {
        out += s.slice(chunk, q - 1);
        out += '"';
        p = q + 1;
        chunk = p;
        continue;
      }
      out += s.slice(chunk, q);
      // Strings may span lines (multi-line comments): keep line numbers right.
      for (let i = this.pos; i < q; i++) {
        if (s.charCodeAt(i) === 10) {
          this.line++;
          this.lineStart = i + 1;
        }
      }
      this.pos = q + 1;
      const bol = line !== this.lastEndLine;
      this.lastEndLine = this.line;
      return { kind: TokenKind.String, text: out, line, column, bol };
    }
  }
}

export function describeToken(t: Token): string {
  switch (t.kind) {
    case TokenKind.End:
      return "the end of the file";
    case TokenKind.String:
      return `the string ${JSON.stringify(t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text)}`;
    case TokenKind.Number:
      return `the number ${t.text}`;
    case TokenKind.Punct:
      return `"${t.text}"`;
    default:
      return `"${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}"`;
  }
}
