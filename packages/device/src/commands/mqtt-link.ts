/**
 * The device's command channel: its own MQTT connection (client id `<address>-commands`, beside
 * the uplink's), subscribed with QoS 1 to `devices/<address>/commands`. Like the uplink it is an
 * MqttSession: each (re)connection logs in afresh (`credentials`, e.g. deviceLoginCredentials for
 * a node's embedded broker), a refused login is retried, and it subscribes again; the node sends
 * whatever is pending when it sees the subscription.
 */
import type { Address } from "viem";
import { MqttSession } from "../uplink/mqtt-session.ts";
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
  #session: MqttSession | undefined;

  constructor(private readonly o: MqttCommandLinkOptions) {}

  get connected(): boolean {
    return this.#session?.client.connected ?? false;
  }

  /** Connects and hands every command message to `onCommand` (one at a time is its job). */
  async start(onCommand: (bytes: Uint8Array) => Promise<unknown>): Promise<void> {
    if (this.#session) return;
    const o = this.o;
    const session = new MqttSession({ ...o, clientId: `${o.device}-commands` });
    this.#session = session;
    const client = session.client;
    client.on("message", (_topic, payload) => {
      onCommand(new Uint8Array(payload)).catch(() => {});
    });
    // Subscribed again on every connection; start() returns once the first subscription holds.
    const subscribed = new Promise<void>((resolve) => {
      client.on("connect", () => {
        client.subscribe(commandTopic(o.device), { qos: 1 }, () => resolve());
      });
    });
    session.open();
    await subscribed;
  }

  async stop(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.end();
  }
}
