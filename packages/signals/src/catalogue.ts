import { catalogueData } from "./catalogue.gen.ts";
import { UnknownSignalError } from "./errors.ts";
import type { CatalogueData, EventDefinition, SignalDefinition } from "./types.ts";

/**
 * The catalogue, loaded once and frozen: every layer (device, ingest, store, GraphQL, SDK)
 * reads the same definitions. Generated from DIMO's data; see docs/signals.md.
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const catalogue: CatalogueData = deepFreeze(catalogueData);

/** Where the catalogue data comes from (repository @ commit). */
export const CATALOGUE_SOURCE: string = catalogue.source;

/** Every catalogue signal, sorted by name. */
export const SIGNALS: readonly SignalDefinition[] = catalogue.signals;

/** DIMO's event names (`behavior.harshBraking`, `safety.collision`…). */
export const EVENTS: readonly EventDefinition[] = catalogue.events;

const byName = new Map(SIGNALS.map((s) => [s.name, s]));
const byVssPath = new Map(SIGNALS.map((s) => [s.vssPath, s]));
const eventNames = new Set(EVENTS.map((e) => e.name));

export function findSignal(name: string): SignalDefinition | undefined {
  return byName.get(name);
}

/** The signal called `name`; throws UnknownSignalError when there is none. */
export function getSignal(name: string): SignalDefinition {
  const signal = byName.get(name);
  if (!signal) throw new UnknownSignalError(name);
  return signal;
}

export function findSignalByVssPath(vssPath: string): SignalDefinition | undefined {
  return byVssPath.get(vssPath);
}

export function isKnownSignal(name: string): boolean {
  return byName.has(name);
}

export function isKnownEvent(name: string): boolean {
  return eventNames.has(name);
}

/** Whether a holder of `granted` privilege ids may read the signal (any one listed privilege suffices). */
export function canReadSignal(name: string, granted: Iterable<number>): boolean {
  const held = new Set(granted);
  return getSignal(name).anyOfPrivileges.some((p) => held.has(p));
}
