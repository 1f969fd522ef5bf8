import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * The node's Prometheus registry. One per node process: every subsystem registers its metrics
 * on it and `/metrics` serves it.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean; prefix?: string } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics)
    collectDefaultMetrics({ register: registry, prefix: options.prefix ?? "dimo_node_" });
  return registry;
}

/** A node:http handler that serves the registry in the Prometheus text format. */
export function metricsHandler(registry: Registry) {
  return async (_request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const body = await registry.metrics();
      response.writeHead(200, { "content-type": registry.contentType });
      response.end(body);
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end(`metrics failed: ${(error as Error).message}`);
    }
  };
}
