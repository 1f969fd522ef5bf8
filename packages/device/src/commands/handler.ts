/**
 * The device side of remote commands: authenticate (the node's signature, this device, the
 * deadline), run at most once (the journal, on disk, before the actuator moves), answer with a
 * signed `commandResult` event through the agent's outbox — so the answer is numbered, signed by
 * the secure element, buffered and forwarded like every event, and reaches the node even after
 * an outage. A command that is not authentic is dropped without an answer; an authentic one that
 * came too late is answered `failed: expired` and not run.
 */
import type { Logger } from "pino";
import type { Address } from "viem";
import type { VehicleActuator } from "./actuator.ts";
import type { CommandJournal, CommandOutcome } from "./journal.ts";
import {
  COMMAND_RESULT_EVENT,
  CommandRefusedError,
  type SignedVehicleCommand,
  type VehicleCommand,
  verifyVehicleCommand,
} from "./wire.ts";

/** Where results go: the agent's Outbox (`agent.outbox`) signs, numbers and buffers them. */
export interface ResultPublisher {
  publish(type: "dimo.events", data: never): Promise<unknown>;
}

export interface CommandHandlerOptions {
  /** This device's address (its secure element's). */
  device: Address;
  chainId: number;
  /** Node command keys this device obeys (pinned, as firmware keys are). */
  trustedNodes: readonly Address[];
  actuator: VehicleActuator;
  journal: CommandJournal;
  results: ResultPublisher;
  /** The device clock (ms). */
  now?: () => number;
  log?: Pick<Logger, "info" | "warn">;
}

export type HandleOutcome =
  | { outcome: "executed" | "failed"; id: string; result: CommandOutcome }
  /** Ran before (or was interrupted): answered again from the journal, not run. */
  | { outcome: "repeated"; id: string; result: CommandOutcome }
  /** Not authentic, malformed, or for another device: no answer. */
  | { outcome: "ignored"; reason: string };

export class CommandHandler {
  readonly #o: CommandHandlerOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CommandHandlerOptions) {
    this.#o = options;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Handles one command message; messages are handled one at a time, in arrival order. */
  handle(bytes: Uint8Array): Promise<HandleOutcome> {
    const run = this.#queue.then(() => this.#handle(bytes));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #handle(bytes: Uint8Array): Promise<HandleOutcome> {
    const o = this.#o;
    let signed: SignedVehicleCommand;
    try {
      signed = await verifyVehicleCommand(bytes, {
        trustedNodes: o.trustedNodes,
        chainId: o.chainId,
        device: o.device,
        now: this.#now(),
      });
    } catch (error) {
      if (!(error instanceof CommandRefusedError)) throw error;
      const late = (error as CommandRefusedError & { signed?: SignedVehicleCommand }).signed;
      if (error.reason !== "expired" || !late) {
        o.log?.warn({ reason: error.reason, error: error.shortMessage }, "command ignored");
        return { outcome: "ignored", reason: error.reason };
      }
      return this.#conclude(late.command, { status: "failed", reason: "expired" }, []);
    }
    const c = signed.command;
    const known = o.journal.get(c.id);
    if (known?.state === "done") {
      await this.#answer(c, known.result!, []);
      return { outcome: "repeated", id: c.id, result: known.result! };
    }
    if (known?.state === "started") {
      // Power was lost while it ran: whether it took effect is unknown, so it never runs again.
      const result: CommandOutcome = { status: "failed", reason: "interrupted" };
      o.journal.finish(c.id, c.expiresAt, result);
      await this.#answer(c, result, []);
      return { outcome: "repeated", id: c.id, result };
    }
    o.journal.begin(c.id, c.expiresAt);
    let result: CommandOutcome;
    let signals: { name: string; value: number }[] = [];
    try {
      const done = await o.actuator.execute(c.name);
      if (done.ok) {
        result = { status: "executed" };
        signals = done.signals;
      } else result = { status: "failed", reason: done.reason };
    } catch {
      result = { status: "failed", reason: "actuator_error" };
    }
    o.log?.info({ id: c.id, command: c.name, ...result }, "command");
    o.journal.finish(c.id, c.expiresAt, result);
    await this.#answer(c, result, signals);
    return { outcome: result.status, id: c.id, result };
  }

  async #conclude(
    c: VehicleCommand,
    result: CommandOutcome,
    signals: { name: string; value: number }[],
  ): Promise<HandleOutcome> {
    const known = this.#o.journal.get(c.id);
    if (known?.state === "done") {
      await this.#answer(c, known.result!, []);
      return { outcome: "repeated", id: c.id, result: known.result! };
    }
    this.#o.journal.finish(c.id, c.expiresAt, result);
    await this.#answer(c, result, signals);
    return { outcome: result.status, id: c.id, result };
  }

  /** The signed answer: a commandResult vehicle event and the signals the command changed. */
  async #answer(
    c: VehicleCommand,
    result: CommandOutcome,
    signals: { name: string; value: number }[],
  ): Promise<void> {
    const t = this.#now();
    await this.#o.results.publish("dimo.events", {
      timestamp: t,
      events: [
        {
          name: COMMAND_RESULT_EVENT,
          timestamp: t,
          metadata: JSON.stringify({ commandId: c.id, command: c.name, ...result }),
        },
      ],
      signals: signals.map((s) => ({ timestamp: t, ...s })),
    } as never);
  }
}
