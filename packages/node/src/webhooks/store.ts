import { randomUUID } from "node:crypto";
import type { Address } from "viem";
import type { SerialConnection } from "../api/sql.ts";

export type WebhookService = "signals" | "events";
export type WebhookStatus = "enabled" | "disabled" | "failed";

export interface Webhook {
  id: string;
  licenseId: bigint;
  /** The licence's client id: the grantee every subscription needs a grant for. */
  clientId: Address;
  service: WebhookService;
  metricName: string;
  condition: string;
  /** Seconds between two triggers for the same vehicle. */
  coolDownPeriod: number;
  targetURL: string;
  description: string;
  displayName: string;
  status: WebhookStatus;
  /** HMAC key of the delivery signatures; shown once, at creation. */
  secret: string;
  /** Consecutive deliveries that failed every retry. */
  failureCount: number;
  createdAt: number;
}

const COLUMNS =
  "id, license_id, client_id, service, metric_name, condition, cool_down, target_url, description, display_name, status, secret, failure_count, created_at";

function toWebhook(r: Record<string, unknown>): Webhook {
  return {
    id: String(r.id),
    licenseId: BigInt(String(r.license_id)),
    clientId: String(r.client_id) as Address,
    service: String(r.service) as WebhookService,
    metricName: String(r.metric_name),
    condition: String(r.condition),
    coolDownPeriod: Number(r.cool_down),
    targetURL: String(r.target_url),
    description: String(r.description),
    displayName: String(r.display_name),
    status: String(r.status) as WebhookStatus,
    secret: String(r.secret),
    failureCount: Number(r.failure_count),
    createdAt: Number(r.created_at),
  };
}

/** Webhooks and their vehicle subscriptions, in the node database. */
export class WebhookStore {
  private constructor(private readonly sql: SerialConnection) {}

  static async open(sql: SerialConnection): Promise<WebhookStore> {
    await sql.run(`CREATE TABLE IF NOT EXISTS webhooks (
      id VARCHAR PRIMARY KEY, license_id VARCHAR NOT NULL, client_id VARCHAR NOT NULL, service VARCHAR NOT NULL,
      metric_name VARCHAR NOT NULL, condition VARCHAR NOT NULL, cool_down BIGINT NOT NULL, target_url VARCHAR NOT NULL,
      description VARCHAR NOT NULL, display_name VARCHAR NOT NULL, status VARCHAR NOT NULL, secret VARCHAR NOT NULL,
      failure_count BIGINT NOT NULL, created_at BIGINT NOT NULL)`);
    await sql.run(`CREATE TABLE IF NOT EXISTS webhook_subscriptions (
      webhook_id VARCHAR NOT NULL, vehicle_id VARCHAR NOT NULL, created_at BIGINT NOT NULL,
      PRIMARY KEY (webhook_id, vehicle_id))`);
    return new WebhookStore(sql);
  }

  async create(w: Omit<Webhook, "id" | "createdAt" | "failureCount">): Promise<Webhook> {
    const hook: Webhook = { ...w, id: randomUUID(), createdAt: Date.now(), failureCount: 0 };
    await this.sql.run(
      `INSERT INTO webhooks (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        hook.id,
        hook.licenseId.toString(),
        hook.clientId,
        hook.service,
        hook.metricName,
        hook.condition,
        hook.coolDownPeriod,
        hook.targetURL,
        hook.description,
        hook.displayName,
        hook.status,
        hook.secret,
        hook.failureCount,
        hook.createdAt,
      ],
    );
    return hook;
  }

  async update(hook: Webhook): Promise<void> {
    await this.sql.run(
      `UPDATE webhooks SET service = ?, metric_name = ?, condition = ?, cool_down = ?, target_url = ?, description = ?,
         display_name = ?, status = ?, failure_count = ? WHERE id = ?`,
      [
        hook.service,
        hook.metricName,
        hook.condition,
        hook.coolDownPeriod,
        hook.targetURL,
        hook.description,
        hook.displayName,
        hook.status,
        hook.failureCount,
        hook.id,
      ],
    );
  }

  async get(id: string): Promise<Webhook | undefined> {
    const [row] = await this.sql.all(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?`, [id]);
    return row && toWebhook(row);
  }

  async listByLicense(licenseId: bigint): Promise<Webhook[]> {
    return (
      await this.sql.all(`SELECT ${COLUMNS} FROM webhooks WHERE license_id = ? ORDER BY created_at`, [
        licenseId.toString(),
      ])
    ).map(toWebhook);
  }

  async delete(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.run("DELETE FROM webhook_subscriptions WHERE webhook_id = ?", [id]);
      await tx.run("DELETE FROM webhooks WHERE id = ?", [id]);
    });
  }

  async subscribe(webhookId: string, vehicleId: bigint): Promise<void> {
    await this.sql.run("INSERT INTO webhook_subscriptions VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [
      webhookId,
      vehicleId.toString(),
      Date.now(),
    ]);
  }

  async unsubscribe(webhookId: string, vehicleId?: bigint): Promise<number> {
    const rows = await this.sql.all(
      `DELETE FROM webhook_subscriptions WHERE webhook_id = ? ${vehicleId === undefined ? "" : "AND vehicle_id = ?"} RETURNING vehicle_id`,
      vehicleId === undefined ? [webhookId] : [webhookId, vehicleId.toString()],
    );
    return rows.length;
  }

  async vehiclesOf(webhookId: string): Promise<bigint[]> {
    const rows = await this.sql.all(
      "SELECT vehicle_id FROM webhook_subscriptions WHERE webhook_id = ? ORDER BY CAST(vehicle_id AS HUGEINT)",
      [webhookId],
    );
    return rows.map((r) => BigInt(String(r.vehicle_id)));
  }

  /** Every subscription of enabled webhooks, with its webhook: what the trigger engine watches. */
  async activeSubscriptions(): Promise<{ hook: Webhook; vehicleId: bigint }[]> {
    const rows = await this.sql.all(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `w.${c}`)
        .join(", ")}, s.vehicle_id AS sub_vehicle
       FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id WHERE w.status = 'enabled'`,
    );
    return rows.map((r) => ({ hook: toWebhook(r), vehicleId: BigInt(String(r.sub_vehicle)) }));
  }

  async webhooksForVehicle(licenseId: bigint, vehicleId: bigint): Promise<Webhook[]> {
    const rows = await this.sql.all(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `w.${c}`)
        .join(", ")} FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
       WHERE w.license_id = ? AND s.vehicle_id = ? ORDER BY w.created_at`,
      [licenseId.toString(), vehicleId.toString()],
    );
    return rows.map(toWebhook);
  }
}
