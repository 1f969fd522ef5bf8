import { deviceModelsAbi, type HardwareAddresses } from "@dimo-open/protocol";
import { defineEventSource, type EventSource } from "../chain/eventSource.ts";
import type { IdentityWriter } from "./writer.ts";

/**
 * The hardware-licensing layer as an event source of the identity index: [d]Integrations' device
 * bans (DeviceModels), which ingest honours from the moment they are indexed.
 */
export function hardwareEventSources(
  hardware: Pick<HardwareAddresses, "deviceModels">,
): EventSource<IdentityWriter>[] {
  return [
    defineEventSource<typeof deviceModelsAbi, IdentityWriter>({
      name: "deviceModels",
      address: hardware.deviceModels,
      abi: deviceModelsAbi,
      handlers: {
        DeviceBanned: (e, w) => w.banDevice({ deviceId: e.args.deviceId, reason: e.args.reasonURI }),
        DeviceUnbanned: (e, w) => w.unbanDevice({ deviceId: e.args.deviceId }),
      },
    }),
  ];
}
