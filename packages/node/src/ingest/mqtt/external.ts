/**
 * Ingest from an external MQTT broker (Mosquitto, EMQX) instead of the embedded one.
 *
 * The broker authenticates devices and keeps their messages; the node subscribes to
 * `devices/+/+` with QoS 1 in a persistent session (clean: false, fixed client ids) and
 * acknowledges each message only after it is committed, so the broker keeps, and redelivers
 * after a reconnect, whatever the node had not committed. Every message is still verified on its
 * own, against the address in its topic. mqtt.js handles a connection's messages one at a time
 * (the next only after the PUBACK), so several connections share the subscription
 * (`$share/<group>/…`) to keep more messages in flight; refusals are published to
 * `devices/<address>/rejections`, as the embedded broker does.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { IngestRejectedError } from "../errors.ts";
import type { Ingest, IngestOutcome } from "../ingest.ts";
import { admitPayload } from "./payload.ts";
import { deviceOfTopic, rejectionsTopic } from "./topics.ts";

export interface ExternalBrokerOptions {
  ingest: Ingest;
  /** e.g. mqtt://127.0.0.1:1883 or mqtts://broker.example:8883 */
  url: string;
  username?: string;
  password?: string;
  /** Client id prefix; each connection appends -<n>. Keep it stable: it names the persistent session. */
  clientId?: string;
  /** Connections sharing the subscription (default 4). */
  connections?: number;
  /** Shared-subscription group (default dimo-ingest). */
  group?: string;
  /** Topic filter (default devices/+/+). */
  topic?: string;
  /** Publish refusals to devices/<address>/rejections (default true). */
  publishRejections?: boolean;
  /** Most events in one batch PUBLISH (a CloudEvents JSON batch; default 1000). */
  maxBatchEvents?: number;
  /** How long the broker keeps the node's session while it is away (default 7 days). */
  sessionExpirySeconds?: number;
  /** Extra mqtt.js options (TLS material, keepalive…). */
  clientOptions?: IClientOptions;
}

export interface ExternalBrokerConsumer {
  /**
   * Disconnects. The broker keeps the session (and queues messages for it) unless `endSession`
   * is true, which ends it (MQTT 5 session expiry 0): for a node that leaves for good.
   */
  close(options?: { endSession?: boolean }): Promise<void>;
}

export async function consumeExternalBroker(options: ExternalBrokerOptions): Promise<ExternalBrokerConsumer> {
  const { ingest } = options;
  const n = options.connections ?? 4;
  const topic = options.topic ?? "devices/+/+";
  const filter = n > 1 ? `$share/${options.group ?? "dimo-ingest"}/${topic}` : topic;
  const clients: MqttClient[] = [];

  async function handle(client: MqttClient, packet: IPublishPacket): Promise<void> {
    const address = deviceOfTopic(packet.topic);
    if (packet.topic.endsWith("/rejections")) return; // the node's own notices
    const origin = {
      transport: "mqtt-external" as const,
      deviceAddress: address,
      contentType: packet.properties?.contentType,
    };
    if (!address) {
      ingest.countRejection(
        origin,
        new IngestRejectedError("topic_not_allowed", `${packet.topic.slice(0, 200)} is not a device topic.`),
      );
      return;
    }
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    await admitPayload(ingest, payload, origin, {
      maxBatchEvents: options.maxBatchEvents ?? 1000,
      onRefused: (outcome, index) => {
        if (options.publishRejections !== false) notify(client, address, packet, outcome, index);
      },
    });
  }

  function notify(
    client: MqttClient,
    address: `0x${string}`,
    packet: IPublishPacket,
    outcome: IngestOutcome,
    index?: number,
  ) {
    const notice = {
      ...outcome,
      topic: packet.topic,
      messageId: packet.messageId ?? null,
      ...(index !== undefined ? { index } : {}),
    };
    client.publish(rejectionsTopic(address), JSON.stringify(notice), { qos: 0 });
  }

  for (let i = 0; i < n; i++) {
    const client = mqtt.connect(options.url, {
      clientId: `${options.clientId ?? "dimo-node-ingest"}-${i}`,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? 7 * 24 * 3600 },
      reconnectPeriod: 1000,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...options.clientOptions,
    });
    client.handleMessage = (packet, callback) => {
      handle(client, packet).then(
        () => callback(),
        () => {
          // Not committed: drop the connection without PUBACK; the broker redelivers on reconnect.
          client.stream.destroy();
        },
      );
    };
    clients.push(client);
  }
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) => {
          const fail = (error: Error) => reject(error);
          client.once("error", fail);
          client.once("connect", (connack) => {
            client.off("error", fail);
            // A resumed session keeps its subscription; subscribing again is harmless.
            if (connack.sessionPresent) return resolve();
            client.subscribe(filter, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
          });
        }),
    ),
  );
  return {
    async close(closeOptions = {}) {
      const properties = closeOptions.endSession ? { properties: { sessionExpiryInterval: 0 } } : {};
      await Promise.all(clients.map((c) => c.endAsync(false, properties)));
    },
  };
}
