import { parseDid } from "@dimo-open/protocol";
import type { DimoCloudEvent } from "../envelope/schema.ts";
import { rfc3339Millis } from "../time.ts";
import { type DeviceEventMessage, eventHash } from "./digest.ts";

/**
 * The v2 typed-data message of a validated event carrying dimosigversion "2": the chain from
 * the producer DID, the signer, sequence and time from their attributes, and the event hash.
 */
export function deviceEventMessage(event: DimoCloudEvent): DeviceEventMessage {
  if (event.dimosigner === undefined || event.dimosequence === undefined) {
    throw new TypeError("a v2 event needs dimosigner and dimosequence");
  }
  return {
    chainId: parseDid(event.producer).chainId,
    device: event.dimosigner,
    sequence: BigInt(event.dimosequence),
    timeMs: BigInt(rfc3339Millis(event.time)!),
    eventHash: eventHash(event),
  };
}
