/**
 * SocketCAN (Linux): raw frames from a CAN interface (can0, vcan0…) through the `socketcan`
 * npm package, a native binding that is an optional dependency: it is loaded when the source
 * starts, and its absence is a clear error rather than a crash at import time.
 */
import { createRequire } from "node:module";
import type { ObdFrame, RawFrame } from "@dimo-open/can";
import { CanSourceError } from "../errors.ts";
import type { CanSource, FrameListener } from "./can-source.ts";

interface NativeMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data: Buffer;
  ts_sec?: number;
  ts_usec?: number;
}

interface RawChannel {
  addListener(event: "onMessage", callback: (message: NativeMessage) => void): void;
  addListener(event: "onStopped", callback: () => void): void;
  setRxFilters(filters: { id: number; mask: number; invert?: boolean }[]): void;
  start(): void;
  stop(): void;
  send(message: { id: number; ext: boolean; rtr: boolean; data: Buffer }): void;
}

interface SocketCanModule {
  createRawChannelWithOptions(
    name: string,
    options: { timestamps?: boolean; non_block_send?: boolean },
  ): RawChannel;
}

export interface SocketCanSourceOptions {
  /** Interface name, e.g. can0. */
  interface: string;
  /** Kernel receive filters (id/mask), so unneeded frames never reach the process. */
  filters?: { id: number; mask: number; extended?: boolean }[];
}

const CAN_EFF_FLAG = 0x80000000;

/** Loads the optional native binding; CanSourceError when it is not installed or not built. */
export function loadSocketCan(): SocketCanModule {
  try {
    return createRequire(import.meta.url)("socketcan") as SocketCanModule;
  } catch (error) {
    throw new CanSourceError("The socketcan package is not available.", {
      details:
        "SocketCAN needs the optional native dependency: on the device (Linux, with python3, make and a C++ compiler) run `npm install socketcan`. Other sources: candump replay or the simulator.",
      cause: error,
    });
  }
}

export class SocketCanSource implements CanSource {
  readonly name: string;
  readonly #options: SocketCanSourceOptions;
  #channel: RawChannel | undefined;

  constructor(options: SocketCanSourceOptions) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(options.interface)) {
      throw new CanSourceError(`${JSON.stringify(options.interface)} is not a network interface name.`);
    }
    this.#options = options;
    this.name = `socketcan:${options.interface}`;
  }

  async start(onFrame: FrameListener): Promise<void> {
    const socketcan = loadSocketCan();
    let channel: RawChannel;
    try {
      channel = socketcan.createRawChannelWithOptions(this.#options.interface, {
        timestamps: true,
        non_block_send: true,
      });
    } catch (error) {
      throw new CanSourceError(`Cannot open CAN interface ${this.#options.interface}.`, {
        details: `Check it exists and is up: ip link show ${this.#options.interface}; sudo ip link set ${this.#options.interface} up type can bitrate 500000.`,
        cause: error,
      });
    }
    if (this.#options.filters?.length) {
      channel.setRxFilters(
        this.#options.filters.map((f) => ({
          id: f.extended ? f.id | CAN_EFF_FLAG : f.id,
          mask: f.extended === undefined ? f.mask : f.mask | CAN_EFF_FLAG,
        })),
      );
    }
    channel.addListener("onMessage", (m) => {
      if (m.err || m.rtr) return;
      const frame: RawFrame = {
        id: m.id,
        extended: m.ext ?? m.id > 0x7ff,
        data: new Uint8Array(m.data),
        timestamp: m.ts_sec !== undefined ? m.ts_sec * 1000 + (m.ts_usec ?? 0) / 1000 : Date.now(),
      };
      onFrame(frame);
    });
    channel.start();
    this.#channel = channel;
  }

  send(frame: ObdFrame): void {
    if (!this.#channel) throw new CanSourceError(`${this.name} is not started.`);
    this.#channel.send({ id: frame.id, ext: frame.extended, rtr: false, data: Buffer.from(frame.data) });
  }

  async stop(): Promise<void> {
    this.#channel?.stop();
    this.#channel = undefined;
  }
}
