import {
  computeRewardsWeek,
  decodeRewardsInputs,
  encodeRewardsInputs,
  getRewardsCalendar,
  getRewardsWeek,
  publishRewardsRoot,
  type RewardClaim,
  type RewardsClient,
  type RewardsInputs,
  RewardsTree,
  type VehicleObservation,
  WEEK_SECONDS,
} from "@dimo-open/protocol";
import { type Hex, keccak256, toBytes, zeroAddress } from "viem";
import type { VehicleActivity, WeeklyActivitySource } from "./activity.ts";
import type { RewardsChainView } from "./chainView.ts";
import type { RewardsInputsStore } from "./store.ts";

export interface RewardsJobOptions {
  /** Signs the publications: must hold DimoRewards' publisher role. */
  client: RewardsClient;
  activity: WeeklyActivitySource;
  chain: RewardsChainView;
  store: RewardsInputsStore;
  /** Base URL this node serves `/v1/rewards/inputs/:hash` under (recorded on chain). */
  publicUrl: string;
  /** First week this node computes (weeks before it are never looked at). Default 0. */
  firstWeek?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface PublishedWeek {
  week: number;
  inputsHash: Hex;
  root: Hex;
  total: bigint;
  vehicles: number;
  /** False when the chain already had this week's root (a restart after publishing). */
  published: boolean;
}

/** A week's root on chain differs from the file this node computed for it. */
export class RewardsWeekConflictError extends Error {
  override name = "RewardsWeekConflictError";
  constructor(
    readonly week: number,
    readonly local: Hex,
    readonly onChain: Hex,
  ) {
    super(
      `Week ${week} is published on chain with inputs ${onChain}, but this node computed ${local}; another publisher may be active. Verify both files before going on.`,
    );
  }
}

/**
 * The node's weekly rewards job. For every finished week not yet published, in order: asks the
 * telemetry store which vehicles were active, reads their devices' classes, bans and payees at a
 * snapshot block, computes the allocations (streaks carried from the previous week's file),
 * stores the inputs file (content-addressed) and publishes its root. The file is stored and
 * indexed before the transaction, so a crash between the two republishes the same file.
 */
export class RewardsJob {
  constructor(private readonly o: RewardsJobOptions) {}

  /** Publishes every finished, unpublished week; returns what it did. */
  async runOnce(): Promise<PublishedWeek[]> {
    const { genesis, now } = await getRewardsCalendar(this.o.client);
    const done: PublishedWeek[] = [];
    for (let week = this.o.firstWeek ?? 0; ; week++) {
      const end = genesis + BigInt((week + 1) * WEEK_SECONDS);
      if (end > now) break;
      const onChain = await getRewardsWeek(this.o.client, BigInt(week));
      const local = await this.o.store.weekHash(week);
      if (onChain.status !== "none" && onChain.status !== "rejected") {
        if (local && local !== onChain.inputsHash)
          throw new RewardsWeekConflictError(week, local, onChain.inputsHash);
        if (!local) throw new RewardsWeekConflictError(week, "0x", onChain.inputsHash);
        continue;
      }
      done.push(await this.publishWeek(week, Number(genesis), onChain.status === "rejected"));
    }
    return done;
  }

  private async publishWeek(week: number, genesis: number, recompute: boolean): Promise<PublishedWeek> {
    let hash = recompute ? undefined : await this.o.store.weekHash(week);
    let bytes = hash ? await this.o.store.get(hash) : undefined;
    if (!bytes) {
      const computed = await this.computeWeek(week, genesis);
      bytes = encodeRewardsInputs(computed);
      hash = await this.o.store.put(bytes);
      await this.o.store.setWeek(week, hash);
    }
    const inputs = decodeRewardsInputs(bytes);
    const tree = new RewardsTree(BigInt(week), inputs.vehicles);
    await publishRewardsRoot(this.o.client, {
      week: BigInt(week),
      root: tree.root,
      total: inputs.total,
      inputsHash: hash!,
      inputsURI: `${this.o.publicUrl.replace(/\/$/, "")}/v1/rewards/inputs/${hash}`,
    });
    this.o.log?.("rewards week published", {
      week,
      hash,
      total: inputs.total.toString(),
      vehicles: inputs.vehicles.length,
    });
    return {
      week,
      inputsHash: hash!,
      root: tree.root,
      total: inputs.total,
      vehicles: inputs.vehicles.length,
      published: true,
    };
  }

  /** Computes a finished week from the telemetry store and the chain at the latest block. */
  async computeWeek(week: number, genesis: number): Promise<RewardsInputs> {
    const start = genesis + week * WEEK_SECONDS;
    const snapshotBlock = await this.o.client.publicClient.getBlockNumber();
    const [activity, connectionPoints, previous] = await Promise.all([
      this.o.activity.weeklyActivity(start * 1000, (start + WEEK_SECONDS) * 1000),
      this.o.chain.connectionPoints(snapshotBlock),
      this.previous(week),
    ]);
    const observations: VehicleObservation[] = [];
    // Bounded concurrency: the chain reads are independent per vehicle.
    for (let i = 0; i < activity.length; i += 32) {
      observations.push(
        ...(await Promise.all(
          activity.slice(i, i + 32).map((a) => this.observe(a, connectionPoints, snapshotBlock)),
        )),
      );
    }
    const { inputs } = computeRewardsWeek(
      {
        chainId: await this.o.client.publicClient.getChainId(),
        rewards: this.o.client.rewards.dimoRewards,
        week,
        genesis,
        snapshotBlock,
        connectionPoints,
        previous,
      },
      observations,
    );
    return inputs;
  }

  /** The claim of a vehicle for a week this node published, with its proof. */
  async claimOf(week: number, vehicleId: bigint): Promise<RewardClaim | undefined> {
    const hash = await this.o.store.weekHash(week);
    const bytes = hash ? await this.o.store.get(hash) : undefined;
    if (!bytes) return undefined;
    return new RewardsTree(BigInt(week), decodeRewardsInputs(bytes).vehicles).claimOf(vehicleId);
  }

  private async previous(week: number): Promise<{ inputs: RewardsInputs; hash: Hex } | null> {
    if (week === (this.o.firstWeek ?? 0)) return null;
    const hash = await this.o.store.weekHash(week - 1);
    const bytes = hash ? await this.o.store.get(hash) : undefined;
    if (!hash || !bytes)
      throw new Error(`the inputs of week ${week - 1} are missing from the store; streaks cannot be carried`);
    return { inputs: decodeRewardsInputs(bytes), hash };
  }

  private async observe(
    a: VehicleActivity,
    points: Record<number, number>,
    block: bigint,
  ): Promise<VehicleObservation> {
    // The best eligible device: non-constant data, not banned, the most connection points.
    let best: { deviceId: bigint; connectionClass: number; points: number } | undefined;
    for (const d of a.devices) {
      if (!d.nonConstant) continue;
      const info = await this.o.chain.device(d.deviceId, block);
      if (info.banned) continue;
      const p = points[info.connectionClass] ?? 0;
      if (!best || p > best.points || (p === best.points && d.deviceId < best.deviceId)) {
        best = { deviceId: d.deviceId, connectionClass: info.connectionClass, points: p };
      }
    }
    const vinHash = a.vin ? keccak256(toBytes(a.vin.toUpperCase())) : null;
    if (!best)
      return {
        vehicleId: a.vehicleId,
        vinHash,
        deviceId: 0n,
        deviceClass: 0,
        active: false,
        beneficiary: zeroAddress,
      };
    // A vehicle burned since cannot be paid: it counts as inactive.
    const beneficiary = await this.o.chain.payee(a.vehicleId, best.deviceId, block).catch(() => undefined);
    if (!beneficiary)
      return {
        vehicleId: a.vehicleId,
        vinHash,
        deviceId: 0n,
        deviceClass: 0,
        active: false,
        beneficiary: zeroAddress,
      };
    return {
      vehicleId: a.vehicleId,
      vinHash,
      deviceId: best.deviceId,
      deviceClass: best.connectionClass,
      active: true,
      beneficiary,
    };
  }
}
