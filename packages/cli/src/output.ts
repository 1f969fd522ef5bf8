/**
 * How commands answer: with `--json`, one JSON document on stdout (bigints as decimal strings,
 * so any JSON reader keeps every digit); otherwise text for a person. Progress on long work goes
 * to stderr either way, so stdout stays clean for pipes.
 */

/** JSON.stringify with bigints as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), indent);
}

export interface Output {
  json: boolean;
  /** The command's result: `value` as JSON, or `text()` for a person. */
  result(value: unknown, text: () => string): void;
  /** A step of long work, on stderr. */
  progress(line: string): void;
}

export function output(options: { json?: boolean; quiet?: boolean }): Output {
  const json = options.json ?? false;
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${toJson(value)}\n` : `${text().replace(/\n*$/, "")}\n`);
    },
    progress(line) {
      if (!options.quiet) process.stderr.write(`${line}\n`);
    },
  };
}

/** A small aligned table for text output. */
export function table(rows: readonly (readonly string[])[], indent = "  "): string {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows
    .map(
      (row) =>
        indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "),
    )
    .join("\n");
}

/** 12345678900000000000000n wei → "12,345.6789 DIMO" (up to 4 decimals). */
export function formatDimo(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const fraction = ((abs % 10n ** 18n) / 10n ** 14n).toString().padStart(4, "0").replace(/0+$/, "");
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""} DIMO`;
}

export function formatTime(unixSeconds: number | bigint): string {
  const n = Number(unixSeconds);
  return n === 0 ? "never" : new Date(n * 1000).toISOString().replace(".000Z", "Z");
}
