/**
 * The compact form the binary codecs use for DIMO's default status payload. It is used only
 * when it reproduces `data` exactly; anything else (extra members, object-valued signals,
 * string timestamps) travels as generic JSON, so that every codec returns the event unchanged.
 */
import { isJsonObject, type JsonValue } from "../json.ts";

export interface CompactSignal {
  timestamp: number;
  name: string;
  value: number | string;
}

export interface CompactStatus {
  timestamp?: number;
  signals?: CompactSignal[];
  events?: JsonValue[];
  vin?: string;
}

const STATUS_KEYS = new Set(["timestamp", "signals", "events", "vin"]);

/** `data` as a CompactStatus if that form carries it exactly, else undefined. */
export function asCompactStatus(data: unknown): CompactStatus | undefined {
  if (!isJsonObject(data)) return undefined;
  for (const key in data) if (!STATUS_KEYS.has(key)) return undefined;
  const { timestamp, signals, events, vin } = data;
  if (timestamp !== undefined && typeof timestamp !== "number") return undefined;
  if (vin !== undefined && typeof vin !== "string") return undefined;
  if (events !== undefined && !Array.isArray(events)) return undefined;
  if (signals !== undefined) {
    if (!Array.isArray(signals)) return undefined;
    for (const s of signals) if (!isCompactSignal(s)) return undefined;
  }
  return data as CompactStatus;
}

function isCompactSignal(s: JsonValue): s is JsonValue & CompactSignal {
  if (!isJsonObject(s)) return false;
  let n = 0;
  for (const _ in s) n++;
  return (
    n === 3 &&
    typeof s.timestamp === "number" &&
    typeof s.name === "string" &&
    (typeof s.value === "number" || typeof s.value === "string")
  );
}

/** Rebuilds `data` from its compact parts (members present exactly when they were). */
export function fromCompactStatus(parts: CompactStatus): JsonValue {
  const data: { [key: string]: JsonValue } = {};
  if (parts.timestamp !== undefined) data.timestamp = parts.timestamp;
  if (parts.signals !== undefined) data.signals = parts.signals as unknown as JsonValue;
  if (parts.events !== undefined) data.events = parts.events;
  if (parts.vin !== undefined) data.vin = parts.vin;
  return data;
}
