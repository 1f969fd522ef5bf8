import { GraphQLError } from "graphql";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration (`1h`, `30m`, `1h30m`, `90s`) into milliseconds; at least one second. */
export function parseInterval(text: string): number {
  if (text.length > 32 || !/^(\d+(ms|s|m|h))+$/.test(text)) {
    throw new GraphQLError(
      `Invalid interval ${JSON.stringify(text)}: use a Go duration such as 1h, 30m or 1h30m.`,
      {
        extensions: { code: "BAD_REQUEST" },
      },
    );
  }
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (ms < 1000) {
    throw new GraphQLError(`Interval ${text} is shorter than one second.`, {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  return ms;
}

export function parseTime(name: string, value: unknown): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new GraphQLError(`\`${name}\` ${JSON.stringify(value)} is not an RFC 3339 time.`, {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  return ms;
}
