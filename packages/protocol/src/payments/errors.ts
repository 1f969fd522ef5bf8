import { type Abi, formatEther } from "viem";
import { dimoCreditsAbi, nodeRegistryAbi, usageSettlementAbi } from "../artifacts/index.ts";
import { registerErrorAbi, registerErrorMessages } from "../errors.ts";

const s = (v: unknown): string => (typeof v === "bigint" ? v.toString() : String(v));
const dimo = (v: unknown): string => `${formatEther(v as bigint)} DIMO`;
const time = (v: unknown): string => new Date(Number(v) * 1000).toISOString();
const status = (v: unknown) => ["none", "pending", "disputed", "released"][Number(v)] ?? s(v);

for (const abi of [dimoCreditsAbi, nodeRegistryAbi, usageSettlementAbi]) registerErrorAbi(abi as Abi);

/** Human messages for the credits, node registry and settlement errors. */
registerErrorMessages({
  DevLicenseNotFound: (a) => `No developer licence ${s(a[0])}; credits belong to an issued licence.`,
  InvalidCreditAmount: (a) => `${s(a[0])} credits cannot be bought at once: buy 1 to ${s(a[1])}.`,
  SlippageExceeded: (a) =>
    `The credits now cost ${dimo(a[0])}, more than the ${dimo(a[1])} allowed; quote again.`,
  InvalidDimoUsdPrice: (a) => `DIMO/USD ${s(a[0])} (18 decimals) is outside [${s(a[1])}, ${s(a[2])}].`,
  InsufficientCredits: (a) =>
    `Developer licence ${s(a[0])} holds ${s(a[1])} credits but ${s(a[2])} are due; buy more credits.`,
  NodeNotFound: (a) => `No node ${s(a[0])} is registered.`,
  NotNodeOperator: (a) => `${s(a[1])} does not operate node ${s(a[0])}.`,
  InvalidPriceList: (a) => `A price list of ${s(a[0])} items is not allowed: publish 1 to ${s(a[1])}.`,
  DuplicatePriceItem: (a) => `Operation ${s(a[0])} appears twice in the price list.`,
  PriceListNotFound: (a) => `Node ${s(a[0])} has no price list version ${s(a[1])}.`,
  InsufficientStake: (a) => `Node ${s(a[0])} has ${dimo(a[1])} staked; cannot unstake ${dimo(a[2])}.`,
  StakeStillUnbonding: (a) => `Node ${s(a[0])}'s stake unbonds at ${time(a[1])}; withdraw after that.`,
  NoUnbondedStake: (a) => `Node ${s(a[0])} has no unbonded stake; request an unstake first.`,
  EmptySettlement: () => "A settlement needs at least one usage record.",
  TooManyRecords: (a) => `${s(a[0])} usage records in one settlement; send at most ${s(a[1])}.`,
  UsageOutOfOrder: (a) =>
    `Usage record ${s(a[0])} is not after the previous one (or was settled already); sort by time, request id, item and leave out settled records.`,
  UnknownPriceItem: (a) =>
    `Usage record ${s(a[0])} names price item ${s(a[1])}, but the list has ${s(a[2])}.`,
  PriceNotInForce: (a) =>
    `Usage record ${s(a[0])} (at ${s(a[1])} ms) falls outside its price list's period [${s(a[2])}, ${s(a[3]) === "0" ? "now" : s(a[3])}) s; settle it with the version in force then.`,
  UsageInFuture: (a) => `Usage record ${s(a[0])} is at ${s(a[1])} ms, after the chain's ${s(a[2])} ms.`,
  InvalidNodeSignature: (a) => `The settlement is not signed by node ${s(a[0])}'s settlement key ${s(a[1])}.`,
  PayoutPoolExhausted: (a) =>
    `The node payout pool holds ${dimo(a[0])} but ${dimo(a[1])} would be owed; the treasury must fund it.`,
  SettlementNotFound: (a) => `No settlement ${s(a[0])}.`,
  DisputeWindowClosed: (a) => `Settlement ${s(a[0])}'s dispute window closed at ${time(a[1])}.`,
  DisputeWindowOpen: (a) =>
    `Settlement ${s(a[0])} can be disputed until ${time(a[1])}; release it after that.`,
  RecordsMismatch: (a) =>
    `The records sent are not those of settlement ${s(a[0])}; read them from its transaction.`,
  InvalidDisputeIndices: (a) =>
    `The disputed record indices of settlement ${s(a[0])} must be ascending and in range.`,
  NotDisputed: (a) => `Settlement ${s(a[0])} is ${status(a[1])}, not disputed.`,
  NotPending: (a) => `Settlement ${s(a[0])} is ${status(a[1])}, not pending.`,
  NoRevenueToWithdraw: (a) => `Node ${s(a[0])} has no released revenue to withdraw.`,
  InvalidParameters: (a) =>
    `Node share ${s(a[0])} bps / dispute window ${s(a[1])} s are out of range (≤ 10000 bps, 1 s to 30 days).`,
});
