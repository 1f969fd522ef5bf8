/**
 * Remote commands (privilege 2, ExecuteCommands): an app holding the grant asks; the node checks
 * the grant on chain, signs the command for the vehicle's paired device and delivers it over
 * MQTT — again whenever the device subscribes and every `redeliverMs` until it answers or the
 * deadline passes. The device authenticates the command, executes it at most once and answers
 * with a signed `commandResult` event, which reaches the node through ingest like any event;
 * the service reads it from the store (so any transport and any ingest process works) and ends
 * the command. No answer by the deadline: the command fails as expired (devices refuse it too).
 */
import { randomUUID } from "node:crypto";
import { erc721Did, getGrantedPrivileges, type ProtocolReader } from "@dimo-open/protocol";
import type { Address, LocalAccount } from "viem";
import type { SerialConnection } from "../api/sql.ts";
import type { VehicleGrant } from "../auth/tokens.ts";
import type { IdentityIndex } from "../identity/index.ts";
import { TELEMETRY_SCHEMA } from "../telemetry/schema.ts";
import { CommandError } from "./errors.ts";
import { type CommandRecord, CommandStore } from "./store.ts";
import type { CommandTransport } from "./transport.ts";
import {
  COMMAND_NAMES,
  COMMAND_RESULT_EVENT,
  type CommandName,
  parseCommandResult,
  signVehicleCommand,
  type VehicleCommand,
} from "./wire.ts";

/** The ExecuteCommands privilege. */
export const EXECUTE_COMMANDS = 2;

export interface CommandServiceOptions {
  sql: SerialConnection;
  /** The chain: grants are checked there when a command is asked for (a revoked grant stops at once). */
  chain: ProtocolReader;
  chainId: number;
  /** The chain index: the vehicle's paired device. */
  identity: Pick<IdentityIndex, "getVehicle" | "getDevice">;
  /** The node's command key; devices pin its address. */
  signer: LocalAccount;
  transport: CommandTransport;
  /** Default deadline after the request (default 2 minutes); a request may ask for 10 s – 1 h. */
  ttlMs?: number;
  /** Delivery again to a silent device (default 15 s). */
  redeliverMs?: number;
  /** How often the result feed reads the store (default 250 ms). */
  resultPollMs?: number;
  now?: () => number;
  logError?: (error: unknown) => void;
}

export class CommandService {
  readonly #o: CommandServiceOptions;
  readonly #waiters = new Map<string, Set<() => void>>();
  #timers: NodeJS.Timeout[] = [];
  #unlisten: (() => void) | undefined;
  #nextResultRow = 0n;
  #reading: Promise<number> | undefined;

  private constructor(
    options: CommandServiceOptions,
    readonly store: CommandStore,
  ) {
    this.#o = options;
  }

  static async open(o: CommandServiceOptions): Promise<CommandService> {
    for (const statement of TELEMETRY_SCHEMA) await o.sql.run(statement);
    await o.sql.run(
      "CREATE TABLE IF NOT EXISTS vehicle_command_feed (id INTEGER PRIMARY KEY, next_rowid BIGINT NOT NULL)",
    );
    await o.sql.run("INSERT INTO vehicle_command_feed VALUES (1, 0) ON CONFLICT DO NOTHING");
    const service = new CommandService(o, await CommandStore.open(o.sql));
    const [row] = await o.sql.all("SELECT next_rowid FROM vehicle_command_feed WHERE id = 1");
    service.#nextResultRow = BigInt(row!.next_rowid as bigint);
    return service;
  }

  get signerAddress(): Address {
    return this.#o.signer.address;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Starts delivering on subscription, redelivering, expiring and reading results. */
  start(): void {
    if (this.#timers.length > 0) return;
    this.#unlisten = this.#o.transport.onListening((device) => {
      this.deliverPending(device).catch((e: unknown) => this.#o.logError?.(e));
    });
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => {
        work().catch((e: unknown) => this.#o.logError?.(e));
      }, ms);
      timer.unref?.();
      this.#timers.push(timer);
    };
    every(this.#o.resultPollMs ?? 250, () => this.readResults());
    every(this.#o.redeliverMs ?? 15_000, () => this.deliverPending());
    every(1000, () => this.expire());
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#unlisten?.();
    await this.#reading;
  }

  /**
   * Accepts a command from an app's vehicle token: the token must be for this vehicle and carry
   * ExecuteCommands, the chain must still grant it, and the vehicle must have a paired device.
   */
  async submit(p: {
    tokenId: bigint;
    command: string;
    grant: VehicleGrant;
    ttlMs?: number;
    idempotencyKey?: string;
  }): Promise<CommandRecord> {
    if (!COMMAND_NAMES.includes(p.command as CommandName)) {
      throw new CommandError(
        404,
        "unknown_command",
        `There is no command ${JSON.stringify(p.command.slice(0, 40))}.`,
        {
          details: `Commands: ${COMMAND_NAMES.join(", ")}.`,
        },
      );
    }
    const { grant } = p;
    if (grant.tokenId !== p.tokenId || grant.vehicleContract !== this.#o.chain.addresses.vehicleId) {
      throw new CommandError(
        403,
        "wrong_vehicle",
        `This vehicle token is for vehicle ${grant.tokenId}, not ${p.tokenId}.`,
        {
          details: "Exchange a token for this vehicle at /v1/tokens/exchange.",
        },
      );
    }
    if (!grant.privileges.includes(EXECUTE_COMMANDS)) {
      throw new CommandError(
        403,
        "missing_privileges",
        `The vehicle token lacks privilege:ExecuteCommands (2).`,
        {
          details: "Ask the owner for a grant with privilege 2 and exchange a token that includes it.",
        },
      );
    }
    const held = await getGrantedPrivileges(this.#o.chain, {
      tokenId: p.tokenId,
      grantee: grant.grantee,
      wanted: [EXECUTE_COMMANDS],
    });
    if (!held.includes(EXECUTE_COMMANDS)) {
      throw new CommandError(
        403,
        "grant_revoked",
        `The grant of privilege 2 on vehicle ${p.tokenId} to ${grant.grantee} is no longer in force.`,
      );
    }
    const ttl = p.ttlMs ?? this.#o.ttlMs ?? 120_000;
    if (!Number.isInteger(ttl) || ttl < 10_000 || ttl > 3_600_000) {
      throw new CommandError(400, "invalid_deadline", `A deadline of ${ttl} ms is not allowed.`, {
        details: "Ask for 10 to 3600 seconds (expiresInSeconds).",
      });
    }
    if (p.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(p.idempotencyKey)) {
      throw new CommandError(
        400,
        "invalid_idempotency_key",
        "Idempotency-Key must be 1–128 visible ASCII characters.",
      );
    }
    const vehicle = await this.#o.identity.getVehicle(p.tokenId);
    if (vehicle?.aftermarketDeviceId === undefined) {
      throw new CommandError(
        409,
        "no_device",
        `Vehicle ${p.tokenId} has no paired device to execute commands.`,
      );
    }
    const device = await this.#o.identity.getDevice({ tokenId: vehicle.aftermarketDeviceId });
    if (!device || device.banned) {
      throw new CommandError(409, "no_device", `Vehicle ${p.tokenId}'s device cannot take commands.`, {
        details: device?.banned ? "The device is banned from the network." : undefined,
      });
    }
    const now = this.#now();
    const command: VehicleCommand = {
      id: randomUUID(),
      name: p.command as CommandName,
      device: device.address,
      vehicle: erc721Did(this.#o.chainId, this.#o.chain.addresses.vehicleId, p.tokenId),
      issuedAt: now,
      expiresAt: now + ttl,
    };
    const signed = await signVehicleCommand(this.#o.signer, command, this.#o.chainId);
    const record: CommandRecord = {
      id: command.id,
      command: command.name,
      vehicleId: p.tokenId,
      deviceId: device.tokenId,
      device: device.address,
      requestedBy: grant.grantee,
      status: "Pending",
      reason: undefined,
      createdAt: now,
      updatedAt: now,
      expiresAt: command.expiresAt,
      result: undefined,
      signed,
      deliveries: 0,
    };
    const id = await this.store.insert(record, p.idempotencyKey);
    if (id !== record.id) return (await this.store.get(id))!;
    await this.#deliver(record);
    return record;
  }

  async get(id: string): Promise<CommandRecord | undefined> {
    return this.store.get(id);
  }

  /** The command once it ended, or as it stands after `timeoutMs`. */
  async wait(id: string, timeoutMs: number): Promise<CommandRecord | undefined> {
    const current = await this.store.get(id);
    if (current?.status !== "Pending" || timeoutMs <= 0) return current;
    await new Promise<void>((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(
        done,
        Math.min(timeoutMs, Math.max(0, current.expiresAt - this.#now()) + 1500),
      );
      set.add(done);
      this.#waiters.set(id, set);
    });
    return this.store.get(id);
  }

  #notify(id: string): void {
    for (const done of this.#waiters.get(id) ?? []) done();
  }

  async #deliver(record: CommandRecord): Promise<void> {
    try {
      await this.#o.transport.deliver(record.device, new TextEncoder().encode(JSON.stringify(record.signed)));
      await this.store.countDelivery(record.id);
    } catch (error) {
      // Not delivered now: the device gets it when it subscribes, or at the next redelivery.
      this.#o.logError?.(error);
    }
  }

  /** Sends the pending commands (of one device, or all) again; devices ignore ids they executed. */
  async deliverPending(device?: Address): Promise<number> {
    const pending = await this.store.pending(this.#now(), device);
    for (const record of pending) await this.#deliver(record);
    return pending.length;
  }

  /** Fails the pending commands past their deadline. */
  async expire(): Promise<string[]> {
    const ids = await this.store.expire(this.#now());
    for (const id of ids) this.#notify(id);
    return ids;
  }

  /**
   * Reads the `commandResult` events stored since the last call (by row id: the table is
   * append-only) and ends their commands. A result counts only from the command's own device,
   * about the command's vehicle — ingest verified its signature and pairing already.
   */
  readResults(): Promise<number> {
    this.#reading ??= this.#readResults().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readResults(): Promise<number> {
    const sql = this.#o.sql;
    // The end first: rows committed after it are read next time, never skipped.
    const [end] = await sql.all("SELECT coalesce(max(rowid), -1) AS m FROM vehicle_events");
    const last = BigInt(end!.m as bigint);
    if (last < this.#nextResultRow) return 0;
    const rows = await sql.all(
      `SELECT rowid AS r, subject, producer, event_id, metadata FROM vehicle_events
       WHERE rowid BETWEEN ? AND ? AND name = ? ORDER BY rowid LIMIT 10000`,
      [this.#nextResultRow, last, COMMAND_RESULT_EVENT],
    );
    let ended = 0;
    for (const row of rows) {
      try {
        const result = parseCommandResult(row.metadata as string);
        const record = await this.store.get(result.commandId);
        if (!record) continue;
        const deviceDid = erc721Did(
          this.#o.chainId,
          this.#o.chain.addresses.aftermarketDeviceId,
          record.deviceId,
        );
        if (String(row.producer) !== deviceDid || String(row.subject) !== record.signed.command.vehicle)
          continue;
        if (
          await this.store.resolve(record.id, {
            eventId: String(row.event_id),
            status: result.status,
            reason: result.reason,
            at: this.#now(),
          })
        ) {
          ended++;
          this.#notify(record.id);
        }
      } catch (error) {
        this.#o.logError?.(error);
      }
    }
    const next = rows.length === 10000 ? BigInt(rows.at(-1)!.r as bigint) + 1n : last + 1n;
    if (next > this.#nextResultRow) {
      this.#nextResultRow = next;
      await sql.run("UPDATE vehicle_command_feed SET next_rowid = ? WHERE id = 1", [next]);
    }
    return ended;
  }
}
