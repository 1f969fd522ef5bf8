/**
 * The device's command channel: its own MQTT connection (client id `<address>-commands`, beside
 * the uplink's), subscribed with QoS 1 to `devices/<address>/commands`. Each (re)connection logs
 * in afresh (`credentials`, e.g. deviceLoginCredentials for a node's embedded broker) and
 * subscribes again; the node sends whatever is pending when it sees the subscription.
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { Address } from "viem";
import { commandTopic } from "./wire.ts";

export interface MqttCommandLinkOptions {
  url: string;
  device: Address;
  /** Fresh credentials for each connection attempt (a signed login expires in minutes). */
  credentials?: () => Promise<{ username: string; password: string }>;
  /** PEM of the CA that signs the broker's certificate (mqtts). */
  ca?: string;
  reconnectPeriodMs?: number;
}

export class MqttCommandLink {
  #client: MqttClient | undefined;

  constructor(private readonly o: MqttCommandLinkOptions) {}

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Connects and hands every command message to `onCommand` (one at a time is its job). */
  async start(onCommand: (bytes: Uint8Array) => Promise<unknown>): Promise<void> {
    if (this.#client) return;
    const o = this.o;
    const options: IClientOptions = {
      clientId: `${o.device}-commands`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: o.reconnectPeriodMs ?? 2000,
      keepalive: 60,
      ...(o.ca !== undefined && { ca: o.ca }),
      ...(o.credentials && (await o.credentials())),
    };
    const client = connect(o.url, options);
    this.#client = client;
    // Sign the next login while waiting to reconnect.
    client.on("close", () => {
      o.credentials?.().then(
        (c) => Object.assign(client.options, c),
        () => {},
      );
    });
    client.on("message", (_topic, payload) => {
      onCommand(new Uint8Array(payload)).catch(() => {});
    });
    client.on("error", () => {});
    // Subscribed again on every connection; start() returns once the first subscription holds.
    await new Promise<void>((resolve) => {
      client.on("connect", () => {
        client.subscribe(commandTopic(o.device), { qos: 1 }, () => resolve());
      });
    });
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync(true);
  }
}
