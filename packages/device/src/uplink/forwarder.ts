/**
 * Drains the buffer over the uplink: up to `maxInFlight` events at a time, oldest first. An
 * event leaves the buffer only when the node acknowledged it, or refused it for good (counted
 * as rejected). On a transient failure the forwarder backs off (exponentially, up to a
 * ceiling) and tries again; on reconnection it resumes at once. Events sent twice (a PUBACK
 * lost with the connection) are harmless: the node is idempotent on the event id.
 */
import type { EventBuffer } from "../buffer/event-buffer.ts";
import { UplinkError } from "../errors.ts";
import type { Uplink } from "./uplink.ts";

export interface ForwarderOptions {
  buffer: EventBuffer;
  uplink: Uplink;
  maxInFlight?: number;
  /** First retry delay after a failure; doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told about each event the node refused for good. */
  onRejected?: (event: { id: string; error: UplinkError }) => void;
}

export interface ForwarderStats {
  sent: number;
  acknowledged: number;
  rejected: number;
  failures: number;
  inFlight: number;
}

export class Forwarder {
  readonly #o: Required<Omit<ForwarderOptions, "onRejected">> & Pick<ForwarderOptions, "onRejected">;
  readonly #inFlight = new Set<number>();
  #running = false;
  #pumping = false;
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];
  readonly #stats = { sent: 0, acknowledged: 0, rejected: 0, failures: 0 };

  constructor(options: ForwarderOptions) {
    this.#o = { maxInFlight: 8, retryDelayMs: 500, maxRetryDelayMs: 60_000, ...options };
    this.#delay = this.#o.retryDelayMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#o.uplink.onConnectionChange((connected) => {
      if (!connected) return;
      this.#delay = this.#o.retryDelayMs;
      this.kick();
    });
    this.kick();
  }

  /** Something was appended, or the link came back: send what waits. */
  kick(): void {
    if (!this.#running) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping || !this.#running || this.#timer) return;
    this.#pumping = true;
    try {
      const free = this.#o.maxInFlight - this.#inFlight.size;
      if (free <= 0) return;
      const batch = this.#o.buffer.pending(free, this.#inFlight);
      if (batch.length === 0 && this.#inFlight.size === 0) this.#notifyIdle();
      for (const event of batch) {
        this.#inFlight.add(event.key);
        this.#stats.sent++;
        this.#o.uplink.send(event).then(
          () => {
            this.#inFlight.delete(event.key);
            // The agent stopped and closed its buffer meanwhile: the event stays on disk
            // unacknowledged and goes again after the restart (the node drops the duplicate).
            if (this.#o.buffer.closed) return;
            this.#o.buffer.ack(event.key);
            this.#stats.acknowledged++;
            this.#delay = this.#o.retryDelayMs;
            this.#pump();
          },
          (error: unknown) => {
            this.#inFlight.delete(event.key);
            if (this.#o.buffer.closed) return;
            if (error instanceof UplinkError && error.permanent) {
              this.#o.buffer.ack(event.key);
              this.#stats.rejected++;
              this.#o.onRejected?.({ id: event.id, error });
              this.#pump();
              return;
            }
            this.#stats.failures++;
            this.#backOff();
          },
        );
      }
    } finally {
      this.#pumping = false;
    }
  }

  #backOff(): void {
    if (!this.#running || this.#timer) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#o.maxRetryDelayMs);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the buffer is empty and nothing is in flight. */
  drained(): Promise<void> {
    if (this.#o.buffer.stats.pending === 0 && this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.kick();
    });
  }

  get stats(): ForwarderStats {
    return { ...this.#stats, inFlight: this.#inFlight.size };
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
  }
}
