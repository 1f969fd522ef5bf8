import { randomUUID } from "node:crypto";
import { erc721Did, getGrantedPrivileges, type ProtocolReader } from "@dimo-open/protocol";
import { type Coordinates, findSignal } from "@dimo-open/signals";
import type { AccessLog } from "../access-log/accessLog.ts";
import type { ApiMetrics } from "../api/metrics.ts";
import type { SerialConnection } from "../api/sql.ts";
import { type CreditLedger, InsufficientCreditsError } from "../billing/ledger.ts";
import { PRICE_LIST } from "../billing/prices.ts";
import { type Condition, compileCondition, type TriggerValue } from "./condition.ts";
import { SIGNATURE_HEADER, signWebhookBody } from "./signature.ts";
import type { Webhook, WebhookStore } from "./store.ts";

export interface WebhookEngineOptions {
  store: WebhookStore;
  /** Reads the telemetry store's tables for new data. */
  sql: SerialConnection;
  chain: ProtocolReader;
  chainId: number;
  ledger: CreditLedger;
  accessLog: AccessLog;
  metrics: ApiMetrics;
  /** CloudEvent `source` of deliveries: the node's public URL. */
  source: string;
  /** How often the store is polled for new data; default 1,000 ms. */
  pollMs?: number;
  /** Data younger than this is left for the next poll (writes still committing); default 2,000 ms. */
  lagMs?: number;
  /** How often every subscription's grant is re-checked; default 60,000 ms. */
  sweepMs?: number;
  /** Attempts per delivery; default 5. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt; default 1,000 ms. */
  retryBaseMs?: number;
  /** Deliveries failing every attempt, in a row, before the webhook is disabled; default 5. */
  maxFailures?: number;
  timeoutMs?: number;
  logError?: (error: unknown, context: Record<string, unknown>) => void;
}

/** One sample the engine evaluates: a signal value, or an event (its name is the value). */
export interface TriggerSample {
  vehicleId: bigint;
  service: "signals" | "events";
  name: string;
  /** ms. */
  timestamp: number;
  value: TriggerValue;
  source: string;
  durationNs?: number;
  metadata?: string | null;
}

interface Delivery {
  id: string;
  hook: Webhook;
  body: string;
  attempt: number;
}

const GRANT_CACHE_MS = 30_000;

/**
 * Vehicle triggers: watches new telemetry for subscribed vehicles, evaluates each webhook's CEL
 * condition (with the previous value and the cool-down), and delivers a signed CloudEvent
 * (`dimo.trigger`), retrying with exponential back-off. A webhook whose deliveries keep failing
 * is disabled; a subscription whose grant has ended is dropped.
 */
export class WebhookEngine {
  private readonly o: Required<Omit<WebhookEngineOptions, "logError">> &
    Pick<WebhookEngineOptions, "logError">;
  private watermark = Date.now();
  private readonly previous = new Map<string, TriggerValue>();
  private readonly lastFired = new Map<string, number>();
  private readonly conditions = new Map<string, Condition>();
  private readonly grants = new Map<string, { ok: boolean; at: number }>();
  private readonly pending = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(options: WebhookEngineOptions) {
    this.o = {
      pollMs: 1000,
      lagMs: 2000,
      sweepMs: 60_000,
      maxAttempts: 5,
      retryBaseMs: 1000,
      maxFailures: 5,
      timeoutMs: 5000,
      ...options,
    };
  }

  start(): void {
    this.stopped = false;
    const loop = (every: number, work: () => Promise<unknown>) => {
      const tick = async () => {
        try {
          await work();
        } catch (error) {
          this.o.logError?.(error, { component: "webhooks" });
        }
        if (!this.stopped) this.timers.push(setTimeout(tick, every));
      };
      this.timers.push(setTimeout(tick, every));
    };
    loop(this.o.pollMs, () => this.poll());
    loop(this.o.sweepMs, () => this.sweep());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.settled();
  }

  /** Resolves once every delivery in flight (retries included) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Reads what the store received since the last poll (up to `untilMs`) and evaluates it. */
  async poll(untilMs = Date.now() - this.o.lagMs): Promise<number> {
    if (untilMs <= this.watermark) return 0;
    const subscriptions = await this.o.store.activeSubscriptions();
    const from = this.watermark;
    this.watermark = untilMs;
    if (subscriptions.length === 0) return 0;
    const subjects = new Map<string, bigint>();
    for (const s of subscriptions) subjects.set(this.subjectOf(s.vehicleId), s.vehicleId);
    const names = [...new Set(subscriptions.map((s) => s.hook.metricName))];
    const inList = (n: number) => Array.from({ length: n }, () => "?").join(", ");
    // Triggers are about live data: a sample stamped more than a day before it arrived does not
    // fire, which also lets DuckDB skip all but the recent row groups of the telemetry tables.
    const params = [from, untilMs, from - 86_400_000, ...subjects.keys(), ...names];
    const where = `c.received_at > epoch_ms(?::BIGINT) AND c.received_at <= epoch_ms(?::BIGINT)
      AND x.timestamp >= epoch_ms(?::BIGINT)
      AND x.subject IN (${inList(subjects.size)}) AND x.name IN (${inList(names.length)})`;
    const join = "JOIN cloud_events c ON c.subject = x.subject AND c.id = x.event_id AND c.source = x.source";
    const signals = await this.o.sql.all(
      `SELECT x.subject, epoch_ms(x.timestamp) AS ts, x.name, x.source, x.value_number, x.value_string, x.value_location
       FROM signals x ${join} WHERE ${where} ORDER BY x.timestamp`,
      params,
    );
    const events = await this.o.sql.all(
      `SELECT x.subject, epoch_ms(x.timestamp) AS ts, x.name, x.source, x.duration_ns, x.metadata
       FROM vehicle_events x ${join} WHERE ${where} ORDER BY x.timestamp`,
      params,
    );
    const samples: TriggerSample[] = [
      ...signals.map((r) => ({
        vehicleId: subjects.get(String(r.subject))!,
        service: "signals" as const,
        name: String(r.name),
        timestamp: Number(r.ts),
        value: (r.value_number ?? r.value_string ?? r.value_location) as TriggerValue,
        source: String(r.source),
      })),
      ...events.map((r) => ({
        vehicleId: subjects.get(String(r.subject))!,
        service: "events" as const,
        name: String(r.name),
        timestamp: Number(r.ts),
        value: String(r.name),
        source: String(r.source),
        durationNs: Number(r.duration_ns ?? 0),
        metadata: r.metadata === null || r.metadata === undefined ? null : String(r.metadata),
      })),
    ];
    await this.evaluate(samples, subscriptions);
    return samples.length;
  }

  /** Evaluates samples against the subscribed webhooks (the push path, for callers that have data in hand). */
  async evaluate(
    samples: readonly TriggerSample[],
    subscriptions?: { hook: Webhook; vehicleId: bigint }[],
  ): Promise<void> {
    const subs = subscriptions ?? (await this.o.store.activeSubscriptions());
    for (const sample of samples) {
      const key = `${sample.vehicleId}|${sample.service}|${sample.name}`;
      // Unknown history reads as "no change": previousValue equals value.
      const previousValue = this.previous.get(key) ?? sample.value;
      this.previous.set(key, sample.value);
      for (const { hook, vehicleId } of subs) {
        if (
          vehicleId !== sample.vehicleId ||
          hook.service !== sample.service ||
          hook.metricName !== sample.name
        )
          continue;
        const cooldownKey = `${hook.id}|${vehicleId}`;
        const last = this.lastFired.get(cooldownKey);
        if (last !== undefined && Date.now() - last < hook.coolDownPeriod * 1000) continue;
        if (!this.conditionOf(hook)({ value: sample.value, previousValue, source: sample.source })) continue;
        if (!(await this.grantHolds(hook, vehicleId))) {
          await this.o.store.unsubscribe(hook.id, vehicleId);
          continue;
        }
        this.lastFired.set(cooldownKey, Date.now());
        await this.fire(hook, sample, previousValue);
      }
    }
  }

  /** Drops every subscription whose grant no longer holds the webhook's privilege. */
  async sweep(): Promise<number> {
    let dropped = 0;
    for (const { hook, vehicleId } of await this.o.store.activeSubscriptions()) {
      this.grants.delete(`${hook.id}|${vehicleId}`);
      if (!(await this.grantHolds(hook, vehicleId))) {
        dropped += await this.o.store.unsubscribe(hook.id, vehicleId);
      }
    }
    return dropped;
  }

  /** Privileges a webhook's data needs: the signal's (any one), or non-location data for events. */
  static privilegesFor(hook: Pick<Webhook, "service" | "metricName">): readonly number[] {
    return hook.service === "signals" ? (findSignal(hook.metricName)?.anyOfPrivileges ?? [1]) : [1];
  }

  private async grantHolds(hook: Webhook, vehicleId: bigint): Promise<boolean> {
    const key = `${hook.id}|${vehicleId}`;
    const cached = this.grants.get(key);
    if (cached && Date.now() - cached.at < GRANT_CACHE_MS) return cached.ok;
    const needed = WebhookEngine.privilegesFor(hook);
    const held = await getGrantedPrivileges(this.o.chain, {
      tokenId: vehicleId,
      grantee: hook.clientId,
      wanted: needed,
    });
    const ok = held.length > 0;
    this.grants.set(key, { ok, at: Date.now() });
    return ok;
  }

  private conditionOf(hook: Webhook): Condition {
    const key = `${hook.id}|${hook.condition}`;
    let condition = this.conditions.get(key);
    if (!condition) {
      const type = hook.service === "events" ? "event" : (findSignal(hook.metricName)?.dataType ?? "float");
      condition = compileCondition(hook.condition, type);
      this.conditions.set(key, condition);
    }
    return condition;
  }

  private subjectOf(vehicleId: bigint): string {
    return erc721Did(this.o.chainId, this.o.chain.addresses.vehicleId, vehicleId);
  }

  private async fire(hook: Webhook, sample: TriggerSample, previousValue: TriggerValue): Promise<void> {
    const id = randomUUID();
    try {
      await this.o.ledger.charge({
        requestId: `webhook:${id}`,
        licenseId: hook.licenseId,
        vehicleId: sample.vehicleId,
        operation: "webhook_delivery",
        credits: PRICE_LIST.webhookDelivery,
      });
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        this.o.metrics.webhookDeliveries.inc({ outcome: "no_credits" });
        return;
      }
      throw error;
    }
    const subject = this.subjectOf(sample.vehicleId);
    const show = (v: TriggerValue) => (typeof v === "object" ? ({ ...v } as Coordinates) : v);
    const body = JSON.stringify({
      specversion: "1.0",
      id,
      source: this.o.source,
      subject,
      time: new Date().toISOString(),
      type: "dimo.trigger",
      datacontenttype: "application/json",
      dataversion: "v1",
      data: {
        webhookId: hook.id,
        webhookName: hook.displayName,
        service: hook.service,
        metricName: hook.metricName,
        condition: hook.condition,
        assetDID: subject,
        vehicleTokenId: Number(sample.vehicleId),
        ...(sample.service === "signals"
          ? {
              signal: {
                name: sample.name,
                timestamp: new Date(sample.timestamp).toISOString(),
                value: show(sample.value),
                source: sample.source,
              },
            }
          : {
              event: {
                name: sample.name,
                timestamp: new Date(sample.timestamp).toISOString(),
                source: sample.source,
                durationNs: sample.durationNs ?? 0,
                metadata: sample.metadata ?? null,
              },
            }),
        previousValue: show(previousValue),
      },
    });
    this.o.accessLog.record({
      at: Date.now(),
      vehicleId: sample.vehicleId,
      grantee: hook.clientId,
      licenseId: hook.licenseId,
      operation: "webhook_delivery",
      fields: [hook.metricName],
      requestId: id,
      outcome: "ok",
    });
    this.track(this.deliver({ id, hook, body, attempt: 1 }));
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async deliver(d: Delivery): Promise<void> {
    let ok = false;
    try {
      const response = await fetch(d.hook.targetURL, {
        method: "POST",
        headers: {
          "content-type": "application/cloudevents+json",
          "user-agent": "dimo-open-node/webhooks",
          [SIGNATURE_HEADER]: signWebhookBody(d.hook.secret, d.body, Math.floor(Date.now() / 1000)),
          "x-dimo-webhook-id": d.hook.id,
          "x-dimo-delivery-id": d.id,
          "x-dimo-delivery-attempt": String(d.attempt),
        },
        body: d.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      ok = response.ok;
      await response.body?.cancel();
    } catch {
      ok = false;
    }
    this.o.metrics.webhookDeliveries.inc({ outcome: ok ? "delivered" : "failed_attempt" });
    const hook = (await this.o.store.get(d.hook.id)) ?? d.hook;
    if (ok) {
      if (hook.failureCount > 0) await this.o.store.update({ ...hook, failureCount: 0 });
      return;
    }
    if (d.attempt < this.o.maxAttempts && !this.stopped) {
      const delay = this.o.retryBaseMs * 2 ** (d.attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return this.deliver({ ...d, attempt: d.attempt + 1 });
    }
    const failureCount = hook.failureCount + 1;
    const status = failureCount >= this.o.maxFailures ? "failed" : hook.status;
    await this.o.store.update({ ...hook, failureCount, status });
    if (status === "failed") this.o.metrics.webhookDeliveries.inc({ outcome: "webhook_disabled" });
  }
}
