/**
 * Feeds the performance service with what the transports refuse: wraps an Ingest so that every
 * refusal on a connection the device authenticated (the embedded MQTT broker's signed login, or
 * an external broker's per-device credentials) is recorded against that device. Refusals over
 * HTTP are not: the address in `/v1/devices/<address>/events` is only claimed, and counting it
 * would let anyone get a device reported by posting garbage in its name.
 *
 *   const observed = observeIngest(ingest, performance);
 *   await startMqttBroker({ ingest: observed, … });
 */
import type { Ingest, IngestOutcome, MessageOrigin } from "../../ingest/index.ts";
import type { DeviceObservation } from "./model.ts";

/** Transports whose `origin.deviceAddress` the device proved. */
export const AUTHENTICATED_TRANSPORTS: readonly MessageOrigin["transport"][] = ["mqtt", "mqtt-external"];

export function observeIngest(
  ingest: Ingest,
  sink: { record(observation: DeviceObservation): void },
  o: { transports?: readonly MessageOrigin["transport"][]; now?: () => number } = {},
): Ingest {
  const transports = o.transports ?? AUTHENTICATED_TRANSPORTS;
  const note = (origin: MessageOrigin, outcome: IngestOutcome) => {
    if (outcome.status !== "rejected" || !origin.deviceAddress || !transports.includes(origin.transport))
      return;
    sink.record({
      kind: "rejected",
      device: origin.deviceAddress,
      receivedAt: o.now?.() ?? Date.now(),
      reason: outcome.reason,
    });
  };
  // A proxy rather than a copy: whatever the ingest gains later still reaches the transports.
  return new Proxy(ingest, {
    get(target, property) {
      if (property === "submit") {
        return async (bytes: Uint8Array, origin: MessageOrigin) => {
          const outcome = await target.submit(bytes, origin);
          note(origin, outcome);
          return outcome;
        };
      }
      if (property === "countRejection") {
        return (origin: MessageOrigin, error: Parameters<Ingest["countRejection"]>[1]) => {
          const outcome = target.countRejection(origin, error);
          note(origin, outcome);
          return outcome;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
