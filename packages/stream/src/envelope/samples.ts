import type { JsonValue } from "../json.ts";
import { rfc3339Millis } from "../time.ts";
import type { DimoCloudEvent, LegacyStatusEvent, Signal, VehicleEvent } from "./schema.ts";

/** One signal sample with its time in milliseconds since the epoch. */
export interface SignalSample {
  /** As the device named it: catalogue names for CloudEvents, AutoPi's names for legacy status. */
  name: string;
  timestamp: number;
  value: JsonValue;
}

/** A validated sample time (ms number or RFC 3339 text) in milliseconds. */
export function sampleMillis(time: number | string): number {
  return typeof time === "number" ? time : rfc3339Millis(time)!;
}

/** The signal samples an event carries (DIMO default payload or AutoPi `vehicle.signals`). */
export function eventSignals(event: DimoCloudEvent | LegacyStatusEvent): SignalSample[] {
  const signals: Signal[] | undefined =
    event.specversion === "2.0"
      ? (event as LegacyStatusEvent).data.vehicle?.signals
      : carriesSamples(event.type)
        ? ((event as DimoCloudEvent).data as { signals?: Signal[] }).signals
        : undefined;
  return (signals ?? []).map((s) => ({ name: s.name, timestamp: sampleMillis(s.timestamp), value: s.value }));
}

/** Every time inside `data`, with a path for error messages. */
export function* dataTimes(event: DimoCloudEvent | LegacyStatusEvent): Generator<[string, number]> {
  const data = event.data as {
    timestamp?: number;
    signals?: Signal[];
    events?: VehicleEvent[];
    vehicle?: { signals?: Signal[] };
  };
  if (event.type === "dimo.attestation") return; // a claim's own times are not sample times
  if (typeof data.timestamp === "number") yield ["data.timestamp", data.timestamp];
  // Only these payloads have validated sample lists; other types may use the names freely.
  if (event.specversion !== "2.0" && !carriesSamples(event.type)) return;
  const lists: [string, { timestamp: number | string }[] | undefined][] = [
    ["data.signals", data.signals],
    ["data.events", data.events],
    ["data.vehicle.signals", data.vehicle?.signals],
  ];
  for (const [path, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) yield [`${path}[${i}].timestamp`, sampleMillis(list[i]!.timestamp)];
  }
}

function carriesSamples(type: string): boolean {
  return type === "dimo.status" || type === "dimo.signals" || type === "dimo.events";
}

/** DIMO's deduplication key: subject, time, type, source, id. */
export function eventKey(event: DimoCloudEvent | LegacyStatusEvent): string {
  return JSON.stringify([event.subject, event.time, event.type, event.source, event.id]);
}
