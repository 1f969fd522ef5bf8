import { type Address, getAddress, isAddress } from "viem";

/**
 * MQTT topics of the device transport. A device publishes its events on `devices/<address>/<kind>`
 * (DIMO publishes on `devices/<address>/status`; any single-level kind but `rejections` is
 * accepted: the event's `type` says what it is) and may subscribe to `devices/<address>/rejections`,
 * where the node tells it, per message, why it refused one.
 */
export const DEVICE_TOPIC_ROOT = "devices";
export const REJECTIONS_KIND = "rejections";

/** The address of a device data topic, or undefined when the topic is not one. */
export function deviceOfTopic(topic: string): Address | undefined {
  const parts = topic.split("/");
  if (
    parts.length !== 3 ||
    parts[0] !== DEVICE_TOPIC_ROOT ||
    parts[2] === "" ||
    parts[2] === REJECTIONS_KIND
  ) {
    return undefined;
  }
  const address = parts[1]!;
  return isAddress(address, { strict: false }) ? getAddress(address) : undefined;
}

export function rejectionsTopic(address: Address): string {
  return `${DEVICE_TOPIC_ROOT}/${address.toLowerCase()}/${REJECTIONS_KIND}`;
}

/** True when `topic` (a filter or a topic) lies under the device's own `devices/<address>/`. */
export function isOwnTopic(topic: string, address: Address): boolean {
  const prefix = `${DEVICE_TOPIC_ROOT}/${address.toLowerCase()}/`;
  return topic.toLowerCase().startsWith(prefix) && topic.length > prefix.length;
}
