/**
 * The ingest unit the node composes: admits messages (admit.ts), queues the accepted ones and
 * writes them with group commit: while one batch commits the next accumulates, so under load a
 * commit carries hundreds of events and every event is acknowledged only after the transaction
 * that holds it committed. Transports (embedded MQTT, an external broker, HTTP) call `submit`.
 */
import { checkSequence, type SequenceStatus } from "@dimo-open/stream";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { NodeDatabase } from "../db/database.ts";
import { IngestMetrics } from "../metrics/ingest.ts";
import { createMetricsRegistry } from "../metrics/registry.ts";
import type { StoredEvent, WriteOutcome } from "../telemetry/types.ts";
import { TelemetryWriter } from "../telemetry/writer.ts";
import { AdmissionPool } from "./admission-pool.ts";
import {
  type AdmissionPolicy,
  type AdmittedEvent,
  admitMessage,
  bindToChain,
  type MessageOrigin,
} from "./admit.ts";
import {
  asRejection,
  IngestCommitError,
  type IngestRejectedError,
  type IngestRejectionReason,
} from "./errors.ts";

export interface IngestOptions extends AdmissionPolicy {
  db: NodeDatabase;
  /** Prometheus registry to register the ingest metrics on (a private one by default). */
  registry?: Registry;
  /** Group commit: at most this many events per transaction (default 2000). */
  maxBatchEvents?: number;
  /** Group commit: how long the first event of an idle period waits for company (default 2 ms). */
  maxBatchDelayMs?: number;
  /** Admitted events not yet committed, beyond which the node is overloaded (default 10,000; ~5 KB each). */
  maxQueuedEvents?: number;
  /**
   * Worker threads that parse, verify and normalise (default 0: on the calling thread). On a
   * machine with spare cores, 1–(cores − 1) frees the main thread for transports and commits.
   */
  admissionWorkers?: number;
  logger?: Logger;
}

export type IngestOutcome =
  | { status: "accepted" | "duplicate"; id: string; subject: string }
  | {
      status: "rejected";
      reason: IngestRejectionReason;
      message: string;
      details?: string;
      path?: string;
    };

export interface Ingest {
  readonly metrics: IngestMetrics;
  /** True while the queue is full: HTTP answers 503, MQTT stops reading the device's socket. */
  readonly overloaded: boolean;
  start(): Promise<void>;
  /** Commits what is queued, then refuses new messages. */
  stop(): Promise<void>;
  /**
   * Admits one message and resolves once it is committed (accepted), found already stored
   * (duplicate) or refused (rejected, with the reason). Rejects with IngestCommitError when the
   * store failed: then nothing was stored and the sender must not be acknowledged.
   */
  submit(bytes: Uint8Array, origin: MessageOrigin): Promise<IngestOutcome>;
  /** Resolves when the queue has room again (immediately when it has). */
  whenWritable(): Promise<void>;
  /** Counts a refusal decided by a transport (topic, batch size) like the pipeline's own. */
  countRejection(origin: MessageOrigin, error: IngestRejectedError): IngestOutcome;
}

interface Pending {
  stored: StoredEvent;
  transport: string;
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: Error) => void;
}

export function rejectionOutcome(error: IngestRejectedError): IngestOutcome {
  return {
    status: "rejected",
    reason: error.reason,
    message: error.shortMessage,
    ...(error.details !== undefined ? { details: error.details } : {}),
    ...(error.path !== undefined ? { path: error.path } : {}),
  };
}

export function createIngest(options: IngestOptions): Ingest {
  const registry = options.registry ?? createMetricsRegistry();
  const metrics = new IngestMetrics(registry);
  const maxBatch = options.maxBatchEvents ?? 2000;
  const maxDelay = options.maxBatchDelayMs ?? 2;
  const maxQueued = options.maxQueuedEvents ?? 10_000;
  const highestSequence = new Map<string, bigint>();
  let writer: TelemetryWriter | undefined;
  let queue: Pending[] = [];
  let inFlight = 0;
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let waiters: (() => void)[] = [];
  let pool: AdmissionPool | undefined;
  let verifying = 0;

  const queued = () => queue.length + inFlight + verifying;

  function wakeWaiters(): void {
    if (queued() >= maxQueued || waiters.length === 0) return;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  }

  function schedule(): void {
    if (writing || queue.length === 0) return;
    if (queue.length >= maxBatch || maxDelay === 0) {
      flush();
      return;
    }
    timer ??= setTimeout(flush, maxDelay);
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (writing || queue.length === 0) return;
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    inFlight = batch.length;
    writing = commit(batch).finally(() => {
      writing = undefined;
      inFlight = 0;
      metrics.queued.set(queued());
      wakeWaiters();
      // What arrived during this commit forms the next batch, at once.
      if (queue.length > 0) flush();
    });
  }

  async function commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let outcomes: WriteOutcome[];
    try {
      if (!writer) throw new Error("ingest is not started");
      outcomes = await writer.write(batch.map((p) => p.stored));
    } catch (error) {
      options.logger?.error({ err: error, events: batch.length }, "ingest commit failed");
      const failure = new IngestCommitError("The event store failed to commit; nothing was stored.", {
        details: "Retry the message: it was not acknowledged.",
        cause: error,
      });
      for (const p of batch) p.reject(failure);
      return;
    }
    metrics.commitSeconds.observe((performance.now() - started) / 1000);
    metrics.batches.observe(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const outcome = outcomes[i]!;
      metrics.events.inc({
        transport: p.transport,
        outcome: outcome === "inserted" ? "accepted" : "duplicate",
      });
      if (outcome === "inserted") {
        metrics.signals.inc(p.stored.signals.length);
        if (p.stored.sequence !== undefined) trackSequence(p.stored.signer, p.stored.sequence);
      }
      p.resolve({
        status: outcome === "inserted" ? "accepted" : "duplicate",
        id: p.stored.id,
        subject: p.stored.subject,
      });
    }
  }

  function trackSequence(signer: string, sequence: bigint): void {
    const status: SequenceStatus = checkSequence(highestSequence.get(signer), sequence);
    metrics.sequence.inc({ status: status.status });
    if (status.status === "first" || status.status === "next" || status.status === "gap") {
      highestSequence.set(signer, sequence);
    }
  }

  /** Admits (or refuses) and queues for the next commit. */
  function enqueue(origin: MessageOrigin, admit: () => AdmittedEvent): Promise<IngestOutcome> {
    let admitted: AdmittedEvent;
    try {
      admitted = admit();
    } catch (error) {
      return Promise.resolve(countRejection(origin, asRejection(error)));
    }
    for (const d of admitted.dropped) metrics.droppedSamples.inc({ reason: d.reason });
    return new Promise<IngestOutcome>((resolve, reject) => {
      queue.push({ stored: admitted.stored, transport: origin.transport, resolve, reject });
      metrics.queued.set(queued());
      schedule();
    });
  }

  function countRejection(origin: MessageOrigin, error: IngestRejectedError): IngestOutcome {
    metrics.rejections.inc({ transport: origin.transport, reason: error.reason });
    return rejectionOutcome(error);
  }

  return {
    metrics,
    get overloaded() {
      return queued() >= maxQueued;
    },
    async start() {
      writer ??= await TelemetryWriter.open(options.db);
      if (!pool && (options.admissionWorkers ?? 0) > 0) {
        pool = new AdmissionPool(options.admissionWorkers!, {
          chainId: options.chainId,
          ...(options.limits ? { limits: options.limits } : {}),
          ...(options.acceptLegacySignatures !== undefined
            ? { acceptLegacySignatures: options.acceptLegacySignatures }
            : {}),
        });
      }
      stopped = false;
    },
    async stop() {
      stopped = true;
      while (verifying > 0) await new Promise((r) => setTimeout(r, 1));
      while (writing || queue.length > 0) {
        flush();
        await writing;
      }
      await pool?.close();
      pool = undefined;
    },
    whenWritable() {
      if (queued() < maxQueued) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    countRejection,
    submit(bytes, origin) {
      if (stopped || !writer) {
        return Promise.reject(
          new IngestCommitError("The node is not accepting events (ingest stopped).", {
            details: "Retry later; nothing was stored.",
          }),
        );
      }
      if (pool) {
        verifying++;
        return pool.verify(bytes, origin).then(
          (verified) => {
            verifying--;
            return enqueue(origin, () => bindToChain(verified, options));
          },
          (error: unknown) => {
            verifying--;
            // A refusal is an answer; anything else (a dead worker) fails the message unacknowledged.
            return countRejection(origin, asRejection(error));
          },
        );
      }
      return enqueue(origin, () => admitMessage(bytes, origin, options));
    },
  };
}
