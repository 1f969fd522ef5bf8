/**
 * The MQTT uplink: QoS 1 publishes to `devices/<address>/<type>` (DIMO's topics). An event
 * counts as delivered on its PUBACK. MQTT 3.1.1 carries no content type, so the node sniffs the
 * codec: JSON, gzip'd JSON and Avro are recognisable, protobuf is not (use HTTP for protobuf).
 *
 * The uplink reconnects by itself rather than through mqtt.js' timer, because a node's
 * embedded broker wants a login signed within minutes of each CONNECT (deviceLoginCredentials):
 * before every attempt it asks `credentials` for a fresh one, so a device that was offline for
 * hours logs in again, and a refused login is retried too (mqtt.js gives up after a refused
 * CONNACK).
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { Address } from "viem";
import { UplinkError } from "../errors.ts";
import { deviceTopic, type Uplink, type UplinkMessage } from "./uplink.ts";

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
}

export class MqttUplink implements Uplink {
  readonly kind = "mqtt" as const;
  readonly #options: MqttUplinkOptions;
  #client: MqttClient | undefined;
  #started: Promise<void> | undefined;
  #dialled = false;
  #retry: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<(connected: boolean) => void>();

  constructor(options: MqttUplinkOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  start(): Promise<void> {
    if (this.#client) return this.#started ?? Promise.resolve();
    const o = this.#options;
    const options: IClientOptions = {
      clientId: o.clientId ?? o.deviceAddress,
      protocolVersion: 4,
      clean: true,
      // Reconnection is ours (#dial): mqtt.js would resend the CONNECT it built the first time.
      reconnectPeriod: 0,
      manualConnect: true,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      keepalive: 60,
      ...(o.username !== undefined && { username: o.username }),
      ...(o.password !== undefined && { password: o.password }),
      ...(o.ca !== undefined && { ca: o.ca }),
    };
    const client = connect(o.url, options);
    this.#client = client;
    this.#dialled = false;
    client.on("connect", () => this.#emit(true));
    client.on("close", () => {
      this.#emit(false);
      this.#scheduleDial(client);
    });
    // Errors surface as failed sends and reconnections; the listener keeps them from being thrown.
    client.on("error", () => {});
    this.#started = new Promise((resolve) => client.once("connect", () => resolve()));
    void this.#dial(client);
    return this.#started;
  }

  #scheduleDial(client: MqttClient): void {
    if (this.#client !== client || this.#retry) return;
    this.#retry = setTimeout(() => void this.#dial(client), this.#options.reconnectPeriodMs ?? 2000);
  }

  /** One connection attempt, with credentials signed just before it. */
  async #dial(client: MqttClient): Promise<void> {
    this.#retry = undefined;
    if (this.#client !== client) return;
    const credentials = this.#options.credentials;
    if (credentials) {
      try {
        Object.assign(client.options, await credentials());
      } catch {
        // The secure element did not sign (busy, unplugged): try again after the period.
        this.#scheduleDial(client);
        return;
      }
      if (this.#client !== client) return;
    }
    if (!this.#dialled) {
      this.#dialled = true;
      client.connect();
    } else {
      // Keep the stores: QoS 1 messages not yet acknowledged are sent again on the new connection.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }
  }

  #emit(connected: boolean): void {
    for (const l of this.#listeners) l(connected);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  send(message: UplinkMessage): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return Promise.reject(new UplinkError("MQTT is not connected."));
    if (message.codec === "protobuf") {
      return Promise.reject(
        new UplinkError("Protobuf events cannot go over MQTT 3.1.1: it carries no content type.", {
          permanent: true,
          details: "Use the json, json+gzip or avro codec on MQTT, or send protobuf over HTTPS.",
        }),
      );
    }
    const topic = deviceTopic(this.#options.deviceAddress, message.type);
    const timeoutMs = this.#options.ackTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new UplinkError(`No PUBACK for event ${message.id} within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      client.publish(topic, Buffer.from(message.bytes), { qos: 1 }, (error) => {
        clearTimeout(timer);
        if (error) reject(new UplinkError(`Publishing event ${message.id} failed.`, { cause: error }));
        else resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#started = undefined;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    if (client) await client.endAsync(true);
  }
}
