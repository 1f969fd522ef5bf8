/**
 * The devnet stack's settings: where it keeps its data and which ports it listens on. Defaults
 * work on a machine with nothing else running; every port can be moved one by one, or all
 * together with a port offset (two devnets side by side: offset 100).
 */

export interface StackPorts {
  /** The chain's JSON-RPC. */
  chain: number;
  /** The node's app-facing API (sign-in, exchange, identity and telemetry GraphQL, webhooks). */
  api: number;
  /** The node's device ingest over HTTP. */
  ingest: number;
  /** The node's embedded MQTT broker (1883 is often a local Mosquitto already); false: off. */
  mqtt: number | false;
  /** The web console; false: not served. */
  console: number | false;
}

export const DEFAULT_STACK_PORTS: StackPorts = {
  chain: 8545,
  api: 8080,
  ingest: 8081,
  mqtt: 1884,
  console: 5173,
};

/**
 * Rewards on a live devnet. DimoRewards' week is 7 days (a contract constant) and the devnet's
 * clock is the wall clock, so the devnet shortens only the first week: its genesis is placed in
 * the past so that week 0 ends `firstWeekSeconds` after the setup, and the node publishes it from
 * the fleet's driving so far. Later weeks are real weeks. Claims open `challengeWindowSeconds`
 * after a week is published.
 */
export interface DevnetRewardsSchedule {
  firstWeekSeconds: number;
  challengeWindowSeconds: number;
}
export const DEVNET_REWARDS: DevnetRewardsSchedule = { firstWeekSeconds: 120, challengeWindowSeconds: 60 };

export const DEFAULT_VEHICLES = 3;
export const MAX_VEHICLES = 100;
export const DEFAULT_DATA_DIR = ".devnet";

/** An option of the stack is out of range; says which, with what, and what is allowed. */
export class StackOptionError extends Error {
  override name = "StackOptionError";
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${option} must be ${expected}, got ${JSON.stringify(value)}.`);
  }
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new StackOptionError(name, port, "a port from 0 to 65535 (0 picks a free one)");
  return port;
}

/**
 * The ports to use: an explicit port wins; otherwise the default plus `offset`. Port 0 (pick a
 * free port) is never offset.
 */
export function resolveStackPorts(explicit: Partial<StackPorts> = {}, offset = 0): StackPorts {
  if (!Number.isInteger(offset) || offset < 0 || offset > 60_000)
    throw new StackOptionError("portOffset", offset, "an integer from 0 to 60000");
  const pick = <K extends keyof StackPorts>(key: K): StackPorts[K] => {
    const given = explicit[key];
    if (given === false) return false as StackPorts[K];
    if (given !== undefined) return checkPort(key, given as number) as StackPorts[K];
    const base = DEFAULT_STACK_PORTS[key] as number;
    return checkPort(key, base + offset) as StackPorts[K];
  };
  return {
    chain: pick("chain"),
    api: pick("api"),
    ingest: pick("ingest"),
    mqtt: pick("mqtt"),
    console: pick("console"),
  };
}

export function checkVehicleCount(vehicles: number): number {
  if (!Number.isInteger(vehicles) || vehicles < 1 || vehicles > MAX_VEHICLES)
    throw new StackOptionError("vehicles", vehicles, `an integer from 1 to ${MAX_VEHICLES}`);
  return vehicles;
}
