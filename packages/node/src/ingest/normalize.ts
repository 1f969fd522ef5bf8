/**
 * Payload → catalogue rows. Two shapes carry signals:
 * - DIMO's default payload (`data.signals[]`), whose names are catalogue names: each value is
 *   checked with validateSignalValue;
 * - AutoPi's (`data.vehicle.signals[]` and `data.device{}`, in the legacy "2.0" message or in a
 *   CloudEvents 1.0 envelope), whose names are AutoPi's: mapped with normalizeSourceSignal, and
 *   the `latitude`/`longitude`/`hdop` parts sent at one time combined into currentLocationCoordinates.
 * A bad or unknown sample is dropped and counted, never the whole event: it is signed and archived
 * as sent, and its other samples are good.
 */
import {
  type Coordinates,
  normalizeSourceSignal,
  type SignalValueProblem,
  validateSignalValue,
} from "@dimo-open/signals";
import type { JsonValue, ParsedEvent, Signal, VehicleEvent } from "@dimo-open/stream";
import { rfc3339Millis } from "@dimo-open/stream";
import type { SignalRow, VehicleEventRow } from "../telemetry/types.ts";

/** Why a sample was not stored (Prometheus label values). */
export type DropReason = SignalValueProblem | "unmapped" | "notAvailable" | "invalid" | "duplicate";

export interface NormalizedPayload {
  signals: SignalRow[];
  vehicleEvents: VehicleEventRow[];
  dropped: { name: string; reason: DropReason }[];
}

type Payload = {
  timestamp?: number;
  signals?: Signal[];
  events?: VehicleEvent[];
  device?: Record<string, JsonValue>;
  vehicle?: { signals?: Signal[] };
};

function millis(time: number | string): number {
  return typeof time === "number" ? time : rfc3339Millis(time)!;
}

export function normalizePayload(parsed: ParsedEvent): NormalizedPayload {
  const out: NormalizedPayload = { signals: [], vehicleEvents: [], dropped: [] };
  const type = parsed.event.type;
  if (type === "dimo.fingerprint" || type === "dimo.attestation") return out;
  const data = parsed.event.data as Payload;
  const seen = new Set<string>();
  const push = (row: SignalRow) => {
    // One value per signal and time in an event: a repeat adds nothing but a second row.
    const k = `${row.name}\u0000${row.timestamp}`;
    if (seen.has(k)) out.dropped.push({ name: row.name, reason: "duplicate" });
    else {
      seen.add(k);
      out.signals.push(row);
    }
  };
  if (Array.isArray(data.signals)) {
    for (const s of data.signals) {
      const checked = validateSignalValue(s.name, s.value);
      if (checked.ok) push({ name: s.name, timestamp: millis(s.timestamp), value: checked.value });
      else out.dropped.push({ name: s.name, reason: checked.error.problem });
    }
  }
  const autopi = parsed.format === "legacy-status" || Array.isArray(data.vehicle?.signals);
  if (autopi) normalizeAutoPi(data, push, out);
  if (Array.isArray(data.events)) {
    for (const e of data.events) {
      out.vehicleEvents.push({
        name: e.name,
        timestamp: millis(e.timestamp),
        ...(e.durationNs !== undefined ? { durationNs: e.durationNs } : {}),
        ...(e.metadata !== undefined ? { metadata: e.metadata } : {}),
      });
    }
  }
  return out;
}

function normalizeAutoPi(data: Payload, push: (row: SignalRow) => void, out: NormalizedPayload): void {
  const samples: { name: string; timestamp: number; value: JsonValue }[] = [];
  for (const s of data.vehicle?.signals ?? []) samples.push({ ...s, timestamp: millis(s.timestamp) });
  if (data.device && typeof data.timestamp === "number") {
    for (const [name, value] of Object.entries(data.device))
      samples.push({ name, timestamp: data.timestamp, value });
  }
  const locations = new Map<number, Partial<Coordinates>>();
  for (const s of samples) {
    const r = normalizeSourceSignal("autopi", s.name, s.value);
    switch (r.status) {
      case "mapped":
        push({ name: r.name, timestamp: s.timestamp, value: r.value });
        break;
      case "coordinate": {
        const parts = locations.get(s.timestamp) ?? {};
        parts[r.part] = r.value;
        locations.set(s.timestamp, parts);
        break;
      }
      case "notAvailable":
        out.dropped.push({ name: s.name, reason: "notAvailable" });
        break;
      case "unmapped":
        out.dropped.push({ name: s.name, reason: "unmapped" });
        break;
      case "invalid":
        out.dropped.push({ name: s.name, reason: "invalid" });
        break;
    }
  }
  for (const [timestamp, parts] of locations) {
    const checked = validateSignalValue("currentLocationCoordinates", parts);
    if (checked.ok) push({ name: "currentLocationCoordinates", timestamp, value: checked.value });
    else out.dropped.push({ name: "currentLocationCoordinates", reason: checked.error.problem });
  }
}
