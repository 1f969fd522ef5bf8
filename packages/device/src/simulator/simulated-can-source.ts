/**
 * A simulated vehicle as a CAN source: the device agent reads its frames and polls its ECU
 * exactly as it would a car's. In real time it advances the vehicle with the wall clock (or
 * faster: `speed`); in manual mode a test or a benchmark moves simulated time itself.
 */
import type { ObdFrame } from "@dimo-open/can";
import type { CanSource, FrameListener } from "../can/can-source.ts";
import type { SimulatedVehicle } from "./vehicle.ts";

export interface SimulatedCanSourceOptions {
  /** "realtime" (default): follow the wall clock; "manual": advance() moves time. */
  mode?: "realtime" | "manual";
  /** Simulated milliseconds per real millisecond in real time. Default 1. */
  speed?: number;
  tickMs?: number;
}

export class SimulatedCanSource implements CanSource {
  readonly name: string;
  readonly vehicle: SimulatedVehicle;
  readonly #o: SimulatedCanSourceOptions;
  #listener: FrameListener | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(vehicle: SimulatedVehicle, options: SimulatedCanSourceOptions = {}) {
    this.vehicle = vehicle;
    this.#o = options;
    this.name = `simulator:${vehicle.model.key}:${vehicle.vin}`;
  }

  async start(onFrame: FrameListener): Promise<void> {
    this.#listener = onFrame;
    if ((this.#o.mode ?? "realtime") === "manual") return;
    const speed = this.#o.speed ?? 1;
    const wall0 = Date.now();
    const sim0 = this.vehicle.time;
    this.#timer = setInterval(() => this.advance(sim0 + (Date.now() - wall0) * speed), this.#o.tickMs ?? 20);
  }

  /**
   * Moves simulated time to `to` (ms since the epoch), delivering the frames sent meanwhile,
   * stamped by the device's clock (skewed when the vehicle's device misbehaves that way).
   */
  advance(to: number): void {
    const listener = this.#listener;
    if (!listener) return;
    const skew = this.vehicle.faults.clockSkewMs;
    this.vehicle.advance(
      to,
      skew === 0 ? listener : (f) => listener({ ...f, timestamp: f.timestamp + skew }),
    );
  }

  send(frame: ObdFrame): void {
    this.vehicle.receive(frame);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listener = undefined;
  }
}
