/** Credits: the published price list and the node-local ledger. */
export {
  type Charge,
  type ChargeResult,
  CreditLedger,
  InsufficientCreditsError,
  type UsageLine,
} from "./ledger.ts";
export { PRICE_LIST, queryPrice } from "./prices.ts";
