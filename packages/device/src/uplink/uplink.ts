/** The link from the device to its node: something that delivers one encoded event and says when the node has it. */
import type { CodecName } from "@dimo-open/stream";

export interface UplinkMessage {
  /** The buffer's record key. */
  key: number;
  /** CloudEvent id and type. */
  id: string;
  type: string;
  codec: CodecName;
  bytes: Uint8Array;
}

export interface Uplink {
  readonly kind: "mqtt" | "http";
  /** Whether sending can be tried now. */
  readonly connected: boolean;
  /** Connects (MQTT) or checks nothing (HTTP). Resolves once usable or rejects. */
  start(): Promise<void>;
  /**
   * Sends one event; resolves only when the node acknowledged it (MQTT PUBACK, HTTP 2xx).
   * Rejects with UplinkError; `permanent` when the node refused this event for good.
   */
  send(message: UplinkMessage): Promise<void>;
  /** Called with true on (re)connection and false on loss; returns an unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  stop(): Promise<void>;
}

/** DIMO's topic per device and type: `devices/<address>/status` for dimo.status. */
export function deviceTopic(deviceAddress: string, type: string): string {
  return `devices/${deviceAddress}/${type.replace(/^dimo\./, "")}`;
}
