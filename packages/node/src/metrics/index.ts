// Prometheus metrics of the node: the registry, its HTTP handler, and the ingest metrics.
export { IngestMetrics } from "./ingest.ts";
export { createMetricsRegistry, metricsHandler } from "./registry.ts";
