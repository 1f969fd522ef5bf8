/**
 * The node's published price list (served at `GET /v1/credits/prices`, documented in docs/api.md).
 * Credits are DIMO's DCX: 1 credit = $0.001. DIMO charges a flat placeholder of one credit per
 * query; we charge by what a query costs the node to answer: a base per vehicle and request, plus
 * the query's weight (its complexity, the same number the complexity limit bounds).
 */
export const PRICE_LIST = {
  version: "2025-06-01",
  creditUsd: 0.001,
  /** Vehicle token exchange: free, but rate limited. */
  tokenExchange: 0,
  /** Every telemetry or raw-data query, per vehicle. */
  perVehicleQuery: 1,
  /** Plus one credit per full block of this many complexity points (the base covers the first block). */
  complexityPerCredit: 1000,
  /** Each webhook delivery attempted for a licence. */
  webhookDelivery: 1,
  /** Identity queries are public and free. */
  identityQuery: 0,
} as const;

/** Credits a telemetry query of `complexity` points over one vehicle costs. */
export function queryPrice(complexity: number): number {
  return PRICE_LIST.perVehicleQuery + Math.floor(Math.max(0, complexity) / PRICE_LIST.complexityPerCredit);
}
