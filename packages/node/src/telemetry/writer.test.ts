import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import type { StoredEvent } from "./types.ts";
import { TelemetryWriter } from "./writer.ts";

let next = 1n;
function event(overrides: Partial<StoredEvent> = {}): StoredEvent {
  const key = next++;
  return {
    key,
    id: `e${key}`,
    source: "src",
    producer: "did:erc721:1:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:1",
    subject: "did:erc721:1:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
    type: "dimo.status",
    specversion: "1.0",
    time: 1_700_000_000_000,
    dataversion: undefined,
    signer: "0x318F53cC0775fdfcb95A378Fd3228Dc564A28c61",
    scheme: "v2",
    sequence: key,
    receivedAt: 1_700_000_001_000,
    transport: "http",
    header: "{}",
    data: "{}",
    signals: [{ name: "speed", timestamp: 1_700_000_000_000, value: 42 }],
    vehicleEvents: [],
    ...overrides,
  };
}

describe("TelemetryWriter", () => {
  let db: NodeDatabase;
  let writer: TelemetryWriter;
  beforeEach(async () => {
    db = await openDatabase(":memory:");
    writer = await TelemetryWriter.open(db);
  });
  afterEach(() => db.close());

  async function rows(sql: string) {
    return (await (await db.connect()).runAndReadAll(sql)).getRowObjectsJS();
  }

  it("writes number, string and location values and vehicle events, each in its column", async () => {
    const e = event({
      signals: [
        { name: "speed", timestamp: 1_700_000_000_000, value: 42 },
        { name: "powertrainType", timestamp: 1_700_000_000_001, value: "COMBUSTION" },
        {
          name: "currentLocationCoordinates",
          timestamp: 1_700_000_000_002,
          value: { latitude: 1, longitude: 2 },
        },
      ],
      vehicleEvents: [{ name: "behavior.harshBraking", timestamp: 1_700_000_000_003, durationNs: 7 }],
    });
    expect(await writer.write([e])).toEqual(["inserted"]);
    expect(
      await rows("SELECT name, value_number, value_string, value_location FROM signals ORDER BY timestamp"),
    ).toEqual([
      { name: "speed", value_number: 42, value_string: null, value_location: null },
      { name: "powertrainType", value_number: null, value_string: "COMBUSTION", value_location: null },
      {
        name: "currentLocationCoordinates",
        value_number: null,
        value_string: null,
        value_location: { latitude: 1, longitude: 2, hdop: null },
      },
    ]);
    expect(await rows("SELECT name, duration_ns, metadata FROM vehicle_events")).toEqual([
      { name: "behavior.harshBraking", duration_ns: 7n, metadata: null },
    ]);
  });

  it("stores an event given twice in one batch once", async () => {
    const e = event();
    expect(await writer.write([e, e, event()])).toEqual(["inserted", "duplicate", "inserted"]);
    expect(await rows("SELECT count(*)::INT AS n FROM signals")).toEqual([{ n: 2 }]);
  });

  it("keeps writing correctly across the periodic reset of its stage tables", async () => {
    for (let b = 0; b < 6; b++) {
      const outcomes = await writer.write(Array.from({ length: 2000 }, () => event()));
      expect(outcomes.every((o) => o === "inserted")).toBe(true);
    }
    expect(await rows("SELECT count(*)::INT AS n FROM signals")).toEqual([{ n: 12_000 }]);
    expect(await rows("SELECT count(DISTINCT event_id)::INT AS n FROM signals")).toEqual([{ n: 12_000 }]);
  });

  it("refuses a signal name outside the catalogue and leaves nothing behind", async () => {
    await expect(
      writer.write([event({ signals: [{ name: "nope", timestamp: 1, value: 1 }] })]),
    ).rejects.toThrow(/not in the catalogue/);
    expect(await writer.write([event()])).toEqual(["inserted"]);
    expect(await rows("SELECT count(*)::INT AS n FROM cloud_events")).toEqual([{ n: 1 }]);
  });
});
