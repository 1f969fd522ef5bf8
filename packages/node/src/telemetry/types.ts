import type { Coordinates } from "@dimo-open/signals";

/** One catalogue signal value at a time (ms since the epoch), ready to store. */
export interface SignalRow {
  name: string;
  timestamp: number;
  value: number | string | Coordinates;
}

/** One vehicle event (harsh braking, ignition…) carried in `data.events`. */
export interface VehicleEventRow {
  name: string;
  timestamp: number;
  durationNs?: number;
  metadata?: string;
}

/**
 * An accepted, verified event as the store keeps it: the CloudEvent header (with the subject and
 * producer the chain index vouches for), the exact data text, and its normalised rows.
 */
export interface StoredEvent {
  /** 128-bit hash of DIMO's dedup key (subject, time, type, source, id) as the device sent them. */
  key: bigint;
  id: string;
  source: string;
  /** The device DID. */
  producer: string;
  /** The vehicle DID. */
  subject: string;
  type: string;
  specversion: string;
  /** Event time, ms since the epoch. */
  time: number;
  dataversion: string | undefined;
  /** The recovered device address (EIP-55). */
  signer: string;
  /** v2, v2b (a v2 batch signature, "2b"), or DIMO's legacy one. */
  scheme: "v2" | "v2b" | "legacy";
  sequence: bigint | undefined;
  receivedAt: number;
  /** How it arrived: mqtt, mqtt-external, http. */
  transport: string;
  /** The envelope without `data`, compact JSON, as the device sent it. */
  header: string;
  /** The exact `data` text as sent (JSON codecs), or its JSON (binary codecs). */
  data: string;
  signals: SignalRow[];
  vehicleEvents: VehicleEventRow[];
}

/** What the store did with an event: inserted, or already there (same dedup key). */
export type WriteOutcome = "inserted" | "duplicate";
