/**
 * The device's event sequence numbers, persisted across restarts. A number must never be used
 * twice (the node takes a repeat for a replay), while a skipped number is only a gap. So the
 * store reserves blocks: it records "numbers below N may have been used" before handing out
 * any of them, and a restart resumes from N.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { SequenceCounter } from "@dimo-open/stream";
import { DeviceError } from "../errors.ts";

export class PersistentSequence {
  readonly path: string;
  readonly block: bigint;
  readonly #counter: SequenceCounter;
  #reservedUntil: bigint;

  private constructor(path: string, start: bigint, block: bigint) {
    this.path = path;
    this.block = block;
    this.#counter = new SequenceCounter(start);
    this.#reservedUntil = start;
  }

  /** Opens the store at `path` (a small JSON file); a missing file starts at 0. */
  static open(path: string, options: { block?: number } = {}): PersistentSequence {
    const block = BigInt(options.block ?? 1000);
    if (block < 1n) throw new DeviceError("The sequence reservation block must be at least 1.");
    let start = 0n;
    try {
      const text = readFileSync(path, "utf8");
      const value = (JSON.parse(text) as { reservedUntil?: unknown }).reservedUntil;
      if (typeof value !== "string" || !/^(0|[1-9]\d{0,18})$/.test(value))
        throw new Error(`reservedUntil ${value}`);
      start = BigInt(value);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new DeviceError(`Sequence file ${path} is unreadable.`, {
          details:
            "Refusing to guess: restarting from 0 would reuse numbers. Restore the file, or set it to a number above any the device sent.",
          cause: error,
        });
      }
    }
    return new PersistentSequence(path, start, block);
  }

  /** The next number; persists a new reservation first when the current one is used up. */
  next(): bigint {
    const n = this.#counter.peek();
    if (n >= this.#reservedUntil) {
      this.#reservedUntil = n + this.block;
      const tmp = `${this.path}.tmp`;
      const fd = openSync(tmp, "w", 0o600);
      try {
        writeSync(fd, JSON.stringify({ reservedUntil: String(this.#reservedUntil) }));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    }
    return this.#counter.next();
  }

  peek(): bigint {
    return this.#counter.peek();
  }
}
