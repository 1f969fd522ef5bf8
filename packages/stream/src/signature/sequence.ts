/**
 * Per-device sequence numbers. The device numbers its events 0, 1, 2, … and the v2 signature
 * covers the number, so the node can tell a replay or a loss from a new event.
 */
import { MAX_SEQUENCE } from "../envelope/schema.ts";

/**
 * The device's counter. Persist `peek()` before sending (or reserve blocks, e.g. persist
 * next+1000 and resume from there after a reboot): a number must never be used twice.
 */
export class SequenceCounter {
  #next: bigint;

  constructor(next: bigint = 0n) {
    if (next < 0n || next > MAX_SEQUENCE) throw new RangeError(`sequence ${next} is outside 0 … 2^63-1`);
    this.#next = next;
  }

  /** The number the next event gets. */
  peek(): bigint {
    return this.#next;
  }

  /** Takes the next number. */
  next(): bigint {
    if (this.#next > MAX_SEQUENCE)
      throw new RangeError("sequence numbers exhausted (2^63): rotate the device key");
    return this.#next++;
  }
}

/** Where a sequence number falls relative to the highest one the node has accepted. */
export type SequenceStatus =
  | { status: "first" }
  | { status: "next" }
  /** Numbers in between never arrived (yet): lost or still buffered on the device. */
  | { status: "gap"; missing: bigint }
  /** Equal to the highest seen: an MQTT QoS 1 redelivery or a replay; deduplicate. */
  | { status: "duplicate" }
  /** Lower than the highest seen: late buffered data or a replay; check the dedup key. */
  | { status: "old" };

export function checkSequence(highestSeen: bigint | undefined, sequence: bigint): SequenceStatus {
  if (highestSeen === undefined) return { status: "first" };
  if (sequence === highestSeen + 1n) return { status: "next" };
  if (sequence > highestSeen) return { status: "gap", missing: sequence - highestSeen - 1n };
  return sequence === highestSeen ? { status: "duplicate" } : { status: "old" };
}
