/**
 * Commands the node accepted, in the node database (`vehicle_commands`): what was asked, by whom,
 * for which device, the signed message sent, and how it ended. Status values are DIMO's
 * (`Pending`, `Complete`, `Failed`), with a reason for failures.
 */
import type { Address, Hex } from "viem";
import type { SerialConnection } from "../api/sql.ts";
import type { CommandName, SignedVehicleCommand } from "./wire.ts";

export type CommandStatus = "Pending" | "Complete" | "Failed";

export interface CommandRecord {
  id: string;
  command: CommandName;
  vehicleId: bigint;
  deviceId: bigint;
  device: Address;
  /** The app (licence client id) that asked. */
  requestedBy: Address;
  status: CommandStatus;
  /** Why it failed: "expired" (no answer before the deadline) or the device's reason. */
  reason: string | undefined;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** The device's signed result event, once it answered. */
  result: { eventId: string; status: "executed" | "failed"; at: number } | undefined;
  signed: SignedVehicleCommand;
  deliveries: number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS vehicle_commands (
  id VARCHAR PRIMARY KEY, command VARCHAR NOT NULL, vehicle_id BIGINT NOT NULL, device_id BIGINT NOT NULL,
  device VARCHAR NOT NULL, requested_by VARCHAR NOT NULL, idempotency_key VARCHAR, status VARCHAR NOT NULL,
  reason VARCHAR, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  result_event_id VARCHAR, result_status VARCHAR, result_at BIGINT, signed VARCHAR NOT NULL,
  deliveries INTEGER NOT NULL)`;

export class CommandStore {
  private constructor(private readonly sql: SerialConnection) {}

  static async open(sql: SerialConnection): Promise<CommandStore> {
    await sql.run(SCHEMA);
    await sql.run(
      "CREATE TABLE IF NOT EXISTS vehicle_command_keys (requested_by VARCHAR NOT NULL, key VARCHAR NOT NULL, id VARCHAR NOT NULL, PRIMARY KEY (requested_by, key))",
    );
    return new CommandStore(sql);
  }

  /**
   * Inserts a command; with an idempotency key already used by the same app, inserts nothing and
   * returns the earlier command's id.
   */
  async insert(r: CommandRecord, idempotencyKey?: string): Promise<string> {
    return this.sql.transaction(async (tx) => {
      if (idempotencyKey !== undefined) {
        const [known] = await tx.all(
          "SELECT id FROM vehicle_command_keys WHERE requested_by = ? AND key = ?",
          [r.requestedBy, idempotencyKey],
        );
        if (known) return String(known.id);
        await tx.run("INSERT INTO vehicle_command_keys VALUES (?, ?, ?)", [
          r.requestedBy,
          idempotencyKey,
          r.id,
        ]);
      }
      await tx.run(
        "INSERT INTO vehicle_commands VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL, NULL, ?, 0)",
        [
          r.id,
          r.command,
          r.vehicleId,
          r.deviceId,
          r.device,
          r.requestedBy,
          idempotencyKey ?? null,
          r.status,
          r.createdAt,
          r.updatedAt,
          r.expiresAt,
          JSON.stringify(r.signed),
        ],
      );
      return r.id;
    });
  }

  async get(id: string): Promise<CommandRecord | undefined> {
    const [row] = await this.sql.all("SELECT * FROM vehicle_commands WHERE id = ?", [id]);
    return row && toRecord(row);
  }

  /** Pending commands not past their deadline (of one device, or all). */
  async pending(now: number, device?: Address): Promise<CommandRecord[]> {
    const rows = await this.sql.all(
      `SELECT * FROM vehicle_commands WHERE status = 'Pending' AND expires_at > ? ${device ? "AND device = ?" : ""}
       ORDER BY created_at LIMIT 10000`,
      device ? [now, device] : [now],
    );
    return rows.map(toRecord);
  }

  async countDelivery(id: string): Promise<void> {
    await this.sql.run("UPDATE vehicle_commands SET deliveries = deliveries + 1 WHERE id = ?", [id]);
  }

  /** Marks pending commands past their deadline as failed (expired); returns their ids. */
  async expire(now: number): Promise<string[]> {
    const rows = await this.sql.all(
      `UPDATE vehicle_commands SET status = 'Failed', reason = 'expired', updated_at = ?
       WHERE status = 'Pending' AND expires_at <= ? RETURNING id`,
      [now, now],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Records the device's answer. The first answer decides; an answer after the node gave up
   * (expired) still does — the signed result is what happened.
   */
  async resolve(
    id: string,
    r: { eventId: string; status: "executed" | "failed"; reason: string | undefined; at: number },
  ): Promise<boolean> {
    const rows = await this.sql.all(
      `UPDATE vehicle_commands SET status = ?, reason = ?, updated_at = ?, result_event_id = ?, result_status = ?,
         result_at = ? WHERE id = ? AND result_event_id IS NULL RETURNING id`,
      [
        r.status === "executed" ? "Complete" : "Failed",
        r.status === "executed" ? null : (r.reason ?? "failed"),
        r.at,
        r.eventId,
        r.status,
        r.at,
        id,
      ],
    );
    return rows.length > 0;
  }
}

function toRecord(row: Record<string, unknown>): CommandRecord {
  const opt = (v: unknown) => (v === null || v === undefined ? undefined : v);
  return {
    id: String(row.id),
    command: String(row.command) as CommandName,
    vehicleId: BigInt(row.vehicle_id as bigint),
    deviceId: BigInt(row.device_id as bigint),
    device: String(row.device) as Address,
    requestedBy: String(row.requested_by) as Address,
    status: String(row.status) as CommandStatus,
    reason: opt(row.reason) === undefined ? undefined : String(row.reason),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
    result:
      opt(row.result_event_id) === undefined
        ? undefined
        : {
            eventId: String(row.result_event_id),
            status: String(row.result_status) as "executed" | "failed",
            at: Number(row.result_at),
          },
    signed: JSON.parse(String(row.signed)) as SignedVehicleCommand & { signature: Hex },
    deliveries: Number(row.deliveries),
  };
}
