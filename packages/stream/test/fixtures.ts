/** Shared test data: demo keys derived at run time from the documented development mnemonic. */
import { mnemonicToAccount } from "viem/accounts";
import type { DeviceSigner, UnsignedDeviceEvent } from "../src/index.ts";
import { privateKeySigner } from "../src/index.ts";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export function devPrivateKey(addressIndex = 0): `0x${string}` {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex }).getHdKey().privateKey;
  if (!key) throw new Error("no private key");
  return `0x${Buffer.from(key).toString("hex")}`;
}

export function devSigner(addressIndex = 0): DeviceSigner {
  return privateKeySigner(devPrivateKey(addressIndex));
}

export const CHAIN_ID = 137;
export const DEVICE_DID = "did:erc721:137:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:42";
export const VEHICLE_DID = "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7";
/** A fixed clock for the tests: 2024-04-22T20:40:10Z. */
export const NOW = Date.UTC(2024, 3, 22, 20, 40, 10);

/** DIMO's default payload with `count` signals, as a device would send it. */
export function statusEvent(count = 20, sequence: bigint = 1n): UnsignedDeviceEvent<"dimo.status"> {
  const names = [
    "speed",
    "powertrainCombustionEngineSpeed",
    "powertrainTransmissionTravelledDistance",
    "exteriorAirTemperature",
    "lowVoltageBatteryCurrentVoltage",
  ];
  return {
    specversion: "1.0",
    id: `2fTHzFprm48YzWrOuaMa3wi${sequence}`,
    source: "0xF26421509Efe92861a587482100c6d728aBf1CD0",
    producer: DEVICE_DID,
    subject: VEHICLE_DID,
    time: "2024-04-22T20:40:07.249022183Z",
    type: "dimo.status",
    datacontenttype: "application/json",
    dataversion: "default/v1.0",
    dimosequence: sequence,
    data: {
      timestamp: 1713818407248,
      signals: Array.from({ length: count }, (_, i) => ({
        timestamp: 1713818384653 + i * 180,
        name: names[i % names.length]!,
        value: i % 7 === 6 ? "COMPLETED" : 12.5 + i * 3.25,
      })),
      vin: "1HGCM82633A004352",
    },
  };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
