/**
 * Runs a simulated fleet end to end: each vehicle gets a device agent with its own key (derived
 * at run time from the development mnemonic, never stored), its own data directory, and the
 * vehicle's faults (a skewed clock, dropouts, garbage on the bus), all sending to one node.
 * What a node operator or a performance service runs to see a fleet's traffic.
 */
import { join } from "node:path";
import { parseDid } from "@dimo-open/protocol";
import { type CodecName, deviceLoginCredentials } from "@dimo-open/stream";
import type { Logger } from "pino";
import { pino } from "pino";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { DeviceAgent } from "../agent/agent.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import type { SecureElement } from "../keystore/secure-element.ts";
import { powerSettingsFromDocument } from "../power/settings.ts";
import { HttpUplink } from "../uplink/http-uplink.ts";
import { MqttUplink } from "../uplink/mqtt-uplink.ts";
import type { EventIdentity } from "../uplink/outbox.ts";
import { createFleet, type FleetOptions, type FleetVehicle } from "./fleet.ts";
import { modelDatabase, modelLoggerConfig } from "./models.ts";
import { simulatedPosition, simulatedVoltage } from "./sensors.ts";
import { SimulatedCanSource } from "./simulated-can-source.ts";

export const DEVELOPMENT_MNEMONIC = "test test test test test test test test test test test junk";

/** The development key of simulated device `index` (HD path m/44'/60'/0'/0/(1000 + index)). */
export function simulatedDeviceElement(index: number, mnemonic = DEVELOPMENT_MNEMONIC): SecureElement {
  const key = mnemonicToAccount(mnemonic, { addressIndex: 1000 + index }).getHdKey().privateKey!;
  return privateKeyElement(bytesToHex(key));
}

export interface SimulatedFleetOptions extends Omit<FleetOptions, "start"> {
  start?: number;
  dataDir: string;
  uplink: { type: "mqtt"; url: string } | { type: "http"; url: string };
  codec?: CodecName;
  /** Simulated ms per real ms (default 1). */
  speed?: number;
  /** The producer and subject DIDs of device `index` (its NFTs, minted by whoever sets up the fleet). */
  identityFor: (index: number, deviceAddress: `0x${string}`) => Omit<EventIdentity, "source">;
  eventIntervalMs?: number;
  log?: Logger;
}

export interface SimulatedFleet {
  vehicles: FleetVehicle[];
  agents: DeviceAgent[];
  elements: SecureElement[];
  stop(): Promise<void>;
}

export async function startSimulatedFleet(o: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const start = o.start ?? Date.now();
  const speed = o.speed ?? 1;
  const vehicles = createFleet({ ...o, start });
  const log = o.log ?? pino({ level: "warn", name: "dimo-fleet" });
  const elements: SecureElement[] = [];
  const agents: DeviceAgent[] = [];
  const wall0 = Date.now();
  for (const { index, vehicle } of vehicles) {
    const element = simulatedDeviceElement(index);
    elements.push(element);
    const identity = { source: element.address, ...o.identityFor(index, element.address) };
    const skew = vehicle.faults.clockSkewMs;
    const now = () => start + (Date.now() - wall0) * speed + skew;
    // A node's broker takes a login signed for the chain of the device's NFT, on the device's clock.
    const chainId = parseDid(identity.producer).chainId;
    const uplink =
      o.uplink.type === "mqtt"
        ? new MqttUplink({
            url: o.uplink.url,
            deviceAddress: element.address,
            credentials: () => deviceLoginCredentials(element, { chainId, now: now() }),
          })
        : new HttpUplink({ url: o.uplink.url, deviceAddress: element.address });
    const agent = new DeviceAgent({
      element,
      identity,
      dataDir: join(o.dataDir, `device-${index}`),
      can: new SimulatedCanSource(vehicle, { speed }),
      uplink,
      codec: o.codec ?? "json+gzip",
      voltage: simulatedVoltage(vehicle),
      position: simulatedPosition(vehicle),
      configuration: {
        logger: modelLoggerConfig(vehicle.model),
        database: modelDatabase(vehicle.model),
        power: powerSettingsFromDocument({}),
      },
      now,
      suspended: () => vehicle.silent(),
      vin: vehicle.vin,
      tickMs: Math.max(10, Math.round(1000 / speed)),
      ...(o.eventIntervalMs !== undefined && { eventIntervalMs: o.eventIntervalMs }),
      log: log.child({ device: index }),
    });
    await agent.start();
    agents.push(agent);
  }
  return {
    vehicles,
    agents,
    elements,
    stop: async () => {
      for (const a of agents) await a.stop();
    },
  };
}
