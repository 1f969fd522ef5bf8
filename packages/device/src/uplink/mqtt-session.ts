/**
 * One MQTT connection of the device that stays up: it connects, and after every loss it waits
 * `reconnectPeriodMs` and connects again, asking `credentials` for a login signed just before
 * each attempt. mqtt.js' own reconnection cannot do that — it resends the CONNECT it built the
 * first time, whose signed login a node refuses after a few minutes, and it stops for good after a
 * refused CONNACK. The uplink and the command link each keep one.
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";

export interface MqttSessionOptions {
  url: string;
  clientId: string;
  /** Credentials signed afresh for each attempt (they take precedence over username/password). */
  credentials?: () => Promise<{ username: string; password: string }>;
  username?: string;
  password?: string;
  /** PEM of the CA that signs the broker's certificate (mqtts). */
  ca?: string;
  /** Delay between attempts. Default 2 s. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
}

export class MqttSession {
  readonly client: MqttClient;
  readonly #o: MqttSessionOptions;
  #dialled = false;
  #ended = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: MqttSessionOptions) {
    this.#o = options;
    const client = connect(options.url, {
      clientId: options.clientId,
      protocolVersion: 4,
      clean: true,
      // Reconnection is ours (#dial).
      reconnectPeriod: 0,
      manualConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      keepalive: 60,
      ...(options.username !== undefined && { username: options.username }),
      ...(options.password !== undefined && { password: options.password }),
      ...(options.ca !== undefined && { ca: options.ca }),
    } satisfies IClientOptions);
    this.client = client;
    client.on("close", () => this.#schedule());
    // Errors surface as failed sends and reconnections; the listener keeps them from being thrown.
    client.on("error", () => {});
  }

  /** Makes the first attempt; later ones follow every loss of the connection. */
  open(): void {
    if (!this.#dialled && !this.#ended) void this.#dial();
  }

  #schedule(): void {
    if (this.#ended || this.#retry) return;
    this.#retry = setTimeout(() => void this.#dial(), this.#o.reconnectPeriodMs ?? 2000);
  }

  /** One connection attempt, with credentials signed just before it. */
  async #dial(): Promise<void> {
    this.#retry = undefined;
    if (this.#ended) return;
    const client = this.client;
    if (this.#o.credentials) {
      try {
        Object.assign(client.options, await this.#o.credentials());
      } catch {
        // The secure element did not sign (busy, unplugged): try again after the period.
        this.#schedule();
        return;
      }
      if (this.#ended) return;
    }
    if (!this.#dialled) {
      this.#dialled = true;
      client.connect();
    } else {
      // Keep the stores: QoS 1 messages not yet acknowledged are sent again on the new connection.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }
  }

  async end(): Promise<void> {
    this.#ended = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    // Before the first attempt mqtt.js has no stream to end.
    if (this.#dialled) await this.client.endAsync(true);
  }
}
