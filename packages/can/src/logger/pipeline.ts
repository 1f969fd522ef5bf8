/**
 * The runtime of a logger configuration: raw CAN frames in, catalogue-named signal readings
 * out. It filters frames (id/mask), drops frames whose checksum or counter is wrong, decodes only
 * the messages the config uses (compiled decoders), answers ISO-TP flow control for OBD-II
 * responses, converts units, and applies the delivery rules (minimum interval, change
 * threshold, deduplication, heartbeat). The device agent feeds it every frame it receives.
 */
import type { DecodedSignals, SignalValue } from "../codec/decoder.ts";
import type { Database } from "../dbc/database.ts";
import type { Message } from "../dbc/message.ts";
import type { Signal } from "../dbc/model.ts";
import { LoggerConfigError, UnitConversionError } from "../errors.ts";
import { FormulaSet, parsePidFormula } from "../obd/formula.ts";
import { IsoTpReceiver } from "../obd/isotp.ts";
import {
  buildObdRequest,
  decodeObdResponse,
  isObdResponseId,
  type ObdFrame,
  obdRequestIdFor,
  singleFrameView,
} from "../obd/obd.ts";
import { obdPid } from "../obd/pids.ts";
import { detectChecksumFamily } from "../validation/checksums.ts";
import { FrameValidator } from "../validation/frame-validator.ts";
import { MessageTimeouts } from "../validation/timeouts.ts";
import { type DeliveryRules, type LoggerConfig, validateLoggerConfig } from "./schema.ts";
import { unitConverter } from "./units.ts";

/** A frame as the device received it; `timestamp` in milliseconds. */
export interface RawFrame {
  readonly id: number;
  /** 29-bit id; when omitted, ids above 0x7FF are taken as extended. */
  readonly extended?: boolean;
  readonly data: Uint8Array;
  readonly timestamp: number;
}

/** One value of one catalogue signal, in the shape devices send (`data.signals[]`). */
export interface SignalReading {
  readonly timestamp: number;
  readonly name: string;
  readonly value: number | string;
}

/** An OBD-II request the device should send every `intervalMs`. */
export interface ObdPoll {
  readonly pid: number;
  readonly intervalMs: number;
  readonly frame: ObdFrame;
}

export interface LoggerPipelineOptions {
  /** The vehicle's DBC; required when the config maps DBC signals. */
  readonly database?: Database;
  /** Sends a frame on the bus (ISO-TP flow control for multi-frame OBD-II answers). */
  readonly send?: (frame: ObdFrame) => void;
}

export interface PipelineStats {
  frames: number;
  filtered: number;
  invalid: number;
  decoded: number;
  readings: number;
  suppressed: number;
  errors: number;
}

interface Target {
  readonly name: string;
  readonly delivery: Required<Pick<DeliveryRules, "minIntervalMs" | "changeThreshold" | "dedupe">> & {
    maxIntervalMs?: number;
  };
  readonly convert: (v: number) => number;
  lastTime: number | undefined;
  lastValue: number | string | undefined;
}

interface DbcTarget extends Target {
  readonly signal: Signal;
  readonly choices: boolean;
}

interface MessageRoute {
  readonly message: Message;
  readonly targets: DbcTarget[];
  wantsChoices: boolean;
}

interface ObdTarget extends Target {
  readonly field: string;
  readonly formula: FormulaSet | undefined;
}

const DEFAULT_INTERVAL_MS = 1000;
const TRUNCATE = { shortFrame: "truncate" } as const;
const TRUNCATE_RAW = { shortFrame: "truncate", raw: true } as const;

export class LoggerPipeline {
  readonly config: LoggerConfig;
  readonly obdPolls: readonly ObdPoll[];
  readonly stats: PipelineStats = {
    frames: 0,
    filtered: 0,
    invalid: 0,
    decoded: 0,
    readings: 0,
    suppressed: 0,
    errors: 0,
  };

  private readonly standard = new Map<number, MessageRoute>();
  private readonly extended = new Map<number, MessageRoute>();
  private readonly obdTargets = new Map<number, ObdTarget[]>();
  private readonly isoTp = new Map<number, IsoTpReceiver>();
  private readonly validator: FrameValidator | undefined;
  private readonly timeouts: MessageTimeouts;
  private readonly filters: { id: number; mask: number; extended: boolean | undefined }[];
  private readonly send: ((frame: ObdFrame) => void) | undefined;

  /**
   * @param config a LoggerConfig, or the parsed JSON of a configuration file (validated here).
   * @throws LoggerConfigError listing every problem: schema errors, and references to messages,
   *   signals or units the DBC does not have.
   */
  constructor(config: LoggerConfig | unknown, options: LoggerPipelineOptions = {}) {
    this.config = validateLoggerConfig(config);
    this.send = options.send;
    const db = options.database;
    const issues: { path: string; message: string }[] = [];
    const defaults = this.config.delivery ?? {};

    const deliveryOf = (rules: DeliveryRules | undefined): Target["delivery"] => {
      const r = { ...defaults, ...rules };
      return {
        minIntervalMs: r.minIntervalMs ?? 0,
        changeThreshold: r.changeThreshold ?? 0,
        dedupe: r.dedupe ?? false,
        ...(r.maxIntervalMs !== undefined ? { maxIntervalMs: r.maxIntervalMs } : {}),
      };
    };
    const converterOf = (
      path: string,
      from: string,
      to: string | undefined,
      what: string,
    ): ((v: number) => number) => {
      if (to === undefined || from === to) return (v) => v;
      if (from === "") {
        issues.push({
          path,
          message: `${what} has no unit; say which with "sourceUnit" to convert to ${to}`,
        });
        return (v) => v;
      }
      try {
        return unitConverter(from, to);
      } catch (error) {
        if (!(error instanceof UnitConversionError)) throw error;
        issues.push({ path, message: `${what}: ${error.shortMessage}` });
        return (v) => v;
      }
    };

    const pollIntervals = new Map<number, number>();
    this.config.signals.forEach((mapping, i) => {
      const base = {
        name: mapping.name,
        delivery: deliveryOf(mapping.delivery),
        lastTime: undefined,
        lastValue: undefined,
      };
      if ("dbc" in mapping.source) {
        const ref = mapping.source.dbc;
        if (!db) {
          issues.push({
            path: `signals[${i}].source.dbc`,
            message: "the config maps DBC signals but no DBC was given to the pipeline",
          });
          return;
        }
        const message =
          typeof ref.message === "number"
            ? db.messageById(ref.message)
            : (db.message(ref.message) ?? db.messages.find((m) => m.dbcName === ref.message));
        if (!message) {
          issues.push({
            path: `signals[${i}].source.dbc.message`,
            message: `${db.file ?? "the DBC"} has no message ${JSON.stringify(ref.message)}${suggest(
              String(ref.message),
              db.messages.map((m) => m.name),
            )}`,
          });
          return;
        }
        const signal = message.signal(ref.signal) ?? message.signals.find((x) => x.dbcName === ref.signal);
        if (!signal) {
          issues.push({
            path: `signals[${i}].source.dbc.signal`,
            message: `message ${message.name} has no signal ${JSON.stringify(ref.signal)}${suggest(
              ref.signal,
              message.signals.map((s) => s.name),
            )}`,
          });
          return;
        }
        const from = mapping.sourceUnit ?? signal.unit;
        const convert = converterOf(
          `signals[${i}].unit`,
          from,
          mapping.unit,
          `${message.name}.${signal.name}`,
        );
        const routes = message.extended ? this.extended : this.standard;
        let route = routes.get(message.id);
        if (!route) {
          route = { message, targets: [], wantsChoices: false };
          routes.set(message.id, route);
        }
        route.targets.push({ ...base, convert, signal, choices: mapping.choices ?? false });
        if (mapping.choices) route.wantsChoices = true;
        return;
      }
      const ref = mapping.source.obd;
      let field: string;
      let formula: FormulaSet | undefined;
      let from: string;
      if (ref.formula !== undefined) {
        const parsed = parsePidFormula(ref.formula);
        field = "value";
        formula = new FormulaSet({ value: parsed }, `PID_${ref.pid}`);
        from = parsed.unit;
      } else {
        const def = obdPid(ref.pid)!;
        const f = ref.field ? def.fields.find((x) => x.name === ref.field)! : def.fields[0]!;
        field = f.name;
        from = parsePidFormula(f.formula).unit;
      }
      const convert = converterOf(
        `signals[${i}].unit`,
        mapping.sourceUnit ?? from,
        mapping.unit,
        `PID 0x${ref.pid.toString(16).padStart(2, "0")}`,
      );
      const list = this.obdTargets.get(ref.pid) ?? [];
      list.push({ ...base, convert, field, formula });
      this.obdTargets.set(ref.pid, list);
      const interval = ref.intervalMs ?? this.config.obd?.intervalMs ?? DEFAULT_INTERVAL_MS;
      pollIntervals.set(ref.pid, Math.min(interval, pollIntervals.get(ref.pid) ?? Number.POSITIVE_INFINITY));
    });
    if (issues.length > 0) throw new LoggerConfigError(issues);

    const protocol = this.config.obd?.protocol ?? "CAN11_500";
    const extendedObd = protocol.startsWith("CAN29");
    const headers = new Map<number, number | undefined>();
    for (const m of this.config.signals)
      if ("obd" in m.source && m.source.obd.header !== undefined)
        headers.set(m.source.obd.pid, m.source.obd.header);
    this.obdPolls = [...pollIntervals].map(([pid, intervalMs]) => {
      const header = headers.get(pid);
      return {
        pid,
        intervalMs,
        frame: buildObdRequest(pid, {
          extended: extendedObd,
          ...(header !== undefined ? { id: header } : {}),
          ...(this.config.obd?.padding !== undefined ? { padding: this.config.obd.padding } : {}),
        }),
      };
    });

    this.filters = (this.config.filters ?? []).map((f) => ({
      id: f.id,
      mask: f.mask ?? 0x1fffffff,
      extended: f.extended,
    }));

    const integrity = this.config.integrity ?? "auto";
    if (db && integrity !== "off") {
      const family = integrity === "auto" ? detectChecksumFamily(db.file ?? "") : integrity;
      if (family) this.validator = new FrameValidator(db, { family });
    }
    this.timeouts = new MessageTimeouts(
      [...this.standard.values(), ...this.extended.values()].map((r) => r.message),
    );
  }

  /** True when the configured filters let a frame with this id through. */
  accepts(id: number, extended: boolean): boolean {
    if (this.filters.length === 0) return true;
    for (const f of this.filters) {
      if ((f.extended === undefined || f.extended === extended) && ((id ^ f.id) & f.mask) === 0) return true;
    }
    return this.obdTargets.size > 0 && isObdResponseId(id, extended);
  }

  /** Processes one frame; returns the readings to send now (often none). */
  push(frame: RawFrame): SignalReading[] {
    this.stats.frames++;
    const extended = frame.extended ?? frame.id > 0x7ff;
    if (!this.accepts(frame.id, extended)) {
      this.stats.filtered++;
      return [];
    }
    const route = (extended ? this.extended : this.standard).get(frame.id);
    if (route) return this.pushDbc(route, frame);
    if (this.obdTargets.size > 0 && isObdResponseId(frame.id, extended)) return this.pushObd(frame, extended);
    return [];
  }

  /** Configured messages whose cycle time has passed ten times without a frame. */
  overdue(timestamp: number): string[] {
    return this.timeouts.overdue(timestamp).map((o) => o.message.name);
  }

  private pushDbc(route: MessageRoute, frame: RawFrame): SignalReading[] {
    const { message } = route;
    if (this.validator && !this.validator.check(message, frame.data).valid) {
      this.stats.invalid++;
      return [];
    }
    let values: DecodedSignals;
    let raw: DecodedSignals | undefined;
    try {
      values = message.decode(frame.data, TRUNCATE);
      if (route.wantsChoices) raw = message.decode(frame.data, TRUNCATE_RAW);
    } catch {
      this.stats.errors++;
      return [];
    }
    this.stats.decoded++;
    this.timeouts.seen(message, frame.timestamp);
    const out: SignalReading[] = [];
    for (const t of route.targets) {
      const v = values[t.signal.name];
      if (v === undefined) continue; // not in this frame (other multiplexer branch, or truncated)
      let value: number | string = typeof v === "bigint" ? Number(v) : (v as number);
      if (t.choices && raw && t.signal.choices) {
        const r = raw[t.signal.name];
        const name = t.signal.choices.get(typeof r === "number" ? Math.trunc(r) : (r as bigint));
        if (name !== undefined) value = name;
      }
      this.deliver(t, typeof value === "number" ? t.convert(value) : value, frame.timestamp, out);
    }
    return out;
  }

  private pushObd(frame: RawFrame, extended: boolean): SignalReading[] {
    const key = extended ? frame.id + 0x100000000 : frame.id;
    let rx = this.isoTp.get(key);
    if (!rx) {
      rx = new IsoTpReceiver(
        this.config.obd?.padding !== undefined ? { padding: this.config.obd.padding } : {},
      );
      this.isoTp.set(key, rx);
    }
    const event = rx.push(frame.data);
    if (event.kind === "first") {
      this.send?.({ id: obdRequestIdFor(frame.id, extended), extended, data: event.flowControl });
      return [];
    }
    if (event.kind === "error") this.stats.errors++;
    if (event.kind !== "message") return [];
    let response: ReturnType<typeof decodeObdResponse>;
    try {
      response = decodeObdResponse(event.payload);
    } catch {
      this.stats.errors++;
      return [];
    }
    if (response.kind !== "values") return [];
    this.stats.decoded++;
    const out: SignalReading[] = [];
    for (const answer of response.values) {
      const targets = this.obdTargets.get(answer.pid);
      if (!targets) continue;
      for (const t of targets) {
        const values = t.formula
          ? t.formula.decode(singleFrameView(1, answer.pid, answer.data))
          : answer.values;
        const v: SignalValue | undefined = values[t.field];
        if (v === undefined) continue;
        this.deliver(t, t.convert(Number(v)), frame.timestamp, out);
      }
    }
    return out;
  }

  private deliver(t: Target, value: number | string, timestamp: number, out: SignalReading[]): void {
    if (typeof value === "number" && !Number.isFinite(value)) {
      this.stats.suppressed++;
      return;
    }
    const d = t.delivery;
    if (t.lastTime !== undefined) {
      const elapsed = timestamp - t.lastTime;
      if (elapsed < d.minIntervalMs) {
        this.stats.suppressed++;
        return;
      }
      const heartbeat = d.maxIntervalMs !== undefined && elapsed >= d.maxIntervalMs;
      if (!heartbeat) {
        const last = t.lastValue;
        if (
          d.changeThreshold > 0 &&
          typeof value === "number" &&
          typeof last === "number" &&
          Math.abs(value - last) < d.changeThreshold
        ) {
          this.stats.suppressed++;
          return;
        }
        if (d.dedupe && value === last) {
          this.stats.suppressed++;
          return;
        }
      }
    }
    t.lastTime = timestamp;
    t.lastValue = value;
    this.stats.readings++;
    out.push({ timestamp, name: t.name, value });
  }
}

/** ` (did you mean X?)` for the closest candidate by edit distance, when one is close. */
function suggest(wanted: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const w = wanted.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 3))
    ? ` (did you mean ${best}?)`
    : "";
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
