import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Ingest metrics (Prometheus): what came in, what was refused and why, how commits go. */
export class IngestMetrics {
  readonly events: Counter<"transport" | "outcome">;
  readonly rejections: Counter<"transport" | "reason">;
  readonly signals: Counter;
  readonly droppedSamples: Counter<"reason">;
  readonly batches: Histogram;
  readonly commitSeconds: Histogram;
  readonly queued: Gauge;
  readonly mqttConnections: Gauge;
  readonly mqttAuthFailures: Counter<"reason">;
  readonly sequence: Counter<"status">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: "dimo_ingest_events_total",
      help: "Events committed (accepted) or found already stored (duplicate), by transport",
      labelNames: ["transport", "outcome"] as const,
      registers,
    });
    this.rejections = new Counter({
      name: "dimo_ingest_rejections_total",
      help: "Events refused, by transport and reason",
      labelNames: ["transport", "reason"] as const,
      registers,
    });
    this.signals = new Counter({
      name: "dimo_ingest_signals_total",
      help: "Catalogue signal values written",
      registers,
    });
    this.droppedSamples = new Counter({
      name: "dimo_ingest_dropped_samples_total",
      help: "Samples of accepted events not stored as signals (unknown name, bad value, …), by reason",
      labelNames: ["reason"] as const,
      registers,
    });
    this.batches = new Histogram({
      name: "dimo_ingest_batch_events",
      help: "Events per group commit",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: "dimo_ingest_commit_seconds",
      help: "Duration of one group commit (stage, insert, commit)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.queued = new Gauge({
      name: "dimo_ingest_queued_events",
      help: "Admitted events waiting for their commit",
      registers,
    });
    this.mqttConnections = new Gauge({
      name: "dimo_ingest_mqtt_connections",
      help: "Devices connected to the embedded MQTT broker",
      registers,
    });
    this.mqttAuthFailures = new Counter({
      name: "dimo_ingest_mqtt_auth_failures_total",
      help: "Refused MQTT connections, by reason",
      labelNames: ["reason"] as const,
      registers,
    });
    this.sequence = new Counter({
      name: "dimo_ingest_sequence_total",
      help: "v2 sequence numbers of accepted events relative to the device's highest (first, next, gap, duplicate, old)",
      labelNames: ["status"] as const,
      registers,
    });
  }
}
