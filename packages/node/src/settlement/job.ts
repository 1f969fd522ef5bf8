import {
  creditBalance,
  getNode,
  getPriceList,
  getSettlement,
  nodeWithdrawable,
  type PaymentsClient,
  type PublishedPriceList,
  releaseSettlements,
  settleUsage,
  signSettlementBatch,
  type UsageRecord,
  usageRecordKey,
  usageRequestId,
  usageSettlementAbi,
  withdrawNodeRevenue,
} from "@dimo-open/protocol";
import type { LocalAccount } from "viem";
import type { MeteredRequest, UsageSource } from "./usage.ts";

export interface SettlementJobOptions {
  /** The node operator's client (it withdraws the revenue; anyone could submit batches). */
  client: PaymentsClient;
  nodeId: bigint;
  /** The node's settlement key (NodeRegistry's `signer`). */
  signer: LocalAccount;
  usage: UsageSource;
  /** Records per settlement (≤ 2000). Default 1000. */
  batchSize?: number;
  /** Only requests older than this are settled, so late writes never land before the cursor. Default 60 s. */
  lagMs?: number;
  /** Chain time in ms (default: the latest block's). */
  now?: () => Promise<number>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface SettledBatch {
  licenseId: bigint;
  settlementId: bigint;
  credits: bigint;
  records: number;
  /** False when the chain already had the batch (a retry). */
  applied: boolean;
}

export interface SettlementRun {
  settled: SettledBatch[];
  /** Requests whose operation has no line in the node's price list (left pending). */
  unpriced: number;
  /** Licences that ran out of credits (their remaining requests stay pending). */
  shortOfCredits: bigint[];
  /** Requests found already settled on chain (a crash before recording) and now recorded. */
  recovered: number;
}

/**
 * The node's periodic settlement: turns the billing ledger's charged requests into signed
 * UsageSettlement batches per licence (priced by the on-chain price list in force when each
 * request was served), submits them, and records which settlement paid each request. Requests
 * the chain's cursor shows as already settled are recorded without being charged again.
 */
export class SettlementJob {
  private readonly versions = new Map<number, PublishedPriceList>();

  constructor(private readonly o: SettlementJobOptions) {}

  async runOnce(): Promise<SettlementRun> {
    const now = await this.now();
    const run: SettlementRun = { settled: [], unpriced: 0, shortOfCredits: [], recovered: 0 };
    const pending = await this.o.usage.pending(now - (this.o.lagMs ?? 60_000), 100_000);
    const byLicense = new Map<bigint, MeteredRequest[]>();
    for (const r of pending) byLicense.set(r.licenseId, [...(byLicense.get(r.licenseId) ?? []), r]);
    const current = (await getNode(this.o.client, this.o.nodeId)).priceVersion;
    for (const [licenseId, requests] of byLicense)
      await this.settleLicense(licenseId, requests, current, run);
    return run;
  }

  /** Releases settlements past their dispute window and withdraws the node's revenue. Returns DIMO (wei) withdrawn. */
  async collect(settlementIds: readonly bigint[]): Promise<bigint> {
    const c = this.o.client;
    const [window, block] = await Promise.all([
      c.publicClient.readContract({
        address: c.payments.usageSettlement,
        abi: usageSettlementAbi,
        functionName: "disputeWindow",
      }),
      c.publicClient.getBlock(),
    ]);
    const due: bigint[] = [];
    for (const id of settlementIds) {
      const s = await getSettlement(c, id);
      if (s.status === "pending" && s.nodeId === this.o.nodeId && s.settledAt + window <= block.timestamp)
        due.push(id);
    }
    if (due.length > 0) await releaseSettlements(c, due);
    if ((await nodeWithdrawable(c, this.o.nodeId)) === 0n) return 0n;
    return (await withdrawNodeRevenue(c, this.o.nodeId)).amount;
  }

  private async settleLicense(
    licenseId: bigint,
    requests: MeteredRequest[],
    current: number,
    run: SettlementRun,
  ) {
    const c = this.o.client;
    const cursor = await c.publicClient.readContract({
      address: c.payments.usageSettlement,
      abi: usageSettlementAbi,
      functionName: "cursorOf",
      args: [this.o.nodeId, licenseId],
    });
    const priced: { request: MeteredRequest; record: UsageRecord; version: number; credits: bigint }[] = [];
    const already: MeteredRequest[] = [];
    for (const request of requests) {
      const p = await this.price(request, current);
      if (!p) {
        run.unpriced++;
        continue;
      }
      if (usageRecordKey(p.record) <= cursor) already.push(request);
      else priced.push({ request, ...p });
    }
    if (already.length > 0) {
      await this.o.usage.markSettled(already, { settlementId: 0n, txHash: null });
      run.recovered += already.length;
    }
    priced.sort((a, b) => {
      const ka = usageRecordKey(a.record);
      const kb = usageRecordKey(b.record);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const size = Math.min(this.o.batchSize ?? 1000, 2000);
    let i = 0;
    while (i < priced.length) {
      // One price version per batch, at most `size` records, no more than the licence can pay.
      const version = priced[i]!.version;
      let balance = await creditBalance(c, licenseId);
      const batch: typeof priced = [];
      while (
        i < priced.length &&
        batch.length < size &&
        priced[i]!.version === version &&
        priced[i]!.credits <= balance
      ) {
        balance -= priced[i]!.credits;
        batch.push(priced[i]!);
        i++;
      }
      if (batch.length === 0) {
        run.shortOfCredits.push(licenseId);
        this.o.log?.("licence short of credits; its usage stays pending", {
          licenseId: licenseId.toString(),
        });
        return;
      }
      const signed = {
        nodeId: this.o.nodeId,
        licenseId,
        priceVersion: version,
        records: batch.map((b) => b.record),
      };
      const signature = await signSettlementBatch(c, this.o.signer, signed);
      const result = await settleUsage(c, signed, signature);
      await this.o.usage.markSettled(
        batch.map((b) => b.request),
        { settlementId: result.settlementId, txHash: result.hash },
      );
      const credits = batch.reduce((s, b) => s + b.credits, 0n);
      run.settled.push({
        licenseId,
        settlementId: result.settlementId,
        credits,
        records: batch.length,
        applied: result.applied,
      });
    }
  }

  /** The record of a request under the price version in force when it was served. */
  private async price(r: MeteredRequest, current: number) {
    for (let v = current; v >= 1; v--) {
      const list = await this.priceList(v);
      if (BigInt(r.at) < list.from * 1000n) continue;
      const item = list.items.findIndex((x) => x.operation === r.operation);
      if (item < 0) return undefined;
      const perUnit = list.items[item]!.creditsPerUnit;
      if (perUnit === 0n || BigInt(r.credits) % perUnit !== 0n) return undefined;
      const units = BigInt(r.credits) / perUnit;
      const record: UsageRecord = {
        requestId: usageRequestId(r.requestId),
        at: BigInt(r.at),
        vehicleId: r.vehicleId,
        item,
        units: Number(units),
      };
      return { record, version: v, credits: BigInt(r.credits) };
    }
    return undefined;
  }

  private async priceList(version: number): Promise<PublishedPriceList> {
    let list = this.versions.get(version);
    // The current version's `until` changes when a new one is published; past versions never do.
    if (!list || list.until === 0n) {
      list = await getPriceList(this.o.client, { nodeId: this.o.nodeId, version });
      this.versions.set(version, list);
    }
    return list;
  }

  private async now(): Promise<number> {
    if (this.o.now) return this.o.now();
    return Number((await this.o.client.publicClient.getBlock()).timestamp) * 1000;
  }
}
