import { parseEvent } from "@dimo-open/stream";
import { describe, expect, it } from "vitest";
import { encode, statusEvent, testDevice } from "./__fixtures__/devices.ts";
import { normalizePayload } from "./normalize.ts";

const device = testDevice(80);
const t = Date.now() - 10_000;

function normalize(data: object, extra: object = {}) {
  return normalizePayload(
    parseEvent(encode({ ...statusEvent(device, { timeMs: t }), dimosequence: "1", ...extra, data })),
  );
}

describe("normalisation to catalogue rows", () => {
  it("keeps valid catalogue values and drops the rest, saying why", () => {
    const out = normalize({
      signals: [
        { timestamp: t, name: "speed", value: 50 },
        {
          timestamp: new Date(t).toISOString(),
          name: "powertrainTractionBatteryStateOfChargeCurrent",
          value: 80,
        },
        { timestamp: t, name: "currentLocationCoordinates", value: { latitude: 1.5, longitude: 2.5 } },
        { timestamp: t, name: "notASignal", value: 1 },
        { timestamp: t, name: "speed", value: "fast" },
        { timestamp: t, name: "powertrainTractionBatteryStateOfChargeCurrent", value: 140 },
        { timestamp: t, name: "speed", value: 51 },
      ],
    });
    expect(out.signals).toEqual([
      { name: "speed", timestamp: t, value: 50 },
      { name: "powertrainTractionBatteryStateOfChargeCurrent", timestamp: t, value: 80 },
      { name: "currentLocationCoordinates", timestamp: t, value: { latitude: 1.5, longitude: 2.5 } },
    ]);
    expect(out.dropped.map((d) => d.reason)).toEqual([
      "unknownSignal",
      "wrongType",
      "outOfRange",
      "duplicate",
    ]);
  });

  it("maps the AutoPi shape inside a CloudEvents 1.0 envelope too, combining location parts", () => {
    const out = normalize(
      {
        timestamp: t,
        device: { batteryVoltage: 12.6, imei: "353338970358112" },
        vehicle: {
          signals: [
            { timestamp: t, name: "vehicleSpeed", value: 30 },
            { timestamp: t, name: "latitude", value: 48.1 },
            { timestamp: t, name: "longitude", value: 11.5 },
            { timestamp: t + 1, name: "latitude", value: 48.2 },
          ],
        },
      },
      { dataversion: "autopi/v2" },
    );
    expect(out.signals).toEqual([
      { name: "speed", timestamp: t, value: 30 },
      { name: "lowVoltageBatteryCurrentVoltage", timestamp: t, value: 12.6 },
      { name: "currentLocationCoordinates", timestamp: t, value: { latitude: 48.1, longitude: 11.5 } },
    ]);
    expect(out.dropped).toEqual([
      { name: "imei", reason: "unmapped" },
      { name: "currentLocationCoordinates", reason: "badLocation" },
    ]);
  });

  it("keeps vehicle events and ignores payloads without signals", () => {
    const out = normalize(
      { events: [{ name: "behavior.harshBraking", timestamp: t, durationNs: 5, metadata: "{}" }] },
      {
        type: "dimo.events",
      },
    );
    expect(out.vehicleEvents).toEqual([
      { name: "behavior.harshBraking", timestamp: t, durationNs: 5, metadata: "{}" },
    ]);
    expect(normalize({ vin: "1HGCM82633A004352" }, { type: "dimo.fingerprint" }).signals).toEqual([]);
  });
});
