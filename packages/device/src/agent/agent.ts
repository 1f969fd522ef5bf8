/**
 * The device agent: the loop that ties the hardware edges (CAN, battery voltage, GNSS, the
 * secure element, the modem) to the node. Each second it feeds the power state machine; while
 * awake it decodes CAN frames with the applied logger configuration, polls OBD-II when the
 * engine runs, samples the position, and every `eventIntervalMs` turns the readings into a
 * signed status event in the store-and-forward buffer; the forwarder drains the buffer whenever
 * the modem is allowed on. Asleep, it listens to nothing, sends nothing, and keeps the buffer.
 * It fetches its configuration from the node on start and then periodically, applying a new
 * one only when its version changed, and reports the versions it runs in every status event.
 */
import { join } from "node:path";
import type { SignalReading } from "@dimo-open/can";
import type { CodecName } from "@dimo-open/stream";
import type { Logger } from "pino";
import { pino } from "pino";
import { type BufferedEvent, EventBuffer } from "../buffer/event-buffer.ts";
import type { CanSource } from "../can/can-source.ts";
import type { DeviceConfigClient } from "../config/config-client.ts";
import { DeviceConfigStore, type DeviceConfiguration } from "../config/config-store.ts";
import type { SecureElement } from "../keystore/secure-element.ts";
import { SignalLogger } from "../logger/signal-logger.ts";
import { initialPowerState, type PowerState, powerCapabilities, stepPower } from "../power/power.ts";
import { DEFAULT_POWER_SETTINGS, type PowerSettings } from "../power/settings.ts";
import type { PositionSource, VoltageSensor } from "../sensors/sensors.ts";
import { Forwarder } from "../uplink/forwarder.ts";
import { type EventIdentity, Outbox } from "../uplink/outbox.ts";
import { PersistentSequence } from "../uplink/sequence-store.ts";
import type { Uplink } from "../uplink/uplink.ts";

export interface DeviceAgentOptions {
  element: SecureElement;
  identity: EventIdentity;
  /** Where the buffer, the sequence numbers and the configuration cache live. */
  dataDir: string;
  can: CanSource;
  uplink: Uplink;
  codec: CodecName;
  /**
   * Send "2b" batches: events wait unsigned until `maxEvents` are there (or the oldest waited
   * `maxDelayMs`, default 5 s), then go signed once, as one message. Needs codec json.
   */
  batch?: { maxEvents: number; maxDelayMs?: number };
  voltage?: VoltageSensor;
  position?: PositionSource;
  /** The node's configuration service; without it, `configuration` must be given. */
  configClient?: DeviceConfigClient;
  /** A configuration to run before (or instead of) the node's. */
  configuration?: Omit<DeviceConfiguration, "versions"> & { versions?: DeviceConfiguration["versions"] };
  bufferBudgetBytes?: number;
  /** Readings are batched into one status event this often. Default 10 s. */
  eventIntervalMs?: number;
  /** A status event goes at least this often while awake, readings or not. Default 5 min. */
  heartbeatMs?: number;
  /** How often to ask the node whether the configuration changed. Default 1 h. */
  configRefreshMs?: number;
  /** Loop period. Default 1 s. */
  tickMs?: number;
  /** The device clock (ms). */
  now?: () => number;
  firmwareVersion?: string;
  vin?: string;
  log?: Logger;
  /** Event ids (default random UUIDs). */
  newId?: () => string;
  /**
   * While true the device is as if unplugged (power lost, out of coverage): it neither listens
   * nor sends. The simulator's dropout fault uses it.
   */
  suspended?: () => boolean;
}

const MAX_SIGNALS_PER_EVENT = 500;

export interface AgentStatus {
  power: PowerState;
  configuration: DeviceConfiguration["versions"] | undefined;
  buffer: EventBuffer["stats"];
  forwarder: Forwarder["stats"];
  logger: SignalLogger["stats"];
  uplinkOn: boolean;
  events: number;
}

export class DeviceAgent {
  readonly #o: DeviceAgentOptions;
  readonly #log: Logger;
  readonly buffer: EventBuffer;
  readonly forwarder: Forwarder;
  readonly outbox: Outbox;
  readonly logger: SignalLogger;
  readonly config: DeviceConfigStore;
  #power: PowerState;
  #settings: PowerSettings = { ...DEFAULT_POWER_SETTINGS };
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #tickDone: Promise<void> = Promise.resolve();
  #stopped = false;
  #lastActivityInput = Number.NEGATIVE_INFINITY;
  #lastEvent: number;
  #lastHeartbeat = Number.NEGATIVE_INFINITY;
  #lastLocation = Number.NEGATIVE_INFINITY;
  #lastConfigCheck = Number.NEGATIVE_INFINITY;
  #uplinkOn = false;
  #volts: number | undefined;
  #events = 0;
  /** The last position fix, sent with the next event (positions do not go through the CAN pipeline). */
  #pendingLocation: { timestamp: number; name: string; value: unknown } | undefined;

  constructor(options: DeviceAgentOptions) {
    this.#o = options;
    this.#log = options.log ?? pino({ name: "dimo-device" });
    const now = this.#now();
    this.#power = initialPowerState(now);
    this.#lastEvent = now;
    this.buffer = EventBuffer.open({
      dir: join(options.dataDir, "buffer"),
      budgetBytes: options.bufferBudgetBytes ?? 8 * 1024 * 1024,
    });
    this.forwarder = new Forwarder({
      buffer: this.buffer,
      uplink: options.uplink,
      onRejected: ({ id, error }) =>
        this.#log.warn({ id, error: error.shortMessage, details: error.details }, "node refused an event"),
      // Always able to seal: unsigned events left by a run with batches on still go.
      seal: (members) => this.outbox.seal(members),
      ...(options.batch && { batchMaxEvents: options.batch.maxEvents }),
      ...(options.batch?.maxDelayMs !== undefined && { batchMaxDelayMs: options.batch.maxDelayMs }),
    });
    this.outbox = new Outbox({
      signer: options.element,
      sequence: PersistentSequence.open(join(options.dataDir, "sequence.json")),
      buffer: this.buffer,
      codec: options.codec,
      identity: options.identity,
      ...(options.batch && { batch: true }),
      now: () => this.#now(),
      onAppended: () => this.forwarder.kick(),
      ...(options.newId && { newId: options.newId }),
    });
    this.logger = new SignalLogger(options.can.send ? { send: (f) => options.can.send!(f) } : {});
    this.config = new DeviceConfigStore({
      dir: join(options.dataDir, "config"),
      ...(options.configClient && { client: options.configClient }),
    });
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  get status(): AgentStatus {
    return {
      power: this.#power,
      configuration: this.config.applied?.versions ?? this.#o.configuration?.versions,
      buffer: this.buffer.stats,
      forwarder: this.forwarder.stats,
      logger: this.logger.stats,
      uplinkOn: this.#uplinkOn,
      events: this.#events,
    };
  }

  /** Applies a configuration now (the logger and the power settings). */
  apply(
    configuration: Omit<DeviceConfiguration, "versions"> & { versions?: DeviceConfiguration["versions"] },
  ): void {
    this.logger.apply(configuration, configuration.versions?.pid);
    this.#settings = configuration.power;
    this.#log.info({ versions: configuration.versions }, "configuration applied");
  }

  async start(options: { loop?: boolean } = {}): Promise<void> {
    const cached = this.config.load();
    if (cached) this.apply(cached);
    else if (this.#o.configuration) this.apply(this.#o.configuration);
    await this.#o.can.start((frame) => {
      if (!powerCapabilities(this.#power, this.#settings).listen || this.#o.suspended?.()) return;
      this.logger.push(frame);
      if (frame.timestamp - this.#lastActivityInput >= 1000) {
        this.#lastActivityInput = frame.timestamp;
        this.#power = stepPower(this.#power, { kind: "activity", at: this.#now() }, this.#settings);
      }
    });
    if (options.loop !== false) {
      // A failed pass (the secure element did not sign, the disk is full) is logged and the
      // loop goes on: the next pass tries again, and the process does not die of it.
      this.#timer = setInterval(
        () =>
          this.tick().catch((error: unknown) =>
            this.#log.error({ error: (error as Error).message }, "agent loop pass failed"),
          ),
        this.#o.tickMs ?? 1000,
      );
    }
  }

  /** One pass of the loop (the timer calls it; tests and benchmarks may call it directly). */
  tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return this.#tickDone;
    this.#tickDone = this.#tick();
    return this.#tickDone;
  }

  async #tick(): Promise<void> {
    this.#ticking = true;
    try {
      if (this.#o.suspended?.()) {
        if (this.#uplinkOn) await this.#uplinkDown();
        return;
      }
      const now = this.#now();
      if (this.#o.voltage) {
        try {
          this.#volts = await this.#o.voltage.read();
          this.#power = stepPower(
            this.#power,
            { kind: "voltage", at: now, volts: this.#volts },
            this.#settings,
          );
        } catch (error) {
          this.#log.warn({ error: (error as Error).message }, "battery voltage unreadable");
        }
      }
      const before = this.#power.mode;
      this.#power = stepPower(this.#power, { kind: "tick", at: now }, this.#settings);
      if (this.#power.mode !== before)
        this.#log.info({ from: before, to: this.#power.mode, reason: this.#power.reason }, "power");
      const caps = powerCapabilities(this.#power, this.#settings);

      this.logger.poll(now, caps.poll);
      if (caps.listen && this.#o.position && now - this.#lastLocation >= this.#settings.locationPeriodMs) {
        this.#lastLocation = now;
        await this.#samplePosition(now);
      }
      if (caps.uplink && !this.#uplinkOn) await this.#uplinkUp();
      if (
        caps.uplink &&
        this.#o.configClient &&
        now - this.#lastConfigCheck >= (this.#o.configRefreshMs ?? 3_600_000)
      ) {
        this.#lastConfigCheck = now;
        await this.refreshConfiguration();
      }
      const interval = this.#o.eventIntervalMs ?? 10_000;
      if (caps.listen && now - this.#lastEvent >= interval) await this.flush();
      if (caps.uplink && now - this.#lastHeartbeat >= (this.#o.heartbeatMs ?? 300_000))
        await this.flush({ heartbeat: true });
      if (!caps.uplink && this.#uplinkOn) await this.#uplinkDown();
    } finally {
      this.#ticking = false;
    }
  }

  async #samplePosition(now: number): Promise<void> {
    try {
      const fix = await this.#o.position!.read();
      if (!fix) return;
      this.#pendingLocation = {
        timestamp: now,
        name: "currentLocationCoordinates",
        value: {
          latitude: fix.latitude,
          longitude: fix.longitude,
          ...(fix.hdop !== undefined && { hdop: fix.hdop }),
        },
      };
    } catch (error) {
      this.#log.warn({ error: (error as Error).message }, "position unreadable");
    }
  }

  /** Asks the node for its configuration; applies it when its version changed. */
  async refreshConfiguration(): Promise<boolean> {
    try {
      const result = await this.config.refresh();
      if (result.changed) this.apply(result.configuration);
      return result.changed;
    } catch (error) {
      this.#log.warn(
        { error: (error as Error).message },
        "configuration not refreshed; keeping the one in force",
      );
      return false;
    }
  }

  /**
   * Builds status events from the readings collected so far (now, not at the next interval):
   * one event, or several of at most 500 signals each after a long burst, so that none comes
   * near the node's size limits. Returns the last event stored.
   */
  async flush(options: { heartbeat?: boolean } = {}): Promise<BufferedEvent | undefined> {
    const now = this.#now();
    this.#lastEvent = now;
    const signals: { timestamp: number; name: string; value: unknown }[] = this.logger.take();
    const location = this.#pendingLocation;
    if (location) {
      signals.push(location);
      this.#pendingLocation = undefined;
    }
    if (signals.length === 0 && !options.heartbeat) return undefined;
    this.#lastHeartbeat = now;
    const caps = powerCapabilities(this.#power, this.#settings);
    const versions = this.config.applied?.versions ?? this.#o.configuration?.versions;
    const device = {
      firmware: this.#o.firmwareVersion ?? "0.0.0",
      power: this.#power.mode,
      ...(this.#volts !== undefined && { batteryVoltage: this.#volts }),
      batteryCritical: caps.batteryCritical,
      ...(versions && { config: versions }),
      buffer: { pending: this.buffer.stats.pending, thinned: this.buffer.stats.thinned },
      keyCustody: this.#o.element.custody,
    };
    let last: BufferedEvent | undefined;
    for (let i = 0; i === 0 || i < signals.length; i += MAX_SIGNALS_PER_EVENT) {
      const data = {
        timestamp: now,
        signals: signals.slice(i, i + MAX_SIGNALS_PER_EVENT),
        ...(this.#o.vin && { vin: this.#o.vin }),
        device,
      };
      try {
        last = await this.outbox.publish("dimo.status", data as never);
      } catch (error) {
        // Nothing from here on was stored: these readings go with the next event instead.
        const unsent = signals.slice(i);
        if (location && unsent.includes(location)) this.#pendingLocation ??= location;
        this.logger.putBack(unsent.filter((s) => s !== location) as SignalReading[]);
        throw error;
      }
      this.#events++;
    }
    return last;
  }

  async #uplinkUp(): Promise<void> {
    this.#uplinkOn = true;
    // Not awaited: a link that is slow to come up must not stall the loop. Sends fail fast
    // until it is up, and the forwarder resumes on the connection event.
    this.#o.uplink
      .start()
      .catch((error: unknown) => this.#log.warn({ error: (error as Error).message }, "uplink not started"));
    this.forwarder.start();
  }

  async #uplinkDown(): Promise<void> {
    this.#uplinkOn = false;
    this.forwarder.stop();
    this.buffer.flush();
    await this.#o.uplink.stop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    // A tick half-way through signing an event finishes before the buffer closes under it.
    await this.#tickDone;
    await this.#o.can.stop();
    this.forwarder.stop();
    await this.#o.uplink.stop();
    this.buffer.close();
  }
}
