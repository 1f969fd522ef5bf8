/**
 * Test devices and events. Keys are derived at run time from the documented development mnemonic;
 * events are signed for real (v2 through the stream package's signDeviceEvent, legacy with
 * secp256k1 over keccak256 of the data text, as DIMO's devices do).
 */
import { erc721Did } from "@dimo-open/protocol";
import {
  type DeviceSigner,
  type DimoCloudEvent,
  jsonCodec,
  privateKeySigner,
  signDeviceEvent,
  type UnsignedDeviceEvent,
} from "@dimo-open/stream";
import type { Address } from "viem";
import { mnemonicToAccount, sign } from "viem/accounts";
import type { DeviceDirectory, DeviceResolution } from "../../identity/types.ts";
import { legacyDigest } from "../signature.ts";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const CHAIN_ID = 31337;
export const VEHICLES = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF" as Address;
export const DEVICES = "0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA" as Address;

export function devPrivateKey(addressIndex: number): `0x${string}` {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex }).getHdKey().privateKey;
  if (!key) throw new Error("no private key");
  return `0x${Buffer.from(key).toString("hex")}`;
}

export interface TestDevice {
  signer: DeviceSigner;
  address: Address;
  privateKey: `0x${string}`;
  deviceId: bigint;
  vehicleId: bigint;
  did: string;
  vehicleDid: string;
}

/** Device n (mnemonic index 100 + n), with token id n + 1 paired to vehicle n + 1000. */
export function testDevice(n: number, chainId = CHAIN_ID): TestDevice {
  const privateKey = devPrivateKey(100 + n);
  const signer = privateKeySigner(privateKey);
  const deviceId = BigInt(n + 1);
  const vehicleId = BigInt(n + 1000);
  return {
    signer,
    address: signer.address,
    privateKey,
    deviceId,
    vehicleId,
    did: erc721Did(chainId, DEVICES, deviceId),
    vehicleDid: erc721Did(chainId, VEHICLES, vehicleId),
  };
}

/** An in-memory DeviceDirectory: a fixed resolution per address (the chain index's answer). */
export class MemoryDirectory implements DeviceDirectory {
  readonly #entries = new Map<string, DeviceResolution>();

  set(address: Address, resolution: DeviceResolution): this {
    this.#entries.set(address.toLowerCase(), resolution);
    return this;
  }

  pair(device: TestDevice, manufacturerId = 1n): this {
    return this.set(device.address, {
      status: "paired",
      deviceId: device.deviceId,
      manufacturerId,
      vehicleId: device.vehicleId,
    });
  }

  resolveDevice(deviceAddress: Address): DeviceResolution {
    return this.#entries.get(deviceAddress.toLowerCase()) ?? { status: "unknown" };
  }
}

const SIGNAL_NAMES = [
  "speed",
  "powertrainCombustionEngineSpeed",
  "powertrainTransmissionTravelledDistance",
  "exteriorAirTemperature",
  "lowVoltageBatteryCurrentVoltage",
  "powertrainFuelSystemRelativeLevel",
  "obdEngineLoad",
  "powertrainCombustionEngineECT",
  "obdIntakeTemp",
  "chassisAxleRow1WheelLeftTirePressure",
];

/** DIMO's default status payload with `count` numeric signals (distinct name/time pairs). */
export function statusEvent(
  device: TestDevice,
  options: { sequence?: bigint; count?: number; timeMs?: number; id?: string } = {},
): UnsignedDeviceEvent<"dimo.status"> {
  const sequence = options.sequence ?? 1n;
  const time = options.timeMs ?? Date.now() - 1000;
  const count = options.count ?? 20;
  return {
    specversion: "1.0",
    id: options.id ?? `${device.address.slice(2, 10)}-${sequence}`,
    source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
    producer: device.did,
    subject: device.vehicleDid,
    time: new Date(time).toISOString(),
    type: "dimo.status",
    datacontenttype: "application/json",
    dataversion: "default/v1.0",
    dimosequence: sequence,
    data: {
      timestamp: time,
      signals: Array.from({ length: count }, (_, i) => ({
        timestamp: time - 1000 + Math.floor(i / SIGNAL_NAMES.length),
        name: SIGNAL_NAMES[i % SIGNAL_NAMES.length]!,
        value: 10 + i,
      })),
    },
  };
}

export async function signV2<T extends UnsignedDeviceEvent>(
  event: T,
  device: TestDevice,
): Promise<DimoCloudEvent> {
  return (await signDeviceEvent(event, device.signer)) as DimoCloudEvent;
}

export const encode = (event: object): Uint8Array => jsonCodec.encode(event as DimoCloudEvent);

/** A v2-signed default status event, as JSON bytes. */
export async function signedStatus(
  device: TestDevice,
  options: Parameters<typeof statusEvent>[1] = {},
): Promise<Uint8Array> {
  return encode(await signV2(statusEvent(device, options), device));
}

/** DIMO's legacy signature: 65 bytes r‖s‖v over keccak256 of the exact data text. */
export function legacySignature(privateKey: `0x${string}`, dataText: string): Promise<`0x${string}`> {
  const hash = `0x${Buffer.from(legacyDigest(dataText)).toString("hex")}` as const;
  return sign({ hash, privateKey, to: "hex" });
}

/** An event as JSON text with `data` spliced in verbatim (so its exact bytes are what is signed). */
export function withRawData(header: Record<string, unknown>, dataText: string): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(header).slice(0, -1)},"data":${dataText}}`);
}
