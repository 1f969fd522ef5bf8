import { describe, expect, it } from "vitest";
import {
  CATALOGUE_SOURCE,
  canReadSignal,
  EVENTS,
  findSignal,
  findSignalByVssPath,
  getSignal,
  isKnownEvent,
  isKnownSignal,
  SIGNALS,
} from "./catalogue.ts";
import { UnknownSignalError } from "./errors.ts";
import { PRIVILEGE_TOKEN_NAMES } from "./privileges.ts";
import { canonicalUnit } from "./units.ts";

const LOCATION_SIGNALS = [
  "currentLocationAltitude",
  "currentLocationApproximateCoordinates",
  "currentLocationCoordinates",
  "currentLocationHeading",
];

describe("catalogue", () => {
  it("holds every signal DIMO's definitions expose, once, sorted by name", () => {
    // 116 distinct VSS paths in default-definitions.yaml + the derived approximate location.
    expect(SIGNALS).toHaveLength(117);
    const names = SIGNALS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([...names].sort());
    expect(CATALOGUE_SOURCE).toMatch(/^DIMO-Network\/model-garage @ [0-9a-f]{40}/);
  });

  it("looks signals up by name and by VSS path", () => {
    const soc = getSignal("powertrainTractionBatteryStateOfChargeCurrent");
    expect(soc).toMatchObject({
      vssPath: "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
      dataType: "float",
      vssDataType: "float",
      unit: "percent",
      min: 0,
      max: 100,
      anyOfPrivileges: [1],
      isLocation: false,
    });
    expect(soc.description).toMatch(/state of charge/i);
    expect(findSignalByVssPath("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")).toBe(soc);
    expect(findSignal("speed")?.unit).toBe("km/h");
    expect(findSignal("Speed")).toBeUndefined();
    expect(findSignalByVssPath("Vehicle.Speed.Nope")).toBeUndefined();
    expect(isKnownSignal("speed")).toBe(true);
    expect(isKnownSignal("vehicleSpeed")).toBe(false);
  });

  it("throws a typed error for an unknown name", () => {
    expect(() => getSignal("vehicleSpeed")).toThrow(UnknownSignalError);
    expect(() => getSignal("vehicleSpeed")).toThrow(/Unknown signal "vehicleSpeed"/);
  });

  it("types booleans as floats 0/1, strings as strings and coordinates as locations", () => {
    expect(getSignal("isIgnitionOn")).toMatchObject({ dataType: "float", vssDataType: "boolean" });
    expect(getSignal("powertrainType")).toMatchObject({
      dataType: "string",
      allowed: ["COMBUSTION", "HYBRID", "ELECTRIC"],
    });
    expect(getSignal("obdDTCList")).toMatchObject({ dataType: "string", vssDataType: "string[]" });
    expect(getSignal("obdDTCList").allowed).toBeUndefined();
    expect(getSignal("currentLocationCoordinates").dataType).toBe("location");
    expect(new Set(SIGNALS.map((s) => s.dataType))).toEqual(new Set(["float", "string", "location"]));
  });

  it("uses VSS units this package can convert", () => {
    for (const s of SIGNALS) if (s.unit !== undefined) expect(canonicalUnit(s.unit), s.name).toBe(s.unit);
  });

  it("is frozen: no layer can change what the others read", () => {
    expect(() => {
      (getSignal("speed") as { unit?: string }).unit = "mph";
    }).toThrow(TypeError);
    expect(Object.isFrozen(SIGNALS)).toBe(true);
  });
});

describe("privileges", () => {
  it("guards exact location with GetLocationHistory (4)", () => {
    const exact = getSignal("currentLocationCoordinates");
    expect(exact).toMatchObject({ anyOfPrivileges: [4], isLocation: true });
    expect(PRIVILEGE_TOKEN_NAMES[4]).toBe("privilege:GetLocationHistory");
    expect(canReadSignal("currentLocationCoordinates", [4])).toBe(true);
    expect(canReadSignal("currentLocationCoordinates", [1, 8])).toBe(false);
  });

  it("lets GetApproximateLocation (8) or GetLocationHistory (4) read the approximate location", () => {
    expect(getSignal("currentLocationApproximateCoordinates")).toMatchObject({
      anyOfPrivileges: [8, 4],
      isLocation: true,
      derivedFrom: "currentLocationCoordinates",
    });
    expect(canReadSignal("currentLocationApproximateCoordinates", [8])).toBe(true);
    expect(canReadSignal("currentLocationApproximateCoordinates", [4])).toBe(true);
    expect(canReadSignal("currentLocationApproximateCoordinates", [1])).toBe(false);
  });

  it("keeps altitude and heading behind the location privilege, as the definitions say", () => {
    expect(getSignal("currentLocationAltitude").anyOfPrivileges).toEqual([4]);
    expect(getSignal("currentLocationHeading").anyOfPrivileges).toEqual([4]);
  });

  it("puts everything else behind GetNonLocationHistory (1)", () => {
    const others = SIGNALS.filter((s) => !LOCATION_SIGNALS.includes(s.name));
    expect(others).toHaveLength(SIGNALS.length - LOCATION_SIGNALS.length);
    for (const s of others) expect(s, s.name).toMatchObject({ anyOfPrivileges: [1], isLocation: false });
    expect(SIGNALS.filter((s) => s.isLocation).map((s) => s.name)).toEqual(LOCATION_SIGNALS);
    expect(canReadSignal("speed", [1])).toBe(true);
    expect(canReadSignal("speed", [4, 8])).toBe(false);
    expect(PRIVILEGE_TOKEN_NAMES[1]).toBe("privilege:GetNonLocationHistory");
  });

  it("refuses to answer for an unknown signal rather than say no", () => {
    expect(() => canReadSignal("nope", [1, 2, 3, 4, 5, 6, 7, 8])).toThrow(UnknownSignalError);
  });
});

describe("events", () => {
  it("lists DIMO's event names", () => {
    expect(EVENTS.map((e) => e.name)).toEqual([
      "behavior.harshBraking",
      "behavior.harshAcceleration",
      "behavior.harshCornering",
      "behavior.extremeBraking",
      "safety.collision",
      "security.engineBlock",
      "security.engineUnblock",
    ]);
    expect(EVENTS[0]?.description).toMatch(/harsh braking/);
    expect(isKnownEvent("safety.collision")).toBe(true);
    // commented out in the definitions ("Future Events")
    expect(isKnownEvent("trip.start")).toBe(false);
  });
});
