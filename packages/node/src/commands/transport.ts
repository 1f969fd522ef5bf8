/**
 * How commands reach devices: the port, and its adapter for the node's embedded MQTT broker.
 *
 * The embedded broker forwards nothing to devices but their refusal notices (device data is
 * never for other subscribers). Commands are published by the node itself on
 * `devices/<address>/commands`; the broker lets a device subscribe only under its own
 * `devices/<address>/`, so forwarding that one topic reaches exactly the device it names. The
 * adapter widens the broker's forwarding rule to it and nothing else.
 */
import type { Aedes, Subscription } from "aedes";
import type { Address } from "viem";
import { commandTopic, deviceOfCommandTopic } from "./wire.ts";

export interface CommandTransport {
  /** Publishes a command to the device's topic (QoS 1, not retained). */
  deliver(device: Address, payload: Uint8Array): Promise<void>;
  /** Calls `listener` when a device subscribes to its commands (it is listening: send what waits). */
  onListening(listener: (device: Address) => void): () => void;
  close(): Promise<void>;
}

/** The adapter for an aedes broker (the node's embedded one: `startMqttBroker(...).broker`). */
export function aedesCommandTransport(broker: Aedes): CommandTransport {
  const listeners = new Set<(device: Address) => void>();
  const original = broker.authorizeForward.bind(broker);
  broker.authorizeForward = (client, packet) =>
    deviceOfCommandTopic(packet.topic) ? packet : original(client, packet);
  const onSubscribe = (subscriptions: Subscription[]) => {
    for (const s of subscriptions) {
      const device = deviceOfCommandTopic(s.topic);
      // Next turn: the subscription is in place once the broker has finished with it.
      if (device)
        setImmediate(() => {
          for (const l of listeners) l(device);
        });
    }
  };
  broker.on("subscribe", onSubscribe);
  return {
    deliver(device, payload) {
      return new Promise((resolve, reject) => {
        broker.publish(
          {
            cmd: "publish",
            topic: commandTopic(device),
            payload: Buffer.from(payload),
            qos: 1,
            retain: false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        );
      });
    },
    onListening(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      broker.removeListener("subscribe", onSubscribe);
      broker.authorizeForward = original;
      listeners.clear();
    },
  };
}
