/**
 * A worker thread of the admission pool: runs verifyMessage (parse, limits, signature,
 * normalisation) for the main thread, which holds the chain index and the store.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { AdmissionTask, AdmissionWorkerPolicy, AdmissionWorkerResult } from "./admission-pool.ts";
import { type MessageOrigin, verifyMessage } from "./admit.ts";
import { asRejection } from "./errors.ts";

const policy = workerData as AdmissionWorkerPolicy;
const port = parentPort!;

port.on("message", (tasks: AdmissionTask[]) => {
  const results: AdmissionWorkerResult[] = tasks.map((task) => {
    try {
      return { id: task.id, verified: verifyMessage(task.bytes, task.origin as MessageOrigin, policy) };
    } catch (error) {
      try {
        const r = asRejection(error);
        return {
          id: task.id,
          rejection: { reason: r.reason, message: r.shortMessage, details: r.details, path: r.path },
        };
      } catch {
        return { id: task.id, failure: error instanceof Error ? error.message : String(error) };
      }
    }
  });
  port.postMessage(results);
});
