import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Prometheus metrics of the app-facing APIs (`/metrics`); one registry per server. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "dimo_api_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "dimo_api_request_duration_seconds",
    help: "HTTP request duration by route",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly exchanges = new Counter({
    name: "dimo_api_token_exchanges_total",
    help: "Vehicle token exchanges by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly credits = new Counter({
    name: "dimo_api_credits_charged_total",
    help: "Credits charged by operation",
    labelNames: ["operation"] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: "dimo_api_webhook_deliveries_total",
    help: "Webhook delivery attempts by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  async response(): Promise<Response> {
    return new Response(await this.registry.metrics(), {
      headers: { "content-type": this.registry.contentType },
    });
  }
}
