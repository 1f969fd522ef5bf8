import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { IngestMetrics } from "./ingest.ts";
import { createMetricsRegistry, metricsHandler } from "./registry.ts";

describe("Prometheus registry and /metrics handler", () => {
  it("serves the ingest metrics in the Prometheus text format", async () => {
    const registry = createMetricsRegistry({ defaultMetrics: true });
    const metrics = new IngestMetrics(registry);
    metrics.rejections.inc({ transport: "mqtt", reason: "bad_signature" });
    const server = createServer(metricsHandler(registry));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toContain('dimo_ingest_rejections_total{transport="mqtt",reason="bad_signature"} 1');
      expect(text).toContain("dimo_node_process_resident_memory_bytes");
    } finally {
      server.close();
    }
  });
});
