/**
 * The device's logger: the CAN toolkit's LoggerPipeline (filters, DBC and PID decoding, mapping
 * to catalogue signals, units, delivery rules) running the applied configuration, plus what the
 * device adds around it: the OBD-II polling schedule (only when power management allows
 * sending on the bus), and the readings collected until the next event is built.
 */
import {
  type Database,
  type LoggerConfig,
  LoggerPipeline,
  type ObdFrame,
  type RawFrame,
  type SignalReading,
} from "@dimo-open/can";

export interface SignalLoggerOptions {
  /** Sends a frame on the bus (OBD-II requests, ISO-TP flow control). */
  send?: (frame: ObdFrame) => void;
  /** Readings kept at most between two takes; the oldest go first beyond it. */
  maxPendingReadings?: number;
}

export interface SignalLoggerStats {
  frames: number;
  readings: number;
  polls: number;
  overflowed: number;
}

export class SignalLogger {
  readonly #o: SignalLoggerOptions;
  #pipeline: LoggerPipeline | undefined;
  #nextPoll = new Map<number, number>();
  #readings: SignalReading[] = [];
  #version: string | undefined;
  readonly stats: SignalLoggerStats = { frames: 0, readings: 0, polls: 0, overflowed: 0 };

  constructor(options: SignalLoggerOptions = {}) {
    this.#o = options;
  }

  /** Runs a new configuration from now on (a bad one throws and leaves the current one running). */
  apply(config: { logger: LoggerConfig; database: Database | undefined }, version?: string): void {
    const pipeline = new LoggerPipeline(config.logger, {
      ...(config.database ? { database: config.database } : {}),
      ...(this.#o.send ? { send: this.#o.send } : {}),
    });
    this.#pipeline = pipeline;
    this.#nextPoll = new Map();
    this.#version = version;
  }

  get version(): string | undefined {
    return this.#version;
  }

  get pipeline(): LoggerPipeline | undefined {
    return this.#pipeline;
  }

  push(frame: RawFrame): void {
    this.stats.frames++;
    const pipeline = this.#pipeline;
    if (!pipeline) return;
    const out = pipeline.push(frame);
    if (out.length === 0) return;
    this.stats.readings += out.length;
    for (const r of out) this.#readings.push(r);
    this.#trim();
  }

  /** Keeps at most maxPendingReadings, dropping the oldest. */
  #trim(): void {
    const max = this.#o.maxPendingReadings ?? 10_000;
    if (this.#readings.length > max) {
      const drop = this.#readings.length - max;
      this.#readings.splice(0, drop);
      this.stats.overflowed += drop;
    }
  }

  /**
   * Sends the OBD-II requests that are due at `now`, if `allowed` (power management: engine
   * running). Requests not allowed are not queued up: they go at the next allowed time.
   */
  poll(now: number, allowed: boolean): number {
    const pipeline = this.#pipeline;
    if (!pipeline || !allowed || !this.#o.send) return 0;
    let sent = 0;
    for (const p of pipeline.obdPolls) {
      const due = this.#nextPoll.get(p.pid) ?? now;
      if (now < due) continue;
      this.#o.send(p.frame);
      this.#nextPoll.set(p.pid, now + p.intervalMs);
      sent++;
    }
    this.stats.polls += sent;
    return sent;
  }

  /** The readings collected since the last take, oldest first. */
  take(): SignalReading[] {
    const out = this.#readings;
    this.#readings = [];
    return out;
  }

  /**
   * Puts taken readings back, before the ones collected since (the event they were for was not
   * stored: the secure element did not sign, the disk refused). Beyond the limit the oldest go.
   */
  putBack(readings: readonly SignalReading[]): void {
    if (readings.length === 0) return;
    this.#readings = [...readings, ...this.#readings];
    this.#trim();
  }
}
