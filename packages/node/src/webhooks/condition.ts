import { CelScalar, celEnv, celFunc, isCelError, parse, plan } from "@bufbuild/cel";
import type { Coordinates, SignalDataType } from "@dimo-open/signals";
import { badRequest } from "../api/errors.ts";

export const MAX_CONDITION_LENGTH = 1024;

/** Great-circle distance in km between two WGS 84 points (haversine). */
export function geoDistanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
}

const env = celEnv({
  funcs: [
    celFunc(
      "geoDistance",
      [CelScalar.DOUBLE, CelScalar.DOUBLE, CelScalar.DOUBLE, CelScalar.DOUBLE],
      CelScalar.DOUBLE,
      geoDistanceKm,
    ),
  ],
});

export type TriggerValue = number | string | Coordinates;

export interface ConditionInput {
  value: TriggerValue;
  previousValue: TriggerValue;
  source: string;
}

export type Condition = (input: ConditionInput) => boolean;

const toCel = (v: TriggerValue) =>
  typeof v === "object"
    ? new Map<string, number>([
        ["latitude", v.latitude],
        ["longitude", v.longitude],
        ["hdop", v.hdop ?? 0],
      ])
    : v;

const SAMPLE: Record<SignalDataType | "event", TriggerValue> = {
  float: 0,
  string: "",
  location: { latitude: 0, longitude: 0, hdop: 0 },
  event: "",
};

/**
 * Compiles a webhook condition: CEL over `value`, `previousValue` and `source`, with
 * `geoDistance(lat1, lon1, lat2, lon2)` in km (location values have `.latitude`, `.longitude`,
 * `.hdop`). Rejected at creation if it does not parse or does not yield a bool for a value of the
 * signal's type; at run time an evaluation error counts as "not met".
 */
export function compileCondition(expression: string, type: SignalDataType | "event"): Condition {
  if (expression.length === 0 || expression.length > MAX_CONDITION_LENGTH) {
    throw badRequest(
      "invalid_condition",
      `A condition is 1–${MAX_CONDITION_LENGTH} characters of CEL, e.g. "value > 100".`,
    );
  }
  let program: ReturnType<typeof plan>;
  try {
    program = plan(env, parse(expression));
  } catch (error) {
    throw badRequest(
      "invalid_condition",
      `Condition ${JSON.stringify(expression)} is not valid CEL: ${(error as Error).message}`,
    );
  }
  const evaluate = (input: ConditionInput) =>
    program({ value: toCel(input.value), previousValue: toCel(input.previousValue), source: input.source });
  const trial = evaluate({ value: SAMPLE[type], previousValue: SAMPLE[type], source: "" });
  if (typeof trial !== "boolean") {
    const why = isCelError(trial) ? trial.message : `it yields ${typeof trial}`;
    throw badRequest(
      "invalid_condition",
      `Condition ${JSON.stringify(expression)} must be a bool over a ${type} value: ${why}.`,
    );
  }
  return (input) => evaluate(input) === true;
}
