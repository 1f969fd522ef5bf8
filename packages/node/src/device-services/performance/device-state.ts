/**
 * What the node keeps about one device: a few decayed counters, the silences longer than a
 * healthy device's, a clock-offset estimate and its sequence range — under 2 KB (measured),
 * so a node can follow every device it serves in memory and answer in real time.
 */
import type { Address } from "viem";
import { DecayedCounter } from "./decayed.ts";
import {
  type DeviceDescription,
  type DeviceHealth,
  type DeviceObservation,
  type DeviceProblem,
  type DeviceStatus,
  type PerformanceThresholds,
  type ProblemKind,
  REJECTION_CLASSES,
} from "./model.ts";

const HOUR = 3_600_000;
const CLOCK_HOURS = 24;
const MAX_OUTAGES_KEPT = 32;

export class DeviceState {
  description: DeviceDescription | undefined;
  firstSeenAt = Number.POSITIVE_INFINITY;
  lastSeenAt = Number.NEGATIVE_INFINITY;
  readonly #t: PerformanceThresholds;
  readonly #accepted: DecayedCounter;
  readonly #messages: DecayedCounter;
  readonly #signature: DecayedCounter;
  readonly #garbage: DecayedCounter;
  readonly #clock: DecayedCounter;
  readonly #identity: DecayedCounter;
  readonly #samplesSent: DecayedCounter;
  readonly #samplesDropped: DecayedCounter;
  readonly #lagSum: DecayedCounter;
  readonly #lagCount: DecayedCounter;
  readonly totals = { signature: 0, garbage: 0, clock: 0, identity: 0, dropped: 0 };
  lastAssessedAt = Number.NEGATIVE_INFINITY;
  /** Smallest reception delay per hour of the last 24 (ring by hour number). */
  readonly #lagHour = new Float64Array(CLOCK_HOURS).fill(Number.NaN);
  readonly #lagMin = new Float64Array(CLOCK_HOURS);
  #outages: { from: number; to: number }[] = [];
  #seqLow: bigint | undefined;
  #seqHigh: bigint | undefined;
  #seqCount = 0n;
  #seqGaps = 0;
  /** Problems currently holding, with when they were first seen. */
  readonly #since = new Map<ProblemKind, number>();

  constructor(
    readonly device: Address,
    thresholds: PerformanceThresholds,
  ) {
    this.#t = thresholds;
    const h = thresholds.halfLifeMs;
    this.#accepted = new DecayedCounter(h);
    this.#messages = new DecayedCounter(h);
    this.#signature = new DecayedCounter(h);
    this.#garbage = new DecayedCounter(h);
    this.#clock = new DecayedCounter(h);
    this.#identity = new DecayedCounter(h);
    this.#samplesSent = new DecayedCounter(h);
    this.#samplesDropped = new DecayedCounter(h);
    this.#lagSum = new DecayedCounter(h);
    this.#lagCount = new DecayedCounter(h);
  }

  record(o: DeviceObservation): void {
    const at = o.receivedAt;
    this.#heard(at);
    this.#messages.add(1, at);
    if (o.kind === "rejected") {
      const cls = REJECTION_CLASSES[o.reason];
      if (!cls) return;
      const counter = {
        signature: this.#signature,
        garbage: this.#garbage,
        clock: this.#clock,
        identity: this.#identity,
      }[cls];
      counter.add(1, at);
      this.totals[cls]++;
      return;
    }
    this.#accepted.add(1, at);
    const lag = at - o.eventTime;
    this.#lagSum.add(lag, at);
    this.#lagCount.add(1, at);
    const hour = Math.floor(at / HOUR);
    const slot = hour % CLOCK_HOURS;
    if (this.#lagHour[slot] !== hour) {
      this.#lagHour[slot] = hour;
      this.#lagMin[slot] = lag;
    } else if (lag < this.#lagMin[slot]!) this.#lagMin[slot] = lag;
    if (o.samplesSent !== undefined && o.samplesKept !== undefined && o.samplesSent > 0) {
      const dropped = Math.max(0, o.samplesSent - o.samplesKept);
      this.#samplesSent.add(o.samplesSent, at);
      this.#samplesDropped.add(dropped, at);
      this.totals.dropped += dropped;
    }
    if (o.sequence !== undefined) this.#sequence(o.sequence);
  }

  #heard(at: number): void {
    if (at < this.firstSeenAt) this.firstSeenAt = at;
    if (this.lastSeenAt !== Number.NEGATIVE_INFINITY && at - this.lastSeenAt > this.#t.expectedIntervalMs) {
      this.#outages.push({ from: this.lastSeenAt, to: at });
      if (this.#outages.length > MAX_OUTAGES_KEPT) this.#outages.shift();
    }
    if (at > this.lastSeenAt) this.lastSeenAt = at;
  }

  /**
   * Sequence numbers: a jump past the next number is a gap (lost events, a thinned buffer, or a
   * restart — devices reserve numbers in blocks, so gaps are reported, never judged alone).
   */
  #sequence(seq: bigint): void {
    if (this.#seqHigh === undefined || this.#seqLow === undefined) {
      this.#seqLow = seq;
      this.#seqHigh = seq;
    } else if (seq > this.#seqHigh) {
      if (seq > this.#seqHigh + 1n) this.#seqGaps++;
      this.#seqHigh = seq;
    } else if (seq < this.#seqLow) this.#seqLow = seq;
    this.#seqCount++;
  }

  /** Outages in the window ending at `now`, the silence now included when it is one. */
  #outagesAt(now: number): { from: number; to: number }[] {
    const from = now - this.#t.windowMs;
    const list = this.#outages.filter((o) => o.to > from);
    if (now - this.lastSeenAt > this.#t.expectedIntervalMs) list.push({ from: this.lastSeenAt, to: now });
    return list;
  }

  clockOffsetAt(now: number): number | undefined {
    const hour = Math.floor(now / HOUR);
    let min: number | undefined;
    for (let i = 0; i < CLOCK_HOURS; i++) {
      const h = this.#lagHour[i]!;
      if (Number.isNaN(h) || h <= hour - CLOCK_HOURS || h > hour) continue;
      if (min === undefined || this.#lagMin[i]! < min) min = this.#lagMin[i]!;
    }
    return min;
  }

  /** The value of every condition at `now`: [kind, holds, value, threshold, message]. */
  #conditions(now: number): [ProblemKind, boolean, number, number, string][] {
    const t = this.#t;
    const messages = this.#messages.valueAt(now);
    const signature = this.#signature.valueAt(now);
    const garbage = this.#garbage.valueAt(now);
    const clock = this.#clock.valueAt(now);
    const identity = this.#identity.valueAt(now);
    const sent = this.#samplesSent.valueAt(now);
    const dropped = this.#samplesDropped.valueAt(now);
    const offset = this.clockOffsetAt(now);
    const outages = this.#outagesAt(now).length;
    const share = (n: number, of: number) => (of > 0 ? n / of : 0);
    const lead = offset !== undefined && offset < -t.maxClockLeadMs;
    return [
      [
        "signature_failures",
        signature >= t.minSignatureFailures && share(signature, messages) > t.maxSignatureFailureShare,
        share(signature, messages),
        t.maxSignatureFailureShare,
        "messages whose signature does not verify, on the device's own authenticated connection",
      ],
      [
        "garbage",
        garbage >= t.minGarbage && share(garbage, messages) > t.maxGarbageShare,
        share(garbage, messages),
        t.maxGarbageShare,
        "messages that do not decode or are not valid events",
      ],
      [
        "dropped_samples",
        dropped >= t.minDroppedSamples && share(dropped, sent) > t.maxDroppedSampleShare,
        share(dropped, sent),
        t.maxDroppedSampleShare,
        "signal values refused as invalid or out of range",
      ],
      [
        "clock_behind",
        offset !== undefined && offset > t.maxClockLagMs,
        offset ?? 0,
        t.maxClockLagMs,
        "the device clock is behind: even its freshest events arrive this late (ms)",
      ],
      [
        "clock_ahead",
        lead || (clock >= t.minClockRejections && share(clock, messages) > t.maxClockRejectionShare),
        lead ? offset! : share(clock, messages),
        lead ? -t.maxClockLeadMs : t.maxClockRejectionShare,
        "the device clock is ahead: events arrive before they happened, or are refused as future",
      ],
      [
        "identity_mismatch",
        identity >= 3 && share(identity, messages) > 0.05,
        share(identity, messages),
        0.05,
        "events naming another vehicle or device than the chain says",
      ],
      [
        "intermittent",
        outages >= t.maxOutages,
        outages,
        t.maxOutages,
        `silences longer than ${Math.round(t.expectedIntervalMs / 60_000)} min within the window`,
      ],
    ];
  }

  /**
   * Checks every condition at `now` and keeps when each started holding (a problem is confirmed
   * once it held `confirmMs`). Called as observations arrive and by the service's periodic sweep.
   */
  assess(now: number): DeviceProblem[] {
    const t = this.#t;
    this.lastAssessedAt = now;
    const observedFor = now - this.firstSeenAt;
    const problems: DeviceProblem[] = [];
    for (const [kind, holds, value, threshold, message] of this.#conditions(now)) {
      if (!holds || observedFor < t.minObservedMs) {
        this.#since.delete(kind);
        continue;
      }
      const since = Math.min(this.#since.get(kind) ?? now, now);
      this.#since.set(kind, since);
      problems.push({ kind, since, confirmed: now - since >= t.confirmMs, value, threshold, message });
    }
    return problems;
  }

  /** The device's health at `now` (assessing it). */
  health(now: number): DeviceHealth {
    const t = this.#t;
    const problems = this.assess(now);
    const observedFor = now - this.firstSeenAt;
    const outages = this.#outagesAt(now);
    const offset = this.clockOffsetAt(now);
    const share = (n: number, of: number) => (of > 0 ? n / of : 0);
    const signature = this.#signature.valueAt(now);
    const garbage = this.#garbage.valueAt(now);
    const clock = this.#clock.valueAt(now);
    const sent = this.#samplesSent.valueAt(now);
    const dropped = this.#samplesDropped.valueAt(now);
    const silentFor = now - this.lastSeenAt;
    let status: DeviceStatus;
    if (silentFor >= t.disconnectAfterMs) status = "disconnected";
    else if (problems.some((p) => p.confirmed)) status = "malfunction";
    else if (silentFor > t.expectedIntervalMs) status = "offline";
    else if (observedFor < t.minObservedMs) status = "new";
    else status = "healthy";

    // Uptime: the observed span of the window minus what silences exceeded the expected interval by.
    const windowStart = Math.max(now - t.windowMs, this.firstSeenAt);
    const span = Math.max(1, now - windowStart);
    let down = 0;
    for (const o of outages) {
      const from = Math.max(o.from + t.expectedIntervalMs, windowStart);
      if (o.to > from) down += o.to - from;
    }
    const lagCount = this.#lagCount.valueAt(now);
    const missing =
      this.#seqHigh !== undefined && this.#seqLow !== undefined
        ? Number(this.#seqHigh - this.#seqLow + 1n - this.#seqCount)
        : 0;
    const d = this.description;
    return {
      device: this.device,
      deviceId: d?.deviceId.toString(),
      manufacturerId: d?.manufacturerId.toString(),
      modelId: d?.modelId?.toString(),
      status,
      problems,
      firstSeenAt: this.firstSeenAt,
      lastSeenAt: this.lastSeenAt,
      uptime: Math.min(1, Math.max(0, 1 - down / span)),
      messagesPerHour: this.#accepted.valueAt(now) / effectiveHours(t.halfLifeMs, now - this.firstSeenAt),
      freshness: {
        meanLagMs: lagCount > 0 ? this.#lagSum.valueAt(now) / lagCount : undefined,
        clockOffsetMs: offset,
        silentForMs: silentFor,
      },
      signatureFailures: { recent: signature, total: this.totals.signature },
      garbage: { recent: garbage, total: this.totals.garbage },
      clockRejections: { recent: clock, total: this.totals.clock },
      droppedSamples: { recent: dropped, total: this.totals.dropped, share: share(dropped, sent) },
      sequence: { gaps: this.#seqGaps, missing: Math.max(0, missing) },
      outages: {
        count: outages.length,
        longestMs: outages.reduce((m, o) => Math.max(m, o.to - o.from), 0),
        recent: outages.slice(-5),
      },
    };
  }
}

/**
 * The hours a decayed count of a steady rate stands for: its mean lifetime τ = half-life / ln 2,
 * shortened for a device observed for less than that (τ · (1 − e^(−observed/τ))).
 */
function effectiveHours(halfLifeMs: number, observedMs: number): number {
  const tau = halfLifeMs / Math.LN2;
  return Math.max(tau * (1 - Math.exp(-Math.max(observedMs, 0) / tau)), 60_000) / HOUR;
}
