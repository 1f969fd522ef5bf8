/**
 * Builds real CAN frames from physical values with a model's DBC: every signal of the message
 * gets a value (those the model does not drive sit at zero, within the DBC's range), the rolling
 * COUNTER advances per frame and the CHECKSUM is the carmaker's algorithm (as opendbc checks
 * them), so a device's frame validation accepts the frames exactly as it would a real car's.
 */
import {
  CHECKSUM_ALGORITHMS,
  type Database,
  detectChecksumFamily,
  type Message,
  type Signal,
} from "@dimo-open/can";

const clamp = (v: number, s: Signal) => {
  if (s.minimum === undefined || s.maximum === undefined || s.minimum >= s.maximum) return v;
  return Math.min(s.maximum, Math.max(s.minimum, v));
};

export class FrameEncoder {
  readonly message: Message;
  readonly #defaults: Record<string, number>;
  readonly #counter: Signal | undefined;
  readonly #checksum: Signal | undefined;
  readonly #algorithm: ((address: number, data: Uint8Array, field: Signal) => number) | undefined;
  #count = 0;
  #cachedFor: Readonly<Record<string, number>> | undefined;
  #cache: (Uint8Array | undefined)[] = [];

  constructor(db: Database, message: Message) {
    this.message = message;
    this.#defaults = Object.fromEntries(message.signals.map((s) => [s.name, clamp(0, s)]));
    this.#counter = message.signal("COUNTER");
    this.#checksum = message.signal("CHECKSUM");
    const family = detectChecksumFamily(db.file ?? "");
    this.#algorithm = family && this.#checksum ? CHECKSUM_ALGORITHMS[family] : undefined;
  }

  /**
   * The next frame's payload for these physical values. Passing the same values object again
   * (a car repeats its frames several times between two changes) reuses the payload built for
   * each counter value instead of encoding again.
   */
  encode(values: Readonly<Record<string, number>>): Uint8Array {
    if (values !== this.#cachedFor) {
      this.#cachedFor = values;
      this.#cache = [];
    }
    const slot = this.#count;
    const cached = this.#cache[slot];
    if (cached) {
      if (this.#counter) this.#count = (this.#count + 1) % 2 ** this.#counter.length;
      return cached;
    }
    const data = this.#build(values);
    this.#cache[slot] = data;
    return data;
  }

  #build(values: Readonly<Record<string, number>>): Uint8Array {
    const all: Record<string, number> = { ...this.#defaults };
    for (const [name, v] of Object.entries(values)) {
      const s = this.message.signal(name);
      if (s) all[name] = clamp(v, s);
    }
    if (this.#counter) {
      all[this.#counter.name] = this.#count;
      this.#count = (this.#count + 1) % 2 ** this.#counter.length;
    }
    let data = this.message.encode(all, { checkRange: false });
    if (this.#algorithm && this.#checksum) {
      all[this.#checksum.name] = this.#algorithm(this.message.id, data, this.#checksum);
      data = this.message.encode(all, { checkRange: false });
    }
    return data;
  }
}

/**
 * The rest of the bus: every other (non-multiplexed) message of the DBC with its counter and
 * checksum, so the device sees a realistic load and has to filter. Payloads are precomputed per
 * counter value.
 */
export function backgroundFrames(
  db: Database,
  exclude: ReadonlySet<number>,
): { id: number; extended: boolean; payloads: Uint8Array[] }[] {
  const out: { id: number; extended: boolean; payloads: Uint8Array[] }[] = [];
  for (const m of db.messages) {
    if (!m.reachable || m.length > 8 || m.isMultiplexed || exclude.has(m.id)) continue;
    if (m.id >= 0x7df && m.id <= 0x7ef) continue;
    const encoder = new FrameEncoder(db, m);
    const counter = m.signal("COUNTER");
    const n = counter ? 2 ** Math.min(counter.length, 4) : 1;
    try {
      out.push({
        id: m.id,
        extended: m.extended,
        payloads: Array.from({ length: n }, () => encoder.encode({})),
      });
    } catch {
      // A message the DBC describes inconsistently (overlapping signals): leave it off the bus.
    }
  }
  return out;
}
