/** The node's price list (`GET /v1/credits/prices`) as lines a developer reads. */
import { formatCredits, formatNumber, humanize } from "../format.ts";

const LINES: Record<string, (v: number | string) => [string, string]> = {
  version: (v) => ["Price list", `version ${v}`],
  creditUsd: (v) => ["One credit", `$${v}`],
  perVehicleQuery: (v) => ["Telemetry query, per vehicle", formatCredits(Number(v))],
  complexityPerCredit: (v) => ["…plus one credit per", `${formatNumber(Number(v))} complexity points`],
  tokenExchange: (v) => ["Token exchange", formatCredits(Number(v))],
  webhookDelivery: (v) => ["Webhook delivery", formatCredits(Number(v))],
  identityQuery: (v) => ["Identity query", formatCredits(Number(v))],
};

export function priceLines(prices: Record<string, number | string>): [string, string][] {
  return Object.entries(prices).map(([key, value]) =>
    LINES[key]
      ? LINES[key](value)
      : [humanize(key), typeof value === "number" ? formatCredits(value) : String(value)],
  );
}
