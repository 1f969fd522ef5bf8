/**
 * The MQTT broker embedded in the node (aedes), as the device transport.
 *
 * - Devices log in by signature (login.ts); unknown and banned devices are refused at CONNECT.
 * - A device publishes only on its own `devices/<address>/<kind>` and subscribes only under it.
 * - Each QoS 1 PUBLISH is handed to the ingest from aedes' authorizePublish hook, which aedes
 *   awaits before it writes the PUBACK: the PUBACK leaves only once the event is committed (or
 *   refused). A refusal is acknowledged too (resending cannot help) and explained on
 *   `devices/<address>/rejections`. A failed commit closes the connection without PUBACK, so
 *   the device sends again.
 * - Backpressure: aedes reads a client's next socket chunk only when every packet of the previous
 *   one is done, and the hook waits while the ingest queue is full, so an overloaded node stops
 *   reading and TCP slows the devices down; memory stays bounded by connections × one chunk.
 * - Device data is never forwarded to subscribers: the node is the only consumer.
 * - A PUBLISH may carry a batch: a CloudEvents JSON batch (`application/cloudevents-batch+json`,
 *   the MQTT 5 content type, or any payload that is a JSON array). Each event is admitted on its
 *   own; the single PUBACK leaves once every one is committed or refused, and a refusal is
 *   explained with the event's index in the batch. One publish for many events spares the device,
 *   the broker and the node the per-message work (BENCHMARKS.md).
 */
import { createServer as createTcpServer, type Server } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from "aedes";
import type { Address } from "viem";
import type { DeviceDirectory } from "../../identity/types.ts";
import { IngestRejectedError } from "../errors.ts";
import type { Ingest, IngestOutcome } from "../ingest.ts";
import { DeviceLoginError, verifyDeviceLogin } from "./login.ts";
import { admitPayload } from "./payload.ts";
import { deviceOfTopic, isOwnTopic, rejectionsTopic } from "./topics.ts";

export interface MqttBrokerOptions {
  ingest: Ingest;
  directory: DeviceDirectory;
  chainId: number;
  port?: number;
  host?: string;
  /** TLS key and certificate: serve MQTTS instead of plain MQTT. */
  tls?: TlsOptions;
  /** Most device connections at once (default 10,000). */
  maxConnections?: number;
  /** Most events in one batch PUBLISH (default 1000). */
  maxBatchEvents?: number;
  /** Login time tolerance (default 5 minutes). */
  loginSkewMs?: number;
  now?: () => number;
}

export interface MqttBroker {
  readonly port: number;
  readonly broker: Aedes;
  close(): Promise<void>;
}

const NOT_AUTHORIZED = 5;
const BAD_USERNAME_OR_PASSWORD = 4;

export async function startMqttBroker(options: MqttBrokerOptions): Promise<MqttBroker> {
  const { ingest, directory } = options;
  const maxBatch = options.maxBatchEvents ?? 1000;
  const now = options.now ?? Date.now;
  const devices = new WeakMap<Client, Address>();

  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      let address: Address;
      try {
        address = verifyDeviceLogin(username, password, {
          chainId: options.chainId,
          now: now(),
          ...(options.loginSkewMs !== undefined ? { skewMs: options.loginSkewMs } : {}),
        });
      } catch (error) {
        const reason = error instanceof DeviceLoginError ? error.reason : "malformed";
        ingest.metrics.mqttAuthFailures.inc({ reason });
        return done(authError(BAD_USERNAME_OR_PASSWORD, (error as Error).message), false);
      }
      const status = directory.resolveDevice(address, now()).status;
      if (status === "unknown" || status === "banned") {
        ingest.metrics.mqttAuthFailures.inc({ reason: `${status}_device` });
        return done(authError(NOT_AUTHORIZED, `device ${address} is ${status}`), false);
      }
      devices.set(client, address);
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the node's own notices
      const address = devices.get(client);
      if (!address) return done(new Error("not logged in"));
      packet.retain = false; // devices may not pin messages in the broker's memory
      handlePublish(address, packet).then(
        () => done(null),
        (error: Error) => done(error),
      );
    },
    authorizeSubscribe(client, subscription, done) {
      const address = devices.get(client);
      done(null, address && isOwnTopic(subscription.topic, address) ? subscription : null);
    },
    authorizeForward(client, packet) {
      const address = devices.get(client);
      return address && packet.topic === rejectionsTopic(address) ? packet : null;
    },
  });
  broker.on("client", () => ingest.metrics.mqttConnections.inc());
  broker.on("clientDisconnect", () => ingest.metrics.mqttConnections.dec());

  async function handlePublish(address: Address, packet: PublishPacket): Promise<void> {
    const origin = {
      transport: "mqtt" as const,
      deviceAddress: address,
      contentType: packet.properties?.contentType,
    };
    const topicDevice = deviceOfTopic(packet.topic);
    if (!topicDevice || topicDevice !== address) {
      const refusal = new IngestRejectedError(
        "topic_not_allowed",
        `Device ${address} may publish only on devices/${address.toLowerCase()}/<kind>, not on ${packet.topic.slice(0, 200)}.`,
      );
      notify(address, packet, ingest.countRejection(origin, refusal));
      return;
    }
    await admitPayload(ingest, packet.payload as Buffer, origin, {
      maxBatchEvents: maxBatch,
      onRefused: (outcome, index) => notify(address, packet, outcome, index),
    });
  }

  /**
   * Tells the device why a message was refused; `messageId` (QoS ≥ 1) says which one, and `index`
   * which event of a batch.
   */
  function notify(address: Address, packet: PublishPacket, outcome: IngestOutcome, index?: number): void {
    const notice = {
      ...outcome,
      topic: packet.topic,
      messageId: packet.messageId ?? null,
      ...(index !== undefined ? { index } : {}),
    };
    broker.publish(
      {
        cmd: "publish",
        topic: rejectionsTopic(address),
        payload: Buffer.from(JSON.stringify(notice)),
        qos: 0,
        retain: false,
        dup: false,
      },
      () => {},
    );
  }

  const server: Server = options.tls
    ? createTlsServer(options.tls, broker.handle)
    : createTcpServer(broker.handle);
  server.maxConnections = options.maxConnections ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 1883, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 1883);
  return {
    port,
    broker,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function authError(code: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}
