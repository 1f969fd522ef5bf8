/**
 * Admission on worker threads. Parsing, signature recovery and normalisation are pure CPU work
 * with no chain state: spreading them over threads lets the main thread (MQTT, HTTP, chain index,
 * DuckDB staging) keep up. Tasks are sent in small batches per event-loop turn, to pay the
 * message-passing cost once for many events.
 */
import { Worker } from "node:worker_threads";
import type { StreamLimits } from "@dimo-open/stream";
import type { MessageOrigin, VerifiedMessage } from "./admit.ts";
import { IngestRejectedError, type IngestRejectionReason } from "./errors.ts";

export interface AdmissionWorkerPolicy {
  chainId: number;
  limits?: Partial<StreamLimits>;
  acceptLegacySignatures?: boolean;
}

export interface AdmissionTask {
  id: number;
  bytes: Uint8Array;
  origin: MessageOrigin;
}

export type AdmissionWorkerResult =
  | { id: number; verified: VerifiedMessage }
  | {
      id: number;
      rejection: {
        reason: IngestRejectionReason;
        message: string;
        details?: string | undefined;
        path?: string | undefined;
      };
    }
  | { id: number; failure: string };

interface Slot {
  worker: Worker;
  pending: number;
  outbox: AdmissionTask[];
  /** Ids sent to this worker and not answered yet: failed if the worker dies. */
  sent: Set<number>;
}

export class AdmissionPool {
  readonly #slots: Slot[];
  readonly #waiting = new Map<
    number,
    { resolve: (v: VerifiedMessage) => void; reject: (e: Error) => void }
  >();
  #nextId = 0;
  #flushScheduled = false;
  #closing = false;
  readonly #policy: AdmissionWorkerPolicy;

  constructor(size: number, policy: AdmissionWorkerPolicy) {
    this.#policy = policy;
    this.#slots = Array.from({ length: size }, () => {
      const slot = { pending: 0, outbox: [], sent: new Set<number>() } as unknown as Slot;
      this.#spawn(slot);
      return slot;
    });
  }

  /** Starts the slot's worker; a worker that dies fails its open tasks and is replaced. */
  #spawn(slot: Slot): void {
    const url = new URL("./admission-worker.ts", import.meta.url).href;
    // The worker runs TypeScript through tsx, as the node itself does: register tsx's loader in
    // the new thread, then load the worker module.
    const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: this.#policy });
    slot.worker = worker;
    worker.on("message", (results: AdmissionWorkerResult[]) => {
      slot.pending -= results.length;
      for (const r of results) {
        slot.sent.delete(r.id);
        this.#settle(r);
      }
    });
    worker.once("exit", (code) => {
      const failure = new Error(`admission worker exited (code ${code})`);
      for (const id of slot.sent) this.#settle({ id, failure: failure.message });
      slot.sent.clear();
      slot.pending = slot.outbox.length;
      if (!this.#closing) this.#spawn(slot);
    });
    worker.on("error", () => {}); // "exit" follows and handles it
    worker.unref();
  }

  get size(): number {
    return this.#slots.length;
  }

  /** verifyMessage on a worker; rejects with IngestRejectedError for a refused message. */
  verify(bytes: Uint8Array, origin: MessageOrigin): Promise<VerifiedMessage> {
    const id = this.#nextId++;
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.pending < slot.pending) slot = s;
    slot.pending++;
    // A copy: the transport's buffer may be a slice of a larger pooled one.
    slot.outbox.push({ id, bytes: new Uint8Array(bytes), origin: { ...origin } });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  /**
   * Terminates every worker; each is replaced at once. Tasks they held fail (their messages are
   * not acknowledged and will be sent again); later tasks go to the new workers.
   */
  async recycle(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
    this.#failAll(new Error("the admission pool is closed"));
  }

  #flush(): void {
    this.#flushScheduled = false;
    for (const slot of this.#slots) {
      if (slot.outbox.length === 0) continue;
      const tasks = slot.outbox;
      slot.outbox = [];
      for (const t of tasks) slot.sent.add(t.id);
      slot.worker.postMessage(
        tasks,
        tasks.map((t) => t.bytes.buffer as ArrayBuffer),
      );
    }
  }

  #settle(result: AdmissionWorkerResult): void {
    const waiter = this.#waiting.get(result.id);
    if (!waiter) return;
    this.#waiting.delete(result.id);
    if ("verified" in result) waiter.resolve(result.verified);
    else if ("rejection" in result) {
      const r = result.rejection;
      waiter.reject(
        new IngestRejectedError(r.reason, r.message, {
          ...(r.details !== undefined ? { details: r.details } : {}),
          ...(r.path !== undefined ? { path: r.path } : {}),
        }),
      );
    } else waiter.reject(new Error(`admission worker failed: ${result.failure}`));
  }

  #failAll(error: Error): void {
    for (const [id, waiter] of this.#waiting) {
      this.#waiting.delete(id);
      waiter.reject(error);
    }
  }
}
