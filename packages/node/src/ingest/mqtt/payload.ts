/**
 * One MQTT PUBLISH's payload into the ingest, for the embedded broker and the external-broker
 * consumer alike: a single event, or a CloudEvents JSON batch (`application/cloudevents-batch+json`
 * as the MQTT 5 content type, or, MQTT 3.1.1 having none, any payload that is a JSON array; a single
 * event is a JSON object, so the two cannot be confused). Each event of a batch is admitted on its
 * own, from its exact text, as if sent alone.
 */
import type { MessageOrigin } from "../admit.ts";
import { CLOUDEVENTS_BATCH, splitJsonArray } from "../batch.ts";
import { asRejection, IngestRejectedError } from "../errors.ts";
import type { Ingest, IngestOutcome } from "../ingest.ts";

export interface PayloadOptions {
  /** Most events in one batch PUBLISH. */
  maxBatchEvents: number;
  /** Called for each refusal: `index` is the event's position when the payload is a batch. */
  onRefused(outcome: IngestOutcome, index?: number): void;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Resolves once every event of the payload is committed or refused (the PUBACK may go then);
 * rejects when a commit failed (no PUBACK: the payload comes again, and what had been committed
 * is a duplicate then).
 */
export async function admitPayload(
  ingest: Ingest,
  payload: Buffer,
  origin: MessageOrigin,
  options: PayloadOptions,
): Promise<void> {
  if (!isBatch(payload, origin.contentType)) {
    await ingest.whenWritable();
    const outcome = await ingest.submit(payload, origin);
    if (outcome.status === "rejected") options.onRefused(outcome);
    return;
  }
  let items: string[];
  try {
    items = splitJsonArray(utf8.decode(payload), options.maxBatchEvents);
  } catch (error) {
    const refusal =
      error instanceof TypeError
        ? new IngestRejectedError("malformed", "The batch is not valid UTF-8.", { cause: error })
        : asRejection(error);
    options.onRefused(ingest.countRejection(origin, refusal));
    return;
  }
  await ingest.whenWritable();
  const itemOrigin = { ...origin, contentType: "application/cloudevents+json" };
  const outcomes = await Promise.all(items.map((text) => ingest.submit(Buffer.from(text), itemOrigin)));
  for (let index = 0; index < outcomes.length; index++) {
    const outcome = outcomes[index]!;
    if (outcome.status === "rejected") options.onRefused(outcome, index);
  }
}

function isBatch(payload: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined) {
    return contentType.split(";")[0]!.trim().toLowerCase() === CLOUDEVENTS_BATCH;
  }
  for (const byte of payload) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x5b; // [
  }
  return false;
}
