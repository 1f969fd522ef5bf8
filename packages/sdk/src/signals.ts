import { type Coordinates, getSignal, type SignalDataType } from "@dimo-open/signals";

export type FloatAggregation = "AVG" | "MED" | "MAX" | "MIN" | "RAND" | "FIRST" | "LAST";
export type StringAggregation = "RAND" | "TOP" | "UNIQUE" | "FIRST" | "LAST";
export type LocationAggregation = "AVG" | "RAND" | "FIRST" | "LAST";

export interface FloatFilter {
  eq?: number;
  neq?: number;
  gt?: number;
  lt?: number;
  gte?: number;
  lte?: number;
  in?: number[];
  notIn?: number[];
  or?: FloatFilter[];
}
export interface LocationFilter {
  inPolygon?: { latitude: number; longitude: number }[];
  inCircle?: { center: { latitude: number; longitude: number }; radius: number };
}

/** One requested column of a `signals` query: a catalogue signal, its aggregation, an optional value filter. */
export type SignalField =
  | { signal: string; agg: FloatAggregation; filter?: FloatFilter }
  | { signal: string; agg: StringAggregation }
  | { signal: string; agg: LocationAggregation; filter?: LocationFilter };

export type SignalValue = number | string | Coordinates;

export type SignalRow<F extends Record<string, SignalField>> = { timestamp: string } & {
  [K in keyof F]: SignalValue | null;
};

const AGGS: Record<SignalDataType, readonly string[]> = {
  float: ["AVG", "MED", "MAX", "MIN", "RAND", "FIRST", "LAST"],
  string: ["RAND", "TOP", "UNIQUE", "FIRST", "LAST"],
  location: ["AVG", "RAND", "FIRST", "LAST"],
};
const FILTER_TYPE: Record<SignalDataType, string | undefined> = {
  float: "SignalFloatFilter",
  string: undefined,
  location: "SignalLocationFilter",
};
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class InvalidSignalQueryError extends Error {
  override name = "InvalidSignalQueryError";
}

/**
 * Builds a telemetry `signals` query from typed fields, checked against the catalogue (each
 * signal exists, its aggregation fits its data type); values and filters travel as variables.
 */
export function buildSignalsQuery(fields: Record<string, SignalField>) {
  const declarations = ["$tokenId: Int!", "$interval: String!", "$from: Time!", "$to: Time!"];
  const selections: string[] = [];
  const filters: Record<string, unknown> = {};
  for (const [alias, field] of Object.entries(fields)) {
    if (!ALIAS.test(alias) || alias === "timestamp")
      throw new InvalidSignalQueryError(`Field alias ${JSON.stringify(alias)} is not a GraphQL name.`);
    const def = getSignal(field.signal);
    if (!AGGS[def.dataType].includes(field.agg)) {
      throw new InvalidSignalQueryError(
        `${field.signal} is a ${def.dataType} signal: aggregate it with one of ${AGGS[def.dataType].join(", ")}, not ${field.agg}.`,
      );
    }
    let args = `agg: ${field.agg}`;
    if ("filter" in field && field.filter) {
      const type = FILTER_TYPE[def.dataType];
      if (!type) throw new InvalidSignalQueryError(`${field.signal} takes no value filter.`);
      declarations.push(`$f_${alias}: ${type}`);
      filters[`f_${alias}`] = field.filter;
      args += `, filter: $f_${alias}`;
    }
    selections.push(
      `${alias}: ${field.signal}(${args})${def.dataType === "location" ? " { latitude longitude hdop }" : ""}`,
    );
  }
  return {
    query: `query Signals(${declarations.join(", ")}) { signals(tokenId: $tokenId, interval: $interval, from: $from, to: $to) { timestamp ${selections.join(" ")} } }`,
    filters,
  };
}

/** The `signalsLatest` query for the named signals. */
export function buildLatestQuery(signals: readonly string[]) {
  const selections = signals.map((name) => {
    const def = getSignal(name);
    return `${name} { timestamp value${def.dataType === "location" ? " { latitude longitude hdop }" : ""} }`;
  });
  return `query Latest($tokenId: Int!) { signalsLatest(tokenId: $tokenId) { lastSeen ${selections.join(" ")} } }`;
}
