/** The link from the device to its node: something that delivers one encoded event and says when the node has it. */
import type { CodecName } from "@dimo-open/stream";
import type { UplinkError } from "../errors.ts";

export interface UplinkMessage {
  /** The buffer's record key. */
  key: number;
  /** CloudEvent id and type. */
  id: string;
  type: string;
  codec: CodecName;
  bytes: Uint8Array;
  /** Set when `bytes` are a CloudEvents JSON batch of `count` events ("2b", signed together). */
  batch?: { count: number };
}

/** An event the node refused for good, told after the fact (MQTT: on the rejections topic). */
export interface Refusal {
  id: string;
  error: UplinkError;
}

/** What the node said about a batch it acknowledged: the events it refused for good, by index. */
export interface BatchReceipt {
  refused: { index: number; error: UplinkError }[];
}

export interface Uplink {
  readonly kind: "mqtt" | "http";
  /** Whether sending can be tried now. */
  readonly connected: boolean;
  /** Connects (MQTT) or checks nothing (HTTP). Resolves once usable or rejects. */
  start(): Promise<void>;
  /**
   * Sends one event or batch; resolves only when the node acknowledged it (MQTT PUBACK, HTTP
   * 2xx), for a batch with the events it refused for good (when the transport says which).
   * Rejects with UplinkError; `permanent` when the node refused the message for good, transient
   * (send again, the whole batch) otherwise.
   */
  send(message: UplinkMessage): Promise<BatchReceipt | undefined>;
  /**
   * Refusals the node reports apart from its acknowledgements (MQTT), each once; returns an
   * unsubscribe function. Absent where the acknowledgement says it all (HTTP).
   */
  onRefusal?(listener: (refusal: Refusal) => void): () => void;
  /** Called with true on (re)connection and false on loss; returns an unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  stop(): Promise<void>;
}

/** Where a node's broker explains the messages of a device it refused (its address in lower case). */
export function rejectionsTopic(deviceAddress: string): string {
  return `devices/${deviceAddress.toLowerCase()}/rejections`;
}

/** The MQTT 5 / HTTP content type of a CloudEvents JSON batch. */
export const CLOUDEVENTS_BATCH = "application/cloudevents-batch+json";

/** DIMO's topic per device and type: `devices/<address>/status` for dimo.status. */
export function deviceTopic(deviceAddress: string, type: string): string {
  return `devices/${deviceAddress}/${type.replace(/^dimo\./, "")}`;
}
