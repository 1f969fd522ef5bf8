// Test support: writes signals and events through the telemetry store's public writer.
import type { Coordinates } from "@dimo-open/signals";
import type { NodeDatabase } from "../db/database.ts";
import { TelemetryWriter } from "../telemetry/writer.ts";

let nextKey = 1n;
const writers = new WeakMap<NodeDatabase, Promise<TelemetryWriter>>();

export interface Sample {
  name: string;
  timestamp: number;
  value: number | string | Coordinates;
}

export async function storeSamples(
  database: NodeDatabase,
  subject: string,
  samples: Sample[],
  p: {
    source?: string;
    events?: { name: string; timestamp: number; durationNs?: number; metadata?: string }[];
    vin?: string;
    receivedAt?: number;
  } = {},
): Promise<void> {
  if (!writers.has(database)) writers.set(database, TelemetryWriter.open(database));
  const writer = await writers.get(database)!;
  const source = p.source ?? "0x00000000000000000000000000000000000000c1";
  const time = samples[0]?.timestamp ?? p.events?.[0]?.timestamp ?? Date.now();
  const key = nextKey++;
  await writer.write([
    {
      key,
      id: `test-${key}`,
      source,
      producer: "did:erc721:1:0x0000000000000000000000000000000000000001:1",
      subject,
      type: p.vin ? "dimo.fingerprint" : "dimo.signals",
      specversion: "1.0",
      time,
      dataversion: "v2",
      signer: "0x0000000000000000000000000000000000000002",
      scheme: "v2",
      sequence: undefined,
      receivedAt: p.receivedAt ?? time,
      transport: "http",
      header: JSON.stringify({
        specversion: "1.0",
        id: `test-${key}`,
        source,
        subject,
        type: "dimo.signals",
      }),
      data: JSON.stringify(p.vin ? { vin: p.vin } : {}),
      signals: samples,
      vehicleEvents: p.events ?? [],
    },
  ]);
}
