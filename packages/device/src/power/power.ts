/**
 * Power management as a pure state machine: the battery voltage and bus activity drive it, the
 * clock is an input, and what the device may do (listen, poll, upload) is derived from the
 * state. A vehicle battery at rest sits near 12.6 V; a running engine charges it to 13.5–14.5 V;
 * starting the engine dips it to ~10 V for a moment. The thresholds come from the node's device
 * settings (settings.ts).
 *
 *   sleeping ──(charging voltage | bus activity)──► active ──(no activity for sleepAfter)──► sleeping
 *   sleeping ──(periodic timer)──► periodic-wake ──(its duration ends)──► sleeping
 *   any ──(below cut-out for cutOutDelay)──► cut-out ──(charging voltage)──► active
 */
import type { PowerSettings } from "./settings.ts";

export type PowerMode = "active" | "periodic-wake" | "sleeping" | "cut-out";

export type PowerInput =
  /** A battery voltage reading. */
  | { kind: "voltage"; at: number; volts: number }
  /** Something happened on the bus (CAN frames), or a person interacted with the device. */
  | { kind: "activity"; at: number }
  /** Time passed. */
  | { kind: "tick"; at: number };

export interface PowerState {
  readonly mode: PowerMode;
  /** When the current mode was entered (ms). */
  readonly since: number;
  /** Why the last transition happened. */
  readonly reason: string;
  readonly lastActivityAt: number;
  readonly volts: number | undefined;
  /** Since when the voltage has been below the cut-out (undefined: it is not). */
  readonly belowCutOutSince: number | undefined;
  /** Since when the voltage has been at or above the wake trigger (undefined: it is not). */
  readonly chargingSince: number | undefined;
  /** When a sleeping device wakes for its periodic check. */
  readonly nextPeriodicWakeAt: number | undefined;
}

/** A device starts awake: it was just plugged in or rebooted, and will sleep if nothing happens. */
export function initialPowerState(at: number): PowerState {
  return {
    mode: "active",
    since: at,
    reason: "start",
    lastActivityAt: at,
    volts: undefined,
    belowCutOutSince: undefined,
    chargingSince: undefined,
    nextPeriodicWakeAt: undefined,
  };
}

function enter(
  state: PowerState,
  mode: PowerMode,
  at: number,
  reason: string,
  settings: PowerSettings,
): PowerState {
  return {
    ...state,
    mode,
    since: at,
    reason,
    nextPeriodicWakeAt:
      mode === "sleeping" && settings.periodicWakeIntervalMs > 0
        ? at + settings.periodicWakeIntervalMs
        : undefined,
    ...(mode === "active" ? { lastActivityAt: at } : {}),
  };
}

/** The next state. Inputs older than the state's clock are taken at the state's clock. */
export function stepPower(state: PowerState, input: PowerInput, settings: PowerSettings): PowerState {
  const at = Math.max(input.at, state.since, state.lastActivityAt);
  let s = state;

  if (input.kind === "voltage") {
    const v = input.volts;
    s = {
      ...s,
      volts: v,
      belowCutOutSince: v < settings.safetyCutOutVoltage ? (s.belowCutOutSince ?? at) : undefined,
      chargingSince: v >= settings.wakeTriggerVoltage ? (s.chargingSince ?? at) : undefined,
    };
  }
  const charging = s.chargingSince !== undefined && at - s.chargingSince >= settings.wakeDebounceMs;

  if (s.mode === "cut-out") {
    // Only a charging battery brings the device back: nothing else runs to notice activity.
    return charging ? enter(s, "active", at, "battery charging again", settings) : s;
  }
  if (s.belowCutOutSince !== undefined && at - s.belowCutOutSince >= settings.cutOutDelayMs) {
    return enter(s, "cut-out", at, `battery below ${settings.safetyCutOutVoltage} V`, settings);
  }

  const active = input.kind === "activity" || charging;
  switch (s.mode) {
    case "sleeping":
      if (active)
        return enter(
          s,
          "active",
          at,
          input.kind === "activity" ? "bus activity" : "charging voltage",
          settings,
        );
      if (s.nextPeriodicWakeAt !== undefined && at >= s.nextPeriodicWakeAt) {
        return enter(s, "periodic-wake", at, "periodic wake", settings);
      }
      return s;
    case "periodic-wake":
      if (active)
        return enter(
          s,
          "active",
          at,
          input.kind === "activity" ? "bus activity" : "charging voltage",
          settings,
        );
      if (at - s.since >= settings.periodicWakeDurationMs)
        return enter(s, "sleeping", at, "periodic wake over", settings);
      return s;
    case "active":
      if (active) return { ...s, lastActivityAt: at };
      if (at - s.lastActivityAt >= settings.sleepAfterInactivityMs) {
        return enter(s, "sleeping", at, "inactive", settings);
      }
      return s;
  }
}

export interface PowerCapabilities {
  /** Listen to the CAN bus (passively). */
  listen: boolean;
  /** Send on the bus: OBD-II PID requests. Only with the engine running (minimum OBD voltage). */
  poll: boolean;
  /** Power the modem and upload. */
  uplink: boolean;
  /** The battery is below the critical level (reported in status events). */
  batteryCritical: boolean;
}

export function powerCapabilities(state: PowerState, settings: PowerSettings): PowerCapabilities {
  const awake = state.mode === "active" || state.mode === "periodic-wake";
  return {
    listen: awake,
    poll:
      state.mode === "active" && state.volts !== undefined && state.volts >= settings.minVoltageObdLoggers,
    uplink: awake,
    batteryCritical: state.volts !== undefined && state.volts < settings.batteryCriticalVoltage,
  };
}

/** When the state changes next without new input (for scheduling ticks); undefined: never. */
export function nextPowerDeadline(state: PowerState, settings: PowerSettings): number | undefined {
  const candidates: number[] = [];
  if (state.mode !== "cut-out" && state.belowCutOutSince !== undefined) {
    candidates.push(state.belowCutOutSince + settings.cutOutDelayMs);
  }
  if (state.chargingSince !== undefined && state.mode !== "active") {
    candidates.push(state.chargingSince + settings.wakeDebounceMs);
  }
  if (state.mode === "active") candidates.push(state.lastActivityAt + settings.sleepAfterInactivityMs);
  if (state.mode === "periodic-wake") candidates.push(state.since + settings.periodicWakeDurationMs);
  if (state.mode === "sleeping" && state.nextPeriodicWakeAt !== undefined)
    candidates.push(state.nextPeriodicWakeAt);
  return candidates.length ? Math.min(...candidates) : undefined;
}
