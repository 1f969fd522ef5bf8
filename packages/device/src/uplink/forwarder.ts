/**
 * Drains the buffer over the uplink: up to `maxInFlight` events at a time, oldest first. An
 * event leaves the buffer only when the node acknowledged it, or refused it for good (counted
 * as rejected). On a transient failure the forwarder backs off (exponentially, up to a
 * ceiling) and tries again; on reconnection it resumes at once. Events sent twice (a PUBACK
 * lost with the connection) are harmless: the node is idempotent on the event id.
 *
 * Batches ("2b"): given `seal`, unsigned events wait until `batchMaxEvents` of them are there,
 * or the oldest has waited `batchMaxDelayMs`, or `drained()` asks for everything; then, with the
 * link up and a send slot free, the oldest are sealed (one signature, stored in their place) and
 * the batch is sent like any record. Its acknowledgement removes it whole; the events the node
 * refused for good inside it are counted and reported one by one, like refused single events; a
 * transient failure sends the same stored batch again.
 */
import type { BufferedEvent, BufferedEventMeta, EventBuffer } from "../buffer/event-buffer.ts";
import { UplinkError } from "../errors.ts";
import type { SealedBatch } from "./outbox.ts";
import type { BatchReceipt, Uplink } from "./uplink.ts";

export interface ForwarderOptions {
  buffer: EventBuffer;
  uplink: Uplink;
  maxInFlight?: number;
  /** First retry delay after a failure; doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told about each event the node refused for good. */
  onRejected?: (event: { id: string; error: UplinkError }) => void;
  /** Seals unsigned events into a stored, signed batch (Outbox.seal); needed once any are buffered. */
  seal?: (members: BufferedEvent[]) => Promise<SealedBatch>;
  /** Most events per batch. Default 50. */
  batchMaxEvents?: number;
  /** The longest an unsigned event waits for its batch to fill. Default 5 s. */
  batchMaxDelayMs?: number;
}

export interface ForwarderStats {
  /** Events sent (a batch counts its events), resends included. */
  sent: number;
  /** Events the node acknowledged (stored, or already had). */
  acknowledged: number;
  /** Events the node refused for good. */
  rejected: number;
  failures: number;
  /** Records in flight (a batch is one). */
  inFlight: number;
  /** Batches sealed (one signature each) and batch sends. */
  batchesSealed: number;
  batchesSent: number;
}

export class Forwarder {
  readonly #o: Required<Omit<ForwarderOptions, "onRejected" | "seal">> &
    Pick<ForwarderOptions, "onRejected" | "seal">;
  readonly #inFlight = new Set<number>();
  #running = false;
  #pumping = false;
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];
  readonly #stats = { sent: 0, acknowledged: 0, rejected: 0, failures: 0, batchesSealed: 0, batchesSent: 0 };
  /** A seal under way (one at a time: one secure element). */
  #sealing = false;
  /** Unsigned events are sealed now whatever their number (drained() waits, or they waited long enough). */
  #flushing = false;
  #lingerExpired = false;
  #linger: NodeJS.Timeout | undefined;

  constructor(options: ForwarderOptions) {
    this.#o = {
      maxInFlight: 8,
      retryDelayMs: 500,
      maxRetryDelayMs: 60_000,
      batchMaxEvents: 50,
      batchMaxDelayMs: 5000,
      ...options,
    };
    if (
      !Number.isSafeInteger(this.#o.batchMaxEvents) ||
      this.#o.batchMaxEvents < 1 ||
      this.#o.batchMaxEvents > 1000
    )
      throw new RangeError(`A batch holds 1 to 1000 events, not ${this.#o.batchMaxEvents}.`);
    this.#delay = this.#o.retryDelayMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const offConnection = this.#o.uplink.onConnectionChange((connected) => {
      if (!connected) return;
      this.#delay = this.#o.retryDelayMs;
      this.kick();
    });
    // Refusals told apart from the acknowledgement (MQTT): the event left the buffer with its
    // PUBACK already (and counts as acknowledged); it is counted and reported as refused too.
    const offRefusal = this.#o.uplink.onRefusal?.((refusal) => {
      this.#stats.rejected++;
      this.#o.onRejected?.(refusal);
    });
    this.#unsubscribe = () => {
      offConnection();
      offRefusal?.();
    };
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
      const ready = this.#o.buffer.pending(free, this.#inFlight, (m) => !m.unsigned);
      for (const record of ready) this.#send(record);
      if (ready.length < free) this.#maybeSeal();
      if (
        ready.length === 0 &&
        this.#inFlight.size === 0 &&
        !this.#sealing &&
        this.#o.buffer.stats.pending === 0
      )
        this.#notifyIdle();
    } finally {
      this.#pumping = false;
    }
  }

  #send(record: BufferedEvent): void {
    const count = record.batch?.count ?? 1;
    this.#inFlight.add(record.key);
    this.#stats.sent += count;
    if (record.batch) this.#stats.batchesSent++;
    this.#o.uplink.send({ ...record, ...(record.batch && { batch: { count } }) }).then(
      (receipt) => {
        this.#inFlight.delete(record.key);
        // The agent stopped and closed its buffer meanwhile: the record stays on disk
        // unacknowledged and goes again after the restart (the node drops the duplicate).
        if (this.#o.buffer.closed) return;
        this.#o.buffer.ack(record.key);
        const refused = record.batch ? this.#refusedInBatch(record, receipt) : 0;
        this.#stats.acknowledged += count - refused;
        this.#delay = this.#o.retryDelayMs;
        this.#pump();
      },
      (error: unknown) => {
        this.#inFlight.delete(record.key);
        if (this.#o.buffer.closed) return;
        if (error instanceof UplinkError && error.permanent) {
          this.#o.buffer.ack(record.key);
          this.#stats.rejected += count;
          this.#o.onRejected?.({ id: record.id, error });
          this.#pump();
          return;
        }
        this.#stats.failures++;
        this.#backOff();
      },
    );
  }

  /** Counts and reports the events of an acknowledged batch that the node refused; returns how many. */
  #refusedInBatch(record: BufferedEvent, receipt: BatchReceipt | undefined): number {
    const refused = receipt?.refused ?? [];
    if (refused.length === 0) return 0;
    let ids: string[] = [];
    try {
      ids = (JSON.parse(new TextDecoder().decode(record.bytes)) as { id: string }[]).map((e) => e.id);
    } catch {
      // Our own stored batch; unreadable only if the disk lied. Report by index then.
    }
    for (const { index, error } of refused) {
      this.#stats.rejected++;
      this.#o.onRejected?.({ id: ids[index] ?? `${record.id}#${index}`, error });
    }
    return refused.length;
  }

  /** Seals the oldest unsigned events into a batch when enough wait, or they waited long enough. */
  #maybeSeal(): void {
    const seal = this.#o.seal;
    if (!seal || this.#sealing) return;
    // Offline, events wait unsigned so that the backlog goes in full batches. Over HTTP "offline"
    // is only the last send failing: with nothing else to send, a batch is what finds out.
    const uplink = this.#o.uplink;
    if (!uplink.connected && (uplink.kind === "mqtt" || this.#inFlight.size > 0)) return;
    const max = this.#o.batchMaxEvents;
    const unsigned = (m: BufferedEventMeta) => m.unsigned === true;
    // Counted first, read only when sealing: this runs after every append.
    const waiting = this.#o.buffer.countPending(max, unsigned);
    if (waiting === 0) {
      this.#clearLinger();
      return;
    }
    if (waiting < max && !this.#flushing && !this.#lingerExpired) {
      this.#linger ??= setTimeout(() => {
        this.#linger = undefined;
        this.#lingerExpired = true;
        this.#pump();
      }, this.#o.batchMaxDelayMs);
      return;
    }
    this.#clearLinger();
    this.#sealing = true;
    const members = this.#o.buffer.pending(max, undefined, unsigned);
    seal(members).then(
      ({ batch, invalid }) => {
        this.#sealing = false;
        if (batch) this.#stats.batchesSealed++;
        for (const { id, error } of invalid) {
          this.#stats.rejected++;
          this.#o.onRejected?.({
            id,
            error: new UplinkError(`Buffered event ${id} cannot be signed; dropped.`, {
              permanent: true,
              cause: error,
              details: error.message,
            }),
          });
        }
        this.#pump();
      },
      () => {
        // The secure element did not sign (busy, unplugged): the events stay, try again later.
        this.#sealing = false;
        this.#stats.failures++;
        this.#backOff();
      },
    );
  }

  #clearLinger(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#lingerExpired = false;
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
    this.#flushing = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the buffer is empty and nothing is in flight. */
  drained(): Promise<void> {
    if (this.#o.buffer.stats.pending === 0 && this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#flushing = true;
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
    this.#clearLinger();
    this.#unsubscribe?.();
  }
}
