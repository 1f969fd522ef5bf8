/**
 * The MQTT uplink: QoS 1 publishes to `devices/<address>/<type>` (DIMO's topics). An event
 * counts as delivered on its PUBACK. MQTT 3.1.1 carries no content type, so the node sniffs the
 * codec: JSON, gzip'd JSON and Avro are recognisable, protobuf is not (use HTTP for protobuf).
 * A batch goes as one PUBLISH of its JSON array on `devices/<address>/status`; its one PUBACK
 * acknowledges every event of it. The node acknowledges refused events too (resending cannot help)
 * and explains them on `devices/<address>/rejections` with the PUBLISH's packet id and, in a
 * batch, the event's index. With `refusals` on, the uplink subscribes there and reports each
 * refusal (`onRefusal`) with the event's id, remembered per packet id; a refusal may arrive after
 * the PUBACK (an external broker acknowledges before the node has read the message).
 *
 * The connection is an MqttSession: before every (re)connection it asks `credentials` for a
 * fresh login (a node's embedded broker wants one signed within minutes: deviceLoginCredentials),
 * so a device that was offline for hours logs in again, and a refused login is retried too.
 */

import type { Address } from "viem";
import { UplinkError } from "../errors.ts";
import { MqttSession } from "./mqtt-session.ts";
import {
  type BatchReceipt,
  deviceTopic,
  type Refusal,
  rejectionsTopic,
  type Uplink,
  type UplinkMessage,
} from "./uplink.ts";

export interface MqttUplinkOptions {
  /** mqtt://host:1883, mqtts://host:8883, ws(s)://… */
  url: string;
  deviceAddress: Address;
  /**
   * Credentials signed afresh for each connection attempt: for a node's embedded broker,
   * `() => deviceLoginCredentials(element, { chainId })` from @dimo-open/stream. Takes
   * precedence over `username`/`password`.
   */
  credentials?: () => Promise<{ username: string; password: string }>;
  /** Static credentials, for a broker that takes a password. */
  username?: string;
  password?: string;
  /** PEM of the CA that signs the broker's certificate (mqtts). */
  ca?: string;
  /** Default: the device address. */
  clientId?: string;
  /** How long to wait for a PUBACK before counting the send as failed. Default 10 s. */
  ackTimeoutMs?: number;
  /** Delay between reconnection attempts. Default 2 s. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  /** Subscribe to the node's refusals and report them (onRefusal). Default false. */
  refusals?: boolean;
}

/** Packet ids remembered for refusals that come late; mqtt.js counts ids up to 65535 before reusing one. */
const REMEMBERED_PUBLISHES = 4096;

export class MqttUplink implements Uplink {
  readonly kind = "mqtt" as const;
  readonly #options: MqttUplinkOptions;
  #session: MqttSession | undefined;
  #started: Promise<void> | undefined;
  readonly #listeners = new Set<(connected: boolean) => void>();
  readonly #refusalListeners = new Set<(refusal: Refusal) => void>();
  /** Packet id → the event ids it carried (a batch's in order). */
  readonly #published = new Map<number, string[]>();

  constructor(options: MqttUplinkOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#session?.client.connected ?? false;
  }

  start(): Promise<void> {
    if (this.#session) return this.#started ?? Promise.resolve();
    const o = this.#options;
    const session = new MqttSession({ ...o, clientId: o.clientId ?? o.deviceAddress });
    this.#session = session;
    session.client.on("connect", () => {
      // A clean session: subscribe again on every connection.
      if (o.refusals) session.client.subscribe(rejectionsTopic(o.deviceAddress), { qos: 0 }, () => {});
      this.#emit(true);
    });
    session.client.on("close", () => this.#emit(false));
    if (o.refusals) session.client.on("message", (topic, payload) => this.#refused(topic, payload));
    this.#started = new Promise((resolve) => session.client.once("connect", () => resolve()));
    session.open();
    return this.#started;
  }

  #emit(connected: boolean): void {
    for (const l of this.#listeners) l(connected);
  }

  onRefusal(listener: (refusal: Refusal) => void): () => void {
    this.#refusalListeners.add(listener);
    return () => this.#refusalListeners.delete(listener);
  }

  /** A notice on the rejections topic: which event of which PUBLISH, and why. */
  #refused(topic: string, payload: Buffer): void {
    if (topic !== rejectionsTopic(this.#options.deviceAddress)) return;
    let notice: {
      reason?: string;
      message?: string;
      details?: string;
      messageId?: number | null;
      index?: number;
    };
    try {
      notice = JSON.parse(payload.toString("utf8")) as typeof notice;
    } catch {
      return; // not the node's notice
    }
    const ids = notice.messageId != null ? this.#published.get(notice.messageId) : undefined;
    const index = notice.index ?? 0;
    const id = ids?.[index] ?? `packet ${notice.messageId ?? "?"} #${index}`;
    const error = new UplinkError(`The node refused event ${id}: ${notice.reason ?? "rejected"}.`, {
      permanent: true,
      details: [notice.reason, notice.message, notice.details].filter(Boolean).join(": "),
    });
    for (const l of this.#refusalListeners) l({ id, error });
  }

  /** Remembers what a PUBLISH carried, under the packet id mqtt.js gave it. */
  #remember(client: NonNullable<MqttSession["client"]>, ack: unknown, message: UplinkMessage): void {
    const entry = Object.entries(client.outgoing).find(([, o]) => o.cb === ack);
    if (!entry) return;
    let ids = [message.id];
    if (message.batch) {
      try {
        ids = (JSON.parse(Buffer.from(message.bytes).toString("utf8")) as { id: string }[]).map((e) => e.id);
      } catch {
        // Our own stored batch; if unreadable, refusals name the packet and index instead.
      }
    }
    const messageId = Number(entry[0]);
    this.#published.delete(messageId);
    this.#published.set(messageId, ids);
    if (this.#published.size > REMEMBERED_PUBLISHES)
      this.#published.delete(this.#published.keys().next().value!);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  send(message: UplinkMessage): Promise<BatchReceipt | undefined> {
    const client = this.#session?.client;
    if (!client?.connected) return Promise.reject(new UplinkError("MQTT is not connected."));
    if (message.codec === "protobuf") {
      return Promise.reject(
        new UplinkError("Protobuf events cannot go over MQTT 3.1.1: it carries no content type.", {
          permanent: true,
          details: "Use the json, json+gzip or avro codec on MQTT, or send protobuf over HTTPS.",
        }),
      );
    }
    const topic = deviceTopic(this.#options.deviceAddress, message.batch ? "dimo.status" : message.type);
    const timeoutMs = this.#options.ackTimeoutMs ?? 10_000;
    const what = message.batch
      ? `batch ${message.id} (${message.batch.count} events)`
      : `event ${message.id}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new UplinkError(`No PUBACK for ${what} within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      const ack = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(new UplinkError(`Publishing ${what} failed.`, { cause: error }));
        else resolve(message.batch ? { refused: [] } : undefined);
      };
      client.publish(
        topic,
        Buffer.from(message.bytes),
        {
          qos: 1,
          // Once stored, the packet has its id: remember what it carries, for refusals.
          ...(this.#options.refusals && { cbStorePut: () => this.#remember(client, ack, message) }),
        },
        ack,
      );
    });
  }

  async stop(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    this.#started = undefined;
    await session?.end();
  }
}
