/**
 * The device performance service (seed 004, "Certification and Performance Tracking"): per
 * device, model and maker — uptime, message rate, data freshness, signature failures, garbage,
 * clock faults, gaps — aggregated in real time from what the node sees. It flags devices that
 * malfunction (a problem that lasted `confirmMs`) or are disconnected (silent for
 * `disconnectAfterMs`), and, as the settlement's DeviceStakeJob's `DevicePerformanceSource`,
 * hands them over for the on-chain report with the evidence they are judged on.
 */
import { type Address, getAddress } from "viem";
import type { DeviceFailureReport, DevicePerformanceSource } from "../../settlement/deviceStake.ts";
import type { DeviceCatalog } from "./catalog.ts";
import { DeviceState } from "./device-state.ts";
import type { PerformanceEvidence } from "./evidence.ts";
import {
  DEFAULT_THRESHOLDS,
  type DeviceHealth,
  type DeviceObservation,
  type DeviceStatus,
  type GroupPerformance,
  type PerformanceThresholds,
  type ProblemKind,
} from "./model.ts";

const ASSESS_EVERY_MS = 5 * 60_000;
const CATALOG_CONCURRENCY = 8;

export interface DevicePerformanceOptions {
  thresholds?: Partial<PerformanceThresholds>;
  /** Token ids, makers and models of devices (the chain); without it, groups are unknown. */
  catalog?: DeviceCatalog;
  /** Where the evidence of reports is kept; without it, reports carry a `dimo-node:` URI only. */
  evidence?: PerformanceEvidence;
  now?: () => number;
  /** Devices followed at most (memory bound; the least recently heard are forgotten). Default 1,000,000. */
  maxDevices?: number;
  /** Where unexpected errors (a failed catalog lookup) go. */
  logError?: (error: unknown) => void;
}

export class DevicePerformance implements DevicePerformanceSource {
  readonly thresholds: Readonly<PerformanceThresholds>;
  readonly #states = new Map<string, DeviceState>();
  readonly #byDeviceId = new Map<bigint, DeviceState>();
  readonly #describing = new Map<string, Promise<void>>();
  readonly #o: DevicePerformanceOptions;
  #timer: NodeJS.Timeout | undefined;
  readonly #lookups: (() => void)[] = [];
  #active = 0;

  constructor(options: DevicePerformanceOptions = {}) {
    this.#o = options;
    this.thresholds = Object.freeze({ ...DEFAULT_THRESHOLDS, ...options.thresholds });
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Takes in one observation (the hot path: synchronous, a few arithmetic operations). */
  record(o: DeviceObservation): void {
    const key = o.device.toLowerCase();
    let state = this.#states.get(key);
    if (!state) {
      if (this.#states.size >= (this.#o.maxDevices ?? 1_000_000)) this.#forgetOldest();
      state = new DeviceState(getAddress(o.device), this.thresholds);
      this.#states.set(key, state);
    }
    if (o.kind === "event" && o.deviceId !== undefined && !this.#byDeviceId.has(o.deviceId)) {
      this.#byDeviceId.set(o.deviceId, state);
    }
    state.record(o);
    // Conditions are checked as time passes in the device's observations, so that a problem's
    // start is known to within minutes whether or not anyone asks.
    if (o.receivedAt - state.lastAssessedAt >= ASSESS_EVERY_MS) state.assess(o.receivedAt);
    if (!state.description && !this.#describing.has(key) && this.#o.catalog) this.#describe(key, state);
  }

  /** Looks the device up in the catalog, at most CATALOG_CONCURRENCY at a time (a node starting on a full store meets every device at once). */
  #describe(key: string, state: DeviceState): void {
    const done = new Promise<void>((resolve) => this.#lookups.push(resolve))
      .then(() => this.#o.catalog!.describe(state.device))
      .then((d) => {
        if (!d) return;
        state.description = d;
        this.#byDeviceId.set(d.deviceId, state);
      })
      .catch((error: unknown) => this.#o.logError?.(error))
      .finally(() => {
        this.#describing.delete(key);
        this.#active--;
        this.#nextLookup();
      });
    this.#describing.set(key, done);
    this.#nextLookup();
  }

  #nextLookup(): void {
    while (this.#active < CATALOG_CONCURRENCY && this.#lookups.length > 0) {
      this.#active++;
      this.#lookups.shift()!();
    }
  }

  #forgetOldest(): void {
    let oldest: [string, DeviceState] | undefined;
    for (const entry of this.#states)
      if (!oldest || entry[1].lastSeenAt < oldest[1].lastSeenAt) oldest = entry;
    if (!oldest) return;
    this.#states.delete(oldest[0]);
    const id = oldest[1].description?.deviceId;
    if (id !== undefined) this.#byDeviceId.delete(id);
  }

  /** Checks every device at `now` (silent ones too: their silence is a condition). */
  sweep(now = this.#now()): void {
    for (const state of this.#states.values()) state.assess(now);
  }

  /** Sweeps every `intervalMs` (default 1 min) until stop(). */
  start(intervalMs = 60_000): void {
    this.#timer ??= setInterval(() => this.sweep(), intervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Waits for pending catalog lookups (tests, reports). */
  async settled(): Promise<void> {
    while (this.#describing.size > 0) await Promise.all(this.#describing.values());
  }

  /** The device's health at `now` (default: the service's clock), or undefined if never seen. */
  health(device: Address | bigint, now = this.#now()): DeviceHealth | undefined {
    const state =
      typeof device === "bigint" ? this.#byDeviceId.get(device) : this.#states.get(device.toLowerCase());
    return state?.health(now);
  }

  /** Every device followed, optionally of one maker or model. */
  devices(filter: { manufacturerId?: bigint; modelId?: bigint } = {}, now = this.#now()): DeviceHealth[] {
    const out: DeviceHealth[] = [];
    for (const state of this.#states.values()) {
      const d = state.description;
      if (filter.manufacturerId !== undefined && d?.manufacturerId !== filter.manufacturerId) continue;
      if (filter.modelId !== undefined && d?.modelId !== filter.modelId) continue;
      out.push(state.health(now));
    }
    return out;
  }

  /** Aggregates over a maker's or a model's devices (or all), at `now`. */
  group(filter: { manufacturerId?: bigint; modelId?: bigint } = {}, now = this.#now()): GroupPerformance {
    return aggregate(this.devices(filter, now));
  }

  /**
   * DevicePerformanceSource: of these installed devices, those to report at `nowMs` — a confirmed
   * malfunction, or silence for `disconnectAfterMs` — each with the URI of its evidence.
   * Devices the node never heard from are not reported (they may not be powered yet).
   */
  async failures(deviceIds: readonly bigint[], nowMs: number): Promise<DeviceFailureReport[]> {
    await this.settled();
    const reports: DeviceFailureReport[] = [];
    for (const deviceId of deviceIds) {
      const state = this.#byDeviceId.get(deviceId);
      if (!state) continue;
      const health = state.health(nowMs);
      if (health.status !== "malfunction" && health.status !== "disconnected") continue;
      const failure: "malfunction" | "disconnection" =
        health.status === "malfunction" ? "malfunction" : "disconnection";
      const document = {
        type: "dimo-open.device-performance.evidence" as const,
        version: 1 as const,
        failure,
        assessedAt: new Date(nowMs).toISOString(),
        thresholds: { ...this.thresholds },
        health: { ...health, deviceId: deviceId.toString() },
      };
      const evidenceURI = this.#o.evidence
        ? await this.#o.evidence.record(document)
        : `dimo-node:device-performance:${failure}:${health.device}@${document.assessedAt}:${health.problems
            .filter((p) => p.confirmed)
            .map((p) => p.kind)
            .join(",")}`;
      reports.push({ deviceId, failure, evidenceURI });
    }
    return reports;
  }
}

const STATUSES: DeviceStatus[] = ["new", "healthy", "offline", "malfunction", "disconnected"];

export function aggregate(list: readonly DeviceHealth[]): GroupPerformance {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<DeviceStatus, number>;
  const problems: Partial<Record<ProblemKind, number>> = {};
  let uptime = 0;
  let rate = 0;
  let lag = 0;
  let lagged = 0;
  const sums = {
    signatureFailures: 0,
    garbage: 0,
    clockRejections: 0,
    droppedSamples: 0,
    sequenceGaps: 0,
    outages: 0,
  };
  for (const h of list) {
    byStatus[h.status]++;
    uptime += h.uptime;
    rate += h.messagesPerHour;
    if (h.freshness.meanLagMs !== undefined) {
      lag += h.freshness.meanLagMs;
      lagged++;
    }
    sums.signatureFailures += h.signatureFailures.recent;
    sums.garbage += h.garbage.recent;
    sums.clockRejections += h.clockRejections.recent;
    sums.droppedSamples += h.droppedSamples.recent;
    sums.sequenceGaps += h.sequence.gaps;
    sums.outages += h.outages.count;
    for (const p of h.problems) problems[p.kind] = (problems[p.kind] ?? 0) + 1;
  }
  const n = list.length;
  return {
    devices: n,
    byStatus,
    uptime: n > 0 ? uptime / n : 0,
    messagesPerHour: n > 0 ? rate / n : 0,
    meanLagMs: lagged > 0 ? lag / lagged : undefined,
    ...sums,
    problems,
  };
}
