/**
 * Replays a candump log (`candump -L` format, what canplayer reads) as a CAN source: with the
 * log's own timing (optionally sped up) or as fast as possible. Lines that are not frames are
 * counted and skipped. Frame timestamps are the log's (or the replay clock's, if asked).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { readCandump } from "@dimo-open/can";
import { CanSourceError } from "../errors.ts";
import type { CanSource, FrameListener } from "./can-source.ts";

export interface CandumpReplayOptions {
  /** A log file, or the log text itself. */
  path?: string;
  text?: string;
  /** "realtime": the log's gaps between frames (divided by `speed`); "fast": no waiting. */
  timing: "realtime" | "fast";
  speed?: number;
  /** Start again at the end. */
  loop?: boolean;
  /** "log" (default): frames keep the log's time; "now": stamped with the replay clock. */
  timestamps?: "log" | "now";
}

export class CandumpReplaySource implements CanSource {
  readonly name: string;
  readonly #o: CandumpReplayOptions;
  #stopped = false;
  #finish!: () => void;
  #fail!: (error: unknown) => void;
  readonly finished: Promise<void>;
  readonly stats = { frames: 0, skippedLines: 0, loops: 0 };

  constructor(options: CandumpReplayOptions) {
    if ((options.path === undefined) === (options.text === undefined)) {
      throw new CanSourceError("A candump replay needs either a file path or the log text.");
    }
    if (options.speed !== undefined && !(options.speed > 0)) {
      throw new CanSourceError(`Replay speed ${options.speed} must be above 0.`);
    }
    this.#o = options;
    this.name = `candump:${options.path ?? "text"}`;
    this.finished = new Promise((resolve, reject) => {
      this.#finish = resolve;
      this.#fail = reject;
    });
    this.finished.catch(() => {});
  }

  async start(onFrame: FrameListener): Promise<void> {
    if (this.#o.path) {
      // Fail now, not later in the background, if the log cannot be read.
      const { access } = await import("node:fs/promises");
      await access(this.#o.path).catch((error) => {
        throw new CanSourceError(`Cannot read candump log ${this.#o.path}.`, { cause: error });
      });
    }
    void this.#run(onFrame).then(this.#finish, this.#fail);
  }

  async #run(onFrame: FrameListener): Promise<void> {
    const speed = this.#o.speed ?? 1;
    do {
      const lines = this.#o.path
        ? createInterface({ input: createReadStream(this.#o.path), crlfDelay: Number.POSITIVE_INFINITY })
        : this.#o.text!;
      let logStart: number | undefined;
      const wallStart = performance.now();
      let sinceYield = 0;
      for await (const entry of readCandump(lines)) {
        if (this.#stopped) return;
        const f = entry.frame;
        if (!f || f.remote || f.error) {
          this.stats.skippedLines++;
          continue;
        }
        const logMs = f.timestamp !== undefined ? f.timestamp * 1000 : undefined;
        if (this.#o.timing === "realtime" && logMs !== undefined) {
          logStart ??= logMs;
          const due = wallStart + (logMs - logStart) / speed;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        } else if (++sinceYield >= 1000) {
          // As fast as possible, but let the agent's timers and I/O run.
          sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
        if (this.#stopped) return;
        this.stats.frames++;
        onFrame({
          id: f.id,
          extended: f.extended,
          data: f.data,
          timestamp: this.#o.timestamps === "now" || logMs === undefined ? Date.now() : logMs,
        });
      }
      if (this.#o.loop) this.stats.loops++;
    } while (this.#o.loop && !this.#stopped);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
  }
}
