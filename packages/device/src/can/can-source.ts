/**
 * Where CAN frames come from: a SocketCAN interface on a real device, a candump log replayed,
 * or a simulated vehicle. Every source delivers frames with a millisecond timestamp to one
 * callback; those that sit on a real bus can also send (OBD-II requests, ISO-TP flow control).
 */
import type { ObdFrame, RawFrame } from "@dimo-open/can";

export type FrameListener = (frame: RawFrame) => void;

export interface CanSource {
  readonly name: string;
  /** Starts delivering frames to `onFrame`. */
  start(onFrame: FrameListener): Promise<void>;
  /** Sends a frame on the bus; absent on sources that cannot (a log replay). */
  send?(frame: ObdFrame): void;
  stop(): Promise<void>;
  /** For finite sources (a replay without loop): resolves when every frame was delivered. */
  readonly finished?: Promise<void>;
}
