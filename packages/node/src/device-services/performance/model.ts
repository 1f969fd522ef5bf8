/**
 * The vocabulary of the device performance service: what it observes, the thresholds that turn
 * observations into verdicts, and the health it reports per device, model and maker.
 */
import type { Address } from "viem";

/** Why an ingest refusal counts against a device (other refusals say nothing about the hardware). */
export type RejectionClass = "signature" | "garbage" | "clock" | "identity";

/**
 * One thing the node saw a device do. Accepted events come from the telemetry store (the
 * TelemetryFeed), refusals from the transports (observeIngest); tests and other nodes may feed
 * the service directly.
 */
export type DeviceObservation =
  | {
      kind: "event";
      device: Address;
      /** From the producer DID, when known. */
      deviceId?: bigint;
      /** Node clock, ms. */
      receivedAt: number;
      /** Device clock, ms (the event's `time`). */
      eventTime: number;
      sequence?: bigint;
      /** Samples in the payload as sent, and kept after validation; undefined when not countable. */
      samplesSent?: number;
      samplesKept?: number;
    }
  | {
      kind: "rejected";
      device: Address;
      receivedAt: number;
      /** The ingest rejection reason (docs/ingest.md). */
      reason: string;
    };

/** Ingest rejection reasons, by what they say about a device. */
export const REJECTION_CLASSES: Record<string, RejectionClass> = {
  missing_signature: "signature",
  bad_signature: "signature",
  unknown_signer: "signature",
  unsupported_signature_version: "signature",
  malformed: "garbage",
  oversized: "garbage",
  header_too_large: "garbage",
  unsupported_content_type: "garbage",
  unsupported_specversion: "garbage",
  unsupported_type: "garbage",
  invalid_event: "garbage",
  topic_not_allowed: "garbage",
  future_time: "clock",
  stale_time: "clock",
  producer_mismatch: "identity",
  subject_mismatch: "identity",
};

export interface PerformanceThresholds {
  /** Half-life of the rates and shares (default 24 h). */
  halfLifeMs: number;
  /**
   * Longest silence of a healthy device: a parked car's device sleeps and wakes every 6 hours
   * to report (docs/device.md), so 6 h 15 min by default. A longer silence is an outage.
   */
  expectedIntervalMs: number;
  /** Window of uptime and outages (default 7 days). */
  windowMs: number;
  /** Outages within the window that make a device intermittent (default 3). */
  maxOutages: number;
  /** Silence after which a device is disconnected and reported (default 30 days). */
  disconnectAfterMs: number;
  /** Clock offset estimate beyond which a device's clock is behind (default 15 min). */
  maxClockLagMs: number;
  /** ... or ahead (default 2 min; beyond 5 min the node refuses its events as future). */
  maxClockLeadMs: number;
  /** Signature failures: share of messages and least count (defaults 1 %, 3). */
  maxSignatureFailureShare: number;
  minSignatureFailures: number;
  /** Undecodable or invalid messages: share and least count (defaults 5 %, 5). */
  maxGarbageShare: number;
  minGarbage: number;
  /** Samples dropped as invalid or out of range: share and least count (defaults 5 %, 20). */
  maxDroppedSampleShare: number;
  minDroppedSamples: number;
  /** Events refused for their time: share and least count (defaults 20 %, 5). */
  maxClockRejectionShare: number;
  minClockRejections: number;
  /** A problem must last this long before it is a malfunction to report (default 6 h). */
  confirmMs: number;
  /** No verdict on a device observed for less than this (default 6 h). */
  minObservedMs: number;
}

export const DEFAULT_THRESHOLDS: Readonly<PerformanceThresholds> = Object.freeze({
  halfLifeMs: 24 * 3_600_000,
  expectedIntervalMs: 6.25 * 3_600_000,
  windowMs: 7 * 86_400_000,
  maxOutages: 3,
  disconnectAfterMs: 30 * 86_400_000,
  maxClockLagMs: 15 * 60_000,
  maxClockLeadMs: 2 * 60_000,
  maxSignatureFailureShare: 0.01,
  minSignatureFailures: 3,
  maxGarbageShare: 0.05,
  minGarbage: 5,
  maxDroppedSampleShare: 0.05,
  minDroppedSamples: 20,
  maxClockRejectionShare: 0.2,
  minClockRejections: 5,
  confirmMs: 6 * 3_600_000,
  minObservedMs: 6 * 3_600_000,
});

export type ProblemKind =
  | "signature_failures"
  | "garbage"
  | "dropped_samples"
  | "clock_behind"
  | "clock_ahead"
  | "identity_mismatch"
  | "intermittent";

export interface DeviceProblem {
  kind: ProblemKind;
  /** When the condition was first seen holding (it is confirmed `confirmMs` later). */
  since: number;
  confirmed: boolean;
  /** The measured value and the threshold it crossed. */
  value: number;
  threshold: number;
  message: string;
}

export type DeviceStatus = "new" | "healthy" | "offline" | "malfunction" | "disconnected";

export interface DeviceHealth {
  device: Address;
  deviceId: string | undefined;
  manufacturerId: string | undefined;
  modelId: string | undefined;
  status: DeviceStatus;
  problems: DeviceProblem[];
  firstSeenAt: number;
  lastSeenAt: number;
  /** Share of the observed part of the window the device was reachable (silences beyond the expected interval are down time). */
  uptime: number;
  /** Accepted events per hour (decayed). */
  messagesPerHour: number;
  freshness: {
    /** Mean delay from event time to reception (decayed), ms. */
    meanLagMs: number | undefined;
    /** Estimate of the device clock's offset: the smallest delay over the last 24 h (positive: behind). */
    clockOffsetMs: number | undefined;
    /** Time since the device was last heard from, ms. */
    silentForMs: number;
  };
  signatureFailures: { recent: number; total: number };
  garbage: { recent: number; total: number };
  clockRejections: { recent: number; total: number };
  droppedSamples: { recent: number; total: number; share: number };
  sequence: { gaps: number; missing: number };
  outages: { count: number; longestMs: number; recent: { from: number; to: number }[] };
}

/** Health of a group of devices (a model or a maker), as the seed's "realtime aggregated updates". */
export interface GroupPerformance {
  devices: number;
  byStatus: Record<DeviceStatus, number>;
  /** Means over the group's devices. */
  uptime: number;
  messagesPerHour: number;
  meanLagMs: number | undefined;
  /** Sums (decayed) over the group. */
  signatureFailures: number;
  garbage: number;
  clockRejections: number;
  droppedSamples: number;
  sequenceGaps: number;
  outages: number;
  problems: Partial<Record<ProblemKind, number>>;
}

/** A device that has been seen at `at`: who it is. */
export interface DeviceDescription {
  deviceId: bigint;
  manufacturerId: bigint;
  modelId: bigint | undefined;
}
