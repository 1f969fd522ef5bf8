import { describe, expect, it } from "vitest";
import { checkVehicleCount, DEFAULT_STACK_PORTS, resolveStackPorts, StackOptionError } from "./options.ts";

describe("stack ports", () => {
  it("uses the defaults, moves them by an offset, and lets explicit ports and 0 win", () => {
    expect(resolveStackPorts()).toEqual(DEFAULT_STACK_PORTS);
    expect(resolveStackPorts({}, 100)).toEqual({
      chain: 8645,
      api: 8180,
      ingest: 8181,
      mqtt: 1984,
      console: 5273,
    });
    expect(resolveStackPorts({ api: 9000, mqtt: false, chain: 0 }, 100)).toEqual({
      chain: 0,
      api: 9000,
      ingest: 8181,
      mqtt: false,
      console: 5273,
    });
  });

  it("refuses ports and offsets out of range, naming the option", () => {
    expect(() => resolveStackPorts({ api: 70_000 })).toThrow(
      new StackOptionError("api", 70_000, "a port from 0 to 65535 (0 picks a free one)"),
    );
    expect(() => resolveStackPorts({}, 60_001)).toThrow(/portOffset must be an integer from 0 to 60000/);
    expect(() => resolveStackPorts({}, 60_000)).toThrow(/chain must be a port/);
    expect(() => checkVehicleCount(0)).toThrow(/vehicles must be an integer from 1 to 100/);
    expect(checkVehicleCount(3)).toBe(3);
  });
});
