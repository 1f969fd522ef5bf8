import { preorderSpotsAbi } from "../artifacts/index.ts";
import { eventOf, writeContract } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import type { HardwareClient, HardwareReader } from "./addresses.ts";
import { ensureDimoAllowance } from "./allowance.ts";
import { decodedRead } from "./read.ts";

const spots = (client: HardwareReader) =>
  ({ address: client.hardware.preorderSpots, abi: preorderSpotsAbi }) as const;

export type RefundRule = "ifNotDeliveredInWindow" | "anyTimeBeforeDelivery";
const REFUND_RULES: readonly RefundRule[] = ["ifNotDeliveredInWindow", "anyTimeBeforeDelivery"];

/** The standardised terms of a preorder series. Times are seconds since the epoch. */
export interface PreorderTerms {
  manufacturerId: bigint;
  modelId: bigint;
  /** Price in DIMO (wei), escrowed until delivery or refund. */
  price: bigint;
  deliveryFrom: number;
  deliveryUntil: number;
  refundRule: RefundRule;
  supply: number;
}

/** A licensed maker opens a series of preorder spots; returns its id. */
export async function openPreorderSeries(client: HardwareClient, terms: PreorderTerms) {
  const result = await writeContract(client, {
    ...spots(client),
    functionName: "openSeries",
    args: [{ ...terms, refundRule: REFUND_RULES.indexOf(terms.refundRule) }],
  });
  return { ...result, seriesId: eventOf(result, "SeriesOpened").args.seriesId };
}

/** The maker stops a series' sales; every undelivered spot becomes refundable. */
export function cancelPreorderSeries(client: HardwareClient, seriesId: bigint) {
  return writeContract(client, { ...spots(client), functionName: "cancelSeries", args: [seriesId] });
}

/** Buys a spot (the price is approved first when needed); returns the spot's token id. */
export async function buyPreorderSpot(client: HardwareClient, seriesId: bigint) {
  const series = await getPreorderSeries(client, seriesId);
  await ensureDimoAllowance(client, client.hardware.preorderSpots, series.terms.price);
  const result = await writeContract(client, { ...spots(client), functionName: "buy", args: [seriesId] });
  return { ...result, spotId: eventOf(result, "SpotBought").args.spotId };
}

/** The maker delivers a spot: `deviceId`, of the series' model, is owned by the spot's holder. */
export function deliverPreorderSpot(client: HardwareClient, p: { spotId: bigint; deviceId: bigint }) {
  return writeContract(client, { ...spots(client), functionName: "deliver", args: [p.spotId, p.deviceId] });
}

/** The holder confirms delivery; the escrowed price goes to the maker. */
export function confirmPreorderDelivery(client: HardwareClient, spotId: bigint) {
  return writeContract(client, { ...spots(client), functionName: "confirmDelivery", args: [spotId] });
}

/** The holder takes the escrowed price back when the terms allow it. */
export function refundPreorderSpot(client: HardwareClient, spotId: bigint) {
  return writeContract(client, { ...spots(client), functionName: "refund", args: [spotId] });
}

/** A preorder series: its terms, spots sold and whether it was cancelled. */
export async function getPreorderSeries(client: HardwareReader, seriesId: bigint) {
  const s = await decodedRead(() =>
    client.publicClient.readContract({ ...spots(client), functionName: "getSeries", args: [seriesId] }),
  );
  const terms: PreorderTerms = {
    manufacturerId: s.terms.manufacturerId,
    modelId: s.terms.modelId,
    price: s.terms.price,
    deliveryFrom: s.terms.deliveryFrom,
    deliveryUntil: s.terms.deliveryUntil,
    refundRule: REFUND_RULES[s.terms.refundRule] ?? "ifNotDeliveredInWindow",
    supply: s.terms.supply,
  };
  return { seriesId, terms, sold: s.sold, cancelled: s.cancelled };
}

/** An outstanding spot: its series and holder. */
export async function getPreorderSpot(client: HardwareReader, spotId: bigint) {
  const c = spots(client);
  const seriesId = await client.publicClient.readContract({ ...c, functionName: "seriesOf", args: [spotId] });
  if (seriesId === 0n) {
    throw new ProtocolError(
      "SpotNotFound",
      [spotId],
      `No outstanding preorder spot ${spotId} (delivered, refunded or never minted).`,
    );
  }
  const holder = await client.publicClient.readContract({ ...c, functionName: "ownerOf", args: [spotId] });
  return { spotId, seriesId, holder };
}
