import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeDbcBytes } from "../dbc/file.ts";
import { parseDbc } from "../dbc/parser.ts";
import { LoggerConfigError, UnitConversionError } from "../errors.ts";
import { segmentIsoTp } from "../obd/isotp.ts";
import type { ObdFrame } from "../obd/obd.ts";
import { toyotaChecksum } from "../validation/checksums.ts";
import { LoggerPipeline } from "./pipeline.ts";
import { type LoggerConfigInput, loggerConfigJsonSchema, validateLoggerConfig } from "./schema.ts";
import { convertUnit, unitConverter } from "./units.ts";

const schemaFile = new URL("../../schema/logger-config.v1.schema.json", import.meta.url);
const corpus = fileURLToPath(new URL("../../../../../shared/conformance/dbc/", import.meta.url));
const toyota = parseDbc(
  decodeDbcBytes(readFileSync(`${corpus}opendbc/generated/toyota_nodsu_pt_generated.dbc`)),
  {
    file: "toyota_nodsu_pt_generated.dbc",
  },
);

/** A SPEED frame as a Toyota sends it: encoded by the DBC, with its real checksum. */
function speedFrame(kmh: number, timestamp: number, corrupt = false) {
  const message = toyota.message("SPEED")!;
  const data = message.encode({ ENCODER: 0, SPEED: kmh, CHECKSUM: 0 });
  data[7] = toyotaChecksum(message.id, data, message.signal("CHECKSUM")!) ^ (corrupt ? 1 : 0);
  return { id: message.id, data, timestamp };
}

describe("logger configuration: JSON Schema", () => {
  it("is checked in and up to date with the zod schema", () => {
    // Compared as JSON values: the file's layout is the formatter's business.
    const onDisk = JSON.parse(readFileSync(schemaFile, "utf8"));
    expect(
      onDisk,
      "regenerate: npx tsx packages/cli/src/main.ts can logger-schema > packages/can/schema/logger-config.v1.schema.json",
    ).toEqual(loggerConfigJsonSchema());
  });

  it("describes the format (versioned, ids as numbers or hex strings)", () => {
    const schema = loggerConfigJsonSchema() as {
      $id: string;
      properties: Record<string, { const?: number }>;
      required: string[];
    };
    expect(schema.$id).toMatch(/logger-config\/v1\.json$/);
    expect(schema.properties.version!.const).toBe(1);
    expect(schema.required).toEqual(["version", "signals"]);
  });
});

describe("logger configuration: validation", () => {
  it("accepts a complete configuration and normalises hex ids", () => {
    const config = validateLoggerConfig({
      version: 1,
      name: "toyota-rav4",
      dbc: { name: "toyota_nodsu_pt_generated.dbc" },
      filters: [{ id: "0xB4" }, { id: "0x700", mask: "0x700", extended: false }],
      obd: { protocol: "CAN11_500", intervalMs: 2000 },
      delivery: { minIntervalMs: 1000, dedupe: true },
      signals: [
        { name: "speed", source: { dbc: { message: "SPEED", signal: "SPEED" } }, unit: "km/h" },
        { name: "obdEngineLoad", source: { obd: { pid: "0x04" } }, unit: "percent" },
      ],
    } satisfies LoggerConfigInput);
    expect(config.filters).toEqual([{ id: 0xb4 }, { id: 0x700, mask: 0x700, extended: false }]);
    expect(config.signals[1]!.source).toEqual({ obd: { pid: 4 } });
  });

  it("lists every problem with its path", () => {
    try {
      validateLoggerConfig({
        version: 1,
        filters: [{ id: "0x7DF", mask: 0x40000000 }],
        delivery: { minIntervalMs: 5000, maxIntervalMs: 1000 },
        signals: [
          { name: "Vehicle.Speed", source: { dbc: { message: "SPEED", signal: "SPEED" } } },
          { name: "speed", source: { obd: { pid: 0xee } } },
          { name: "speed", source: { obd: { pid: 0x14 } }, unit: "furlong" },
          { name: "oilTemp", source: { obd: { pid: 0x5c, formula: "dbc: 31|8@0+ (1,-40) [0|1]" } } },
          { name: "x", source: { dbc: { message: "A", signal: "B" } }, unit: "km/h", sourceUnit: "degC" },
        ],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LoggerConfigError);
      const issues = (error as LoggerConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      expect(issues).toEqual([
        "filters[0].mask: Too big: expected number to be <=536870911",
        "delivery.maxIntervalMs: maxIntervalMs must not be below minIntervalMs",
        'signals[0].name: "Vehicle.Speed" is not a catalogue signal name: use lowerCamelCase, e.g. speed or powertrainCombustionEngineSpeed',
        'signals[2].unit: unknown unit "furlong": use one we convert (km/h, mph, celsius, degC, kPa, percent, %, V, rpm, km, l, …)',
        'signals[1].source.obd.pid: PID 0xee is not a standard service 01 PID; give its "formula"',
        "signals[2].name: speed is already mapped by signals[1]",
        "signals[2].source.obd.field: PID 0x14 (o2Sensor1) has several values; choose one of o2Sensor1Voltage, o2Sensor1ShortTermFuelTrim",
        expect.stringMatching(
          /^signals\[3\]\.source\.obd\.formula: PID formula .* expected a quoted unit at column 27\.$/,
        ),
        "signals[4].unit: cannot convert degC (temperature) to km/h (speed)",
      ]);
    }
  });

  it("accepts the example of docs/logger-config.md, against the DBC it names", () => {
    const doc = readFileSync(new URL("../../../../docs/logger-config.md", import.meta.url), "utf8");
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]!);
    const pipeline = new LoggerPipeline(example, { database: toyota });
    expect(pipeline.config.name).toBe("toyota-rav4-2019");
    expect(pipeline.obdPolls.map((p) => [p.pid, p.intervalMs])).toEqual([
      [0x05, 5000],
      [0x2f, 60000],
      [0x5c, 5000],
    ]);
  });

  it("refuses a version it does not understand, saying which it does", () => {
    expect(() => validateLoggerConfig({ version: 2, signals: [] })).toThrow(
      /version 2 is not supported; this device understands version 1/,
    );
  });
});

describe("units", () => {
  it("converts between DBC spellings and catalogue units", () => {
    expect(convertUnit(100, "kph", "km/h")).toBe(100);
    expect(convertUnit(60, "mph", "km/h")).toBeCloseTo(96.56064, 10);
    expect(convertUnit(212, "degF", "celsius")).toBeCloseTo(100, 10);
    expect(convertUnit(0, "K", "degC")).toBe(-273.15);
    expect(convertUnit(1, "bar", "kPa")).toBe(100);
    expect(convertUnit(50, "%", "percent")).toBe(50);
    expect(convertUnit(1, "Unit_KiloMeterPerHour", "km/h")).toBe(1);
  });

  it("refuses unknown units and different dimensions", () => {
    expect(() => unitConverter("furlong", "km")).toThrow(UnitConversionError);
    expect(() => unitConverter("km/h", "celsius")).toThrow(
      /Cannot convert "km\/h" \(speed\) to "celsius" \(temperature\)/,
    );
  });
});

describe("LoggerPipeline", () => {
  const base = {
    version: 1 as const,
    signals: [
      { name: "speed", source: { dbc: { message: "SPEED", signal: "SPEED" } }, unit: "mph" },
      {
        name: "powertrainTransmissionCurrentGear",
        source: { dbc: { message: "GEAR_PACKET", signal: "GEAR" } },
        choices: true,
      },
    ],
  };

  it("decodes configured signals into catalogue readings with unit conversion", () => {
    const p = new LoggerPipeline(base, { database: toyota });
    expect(p.push(speedFrame(96.56, 1000))).toEqual([
      { timestamp: 1000, name: "speed", value: expect.closeTo(60, 2) },
    ]);
    const gear = toyota.message("GEAR_PACKET")!;
    const values = Object.fromEntries(gear.signals.map((s) => [s.name, 0]));
    const frame = gear.encode({ ...values, GEAR: "R" });
    expect(p.push({ id: gear.id, data: frame, timestamp: 1001 })).toEqual([
      { timestamp: 1001, name: "powertrainTransmissionCurrentGear", value: "R" },
    ]);
    expect(p.push({ id: 0x123, data: new Uint8Array(8), timestamp: 1002 })).toEqual([]);
    expect(p.stats).toMatchObject({ frames: 3, decoded: 2, readings: 2 });
  });

  it("drops frames with a wrong checksum (Toyota family detected from the DBC name)", () => {
    const p = new LoggerPipeline(base, { database: toyota });
    expect(p.push(speedFrame(50, 0, true))).toEqual([]);
    expect(p.stats.invalid).toBe(1);
    const off = new LoggerPipeline({ ...base, integrity: "off" }, { database: toyota });
    expect(off.push(speedFrame(50, 0, true))).toHaveLength(1);
  });

  it("applies the id filters", () => {
    const p = new LoggerPipeline({ ...base, filters: [{ id: "0x3BC" }] }, { database: toyota });
    expect(p.accepts(0xb4, false)).toBe(false);
    expect(p.push(speedFrame(50, 0))).toEqual([]);
    expect(p.stats.filtered).toBe(1);
    const masked = new LoggerPipeline(
      { ...base, filters: [{ id: "0x0B0", mask: "0x7F0", extended: false }] },
      { database: toyota },
    );
    expect(masked.accepts(0xb4, false)).toBe(true);
    expect(masked.accepts(0xb4, true)).toBe(false);
  });

  it("honours minimum interval, change threshold, deduplication and heartbeat", () => {
    const p = new LoggerPipeline(
      {
        version: 1,
        signals: [
          {
            name: "speed",
            source: { dbc: { message: "SPEED", signal: "SPEED" } },
            delivery: { minIntervalMs: 100, changeThreshold: 1, dedupe: true, maxIntervalMs: 1000 },
          },
        ],
      },
      { database: toyota },
    );
    const sent = (kmh: number, t: number) => p.push(speedFrame(kmh, t)).map((r) => r.value);
    expect(sent(50, 0)).toEqual([50]);
    expect(sent(60, 50)).toEqual([]); // within the minimum interval
    expect(sent(50.5, 200)).toEqual([]); // moved less than the threshold
    expect(sent(52, 300)).toEqual([52]);
    expect(sent(52, 500)).toEqual([]); // unchanged
    expect(sent(52, 1300)).toEqual([52]); // heartbeat after 1000 ms
    expect(p.stats.suppressed).toBe(3);
  });

  it("reports configured messages that went silent for ten cycle times", () => {
    const p = new LoggerPipeline(base, { database: toyota });
    p.push(speedFrame(10, 0));
    const cycle = toyota.message("SPEED")!.cycleTime;
    if (cycle === undefined) {
      expect(p.overdue(1_000_000)).toEqual([]);
    } else {
      expect(p.overdue(cycle * 10)).not.toContain("SPEED");
      expect(p.overdue(cycle * 10 + 1)).toContain("SPEED");
    }
  });

  it("says what the DBC lacks when the config does not fit it", () => {
    expect(
      () =>
        new LoggerPipeline(
          {
            version: 1,
            signals: [
              { name: "speed", source: { dbc: { message: "SPEEED", signal: "SPEED" } } },
              { name: "engineSpeed", source: { dbc: { message: "SPEED", signal: "SPED" } } },
              {
                name: "steeringAngle",
                source: { dbc: { message: "STEER_ANGLE_SENSOR", signal: "STEER_ANGLE" } },
                unit: "km/h",
              },
            ],
          },
          { database: toyota },
        ),
    ).toThrow(
      /signals\[0\]\.source\.dbc\.message: toyota_nodsu_pt_generated\.dbc has no message "SPEEED" \(did you mean SPEED\?\)\nsignals\[1\]\.source\.dbc\.signal: message SPEED has no signal "SPED" \(did you mean SPEED\?\)\nsignals\[2\]\.unit: STEER_ANGLE_SENSOR\.STEER_ANGLE: Cannot convert "deg" \(angle\) to "km\/h" \(speed\)/,
    );
    expect(() => new LoggerPipeline(base)).toThrow(/maps DBC signals but no DBC was given/);
  });

  it("polls OBD-II PIDs and decodes single- and multi-frame answers, sending flow control", () => {
    const sent: ObdFrame[] = [];
    const p = new LoggerPipeline(
      {
        version: 1,
        obd: { intervalMs: 2000 },
        filters: [{ id: "0x3BC" }],
        signals: [
          { name: "powertrainCombustionEngineSpeed", source: { obd: { pid: 0x0c } } },
          { name: "speed", source: { obd: { pid: 0x0d, intervalMs: 500 } }, unit: "mph" },
          {
            name: "powertrainCombustionEngineEOT",
            source: { obd: { pid: 0x5c, formula: 'dbc: 31|8@0+ (1,-40) [-40|215] "degC"' } },
          },
        ],
      },
      { send: (f) => sent.push(f) },
    );
    expect(p.obdPolls.map((q) => [q.pid, q.intervalMs, q.frame.id])).toEqual([
      [0x0c, 2000, 0x7df],
      [0x0d, 500, 0x7df],
      [0x5c, 2000, 0x7df],
    ]);
    expect(
      p.push({ id: 0x7e8, data: Uint8Array.of(4, 0x41, 0x0c, 0x1a, 0xf8, 0, 0, 0), timestamp: 5 }),
    ).toEqual([{ timestamp: 5, name: "powertrainCombustionEngineSpeed", value: 1726 }]);
    // One answer to three PIDs, sent as ISO-TP first + consecutive frames.
    const frames = segmentIsoTp(Uint8Array.of(0x41, 0x0c, 0x0f, 0xa0, 0x0d, 0x64, 0x5c, 0x82));
    expect(p.push({ id: 0x7e9, data: frames[0]!, timestamp: 10 })).toEqual([]);
    expect(sent).toEqual([{ id: 0x7e1, extended: false, data: Uint8Array.of(0x30, 0, 0, 0, 0, 0, 0, 0) }]);
    const readings = p.push({ id: 0x7e9, data: frames[1]!, timestamp: 11 });
    expect(readings.map((r) => [r.name, r.value])).toEqual([
      ["powertrainCombustionEngineSpeed", 1000],
      ["speed", expect.closeTo(62.137, 3)],
      ["powertrainCombustionEngineEOT", 90],
    ]);
  });
});
