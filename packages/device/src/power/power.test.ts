import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeviceConfigError } from "../errors.ts";
import {
  initialPowerState,
  nextPowerDeadline,
  type PowerInput,
  type PowerState,
  powerCapabilities,
  stepPower,
} from "./power.ts";
import { powerSettingsFromDocument, DEFAULT_POWER_SETTINGS as S } from "./settings.ts";

const MIN = 60_000;
const run = (state: PowerState, ...inputs: PowerInput[]) =>
  inputs.reduce((s, i) => stepPower(s, i, S), state);
const volts = (at: number, v: number): PowerInput => ({ kind: "voltage", at, volts: v });
const tick = (at: number): PowerInput => ({ kind: "tick", at });
const activity = (at: number): PowerInput => ({ kind: "activity", at });
const asleep = () => run(initialPowerState(0), volts(0, 12.6), tick(S.sleepAfterInactivityMs));

describe("power state machine", () => {
  it("sleeps after the inactivity period and not a millisecond before", () => {
    const s0 = run(initialPowerState(0), volts(0, 12.6));
    expect(run(s0, tick(S.sleepAfterInactivityMs - 1)).mode).toBe("active");
    const slept = run(s0, tick(S.sleepAfterInactivityMs));
    expect(slept).toMatchObject({ mode: "sleeping", reason: "inactive", since: S.sleepAfterInactivityMs });
    expect(slept.nextPeriodicWakeAt).toBe(S.sleepAfterInactivityMs + S.periodicWakeIntervalMs);
  });

  it("stays awake while there is bus activity", () => {
    const s = run(
      initialPowerState(0),
      volts(0, 12.6),
      activity(10 * MIN),
      tick(S.sleepAfterInactivityMs + MIN),
    );
    expect(s.mode).toBe("active");
    expect(run(s, tick(10 * MIN + S.sleepAfterInactivityMs)).mode).toBe("sleeping");
  });

  it("wakes on a charging voltage held for the debounce time, not on a spike", () => {
    const s = asleep();
    const t = s.since + MIN;
    const spike = run(s, volts(t, 13.9), volts(t + S.wakeDebounceMs - 1, 12.6));
    expect(spike.mode).toBe("sleeping");
    const started = run(s, volts(t, 13.9), volts(t + S.wakeDebounceMs, 14.0));
    expect(started).toMatchObject({ mode: "active", reason: "charging voltage" });
    // The running engine keeps the device awake without any bus traffic.
    const later = run(
      started,
      volts(t + 2 * S.sleepAfterInactivityMs, 14.1),
      tick(t + 2 * S.sleepAfterInactivityMs),
    );
    expect(later.mode).toBe("active");
  });

  it("wakes on bus activity while asleep (a door opened)", () => {
    const s = asleep();
    expect(run(s, activity(s.since + 5 * MIN))).toMatchObject({ mode: "active", reason: "bus activity" });
  });

  it("wakes periodically for its duration, then sleeps and schedules the next wake", () => {
    const s = asleep();
    const wakeAt = s.nextPeriodicWakeAt!;
    expect(run(s, tick(wakeAt - 1)).mode).toBe("sleeping");
    const woke = run(s, tick(wakeAt));
    expect(woke).toMatchObject({ mode: "periodic-wake", reason: "periodic wake" });
    expect(run(woke, tick(wakeAt + S.periodicWakeDurationMs - 1)).mode).toBe("periodic-wake");
    const back = run(woke, tick(wakeAt + S.periodicWakeDurationMs));
    expect(back).toMatchObject({ mode: "sleeping", reason: "periodic wake over" });
    expect(back.nextPeriodicWakeAt).toBe(wakeAt + S.periodicWakeDurationMs + S.periodicWakeIntervalMs);
    // Activity during a periodic wake makes it a full wake.
    expect(run(woke, activity(wakeAt + 1000)).mode).toBe("active");
  });

  it("cuts out below the safety voltage held for the delay, but not on a cranking dip", () => {
    const s = run(initialPowerState(0), volts(0, 12.6));
    const crank = run(s, volts(1000, 10.2), volts(1000 + S.cutOutDelayMs - 1, 14.2));
    expect(crank.mode).toBe("active");
    const drained = run(s, volts(1000, 12.1), tick(1000 + S.cutOutDelayMs));
    expect(drained).toMatchObject({ mode: "cut-out", reason: "battery below 12.2 V" });
    expect(drained.nextPeriodicWakeAt).toBeUndefined();
    // From sleep as well.
    const z = asleep();
    expect(run(z, volts(z.since + 1, 12.0), tick(z.since + 1 + S.cutOutDelayMs)).mode).toBe("cut-out");
  });

  it("in cut-out ignores activity and the periodic timer, and returns only on a charging voltage", () => {
    const s = run(initialPowerState(0), volts(0, 12.0), tick(S.cutOutDelayMs));
    expect(s.mode).toBe("cut-out");
    const t = S.cutOutDelayMs;
    expect(run(s, activity(t + 1), tick(t + 2 * S.periodicWakeIntervalMs)).mode).toBe("cut-out");
    expect(run(s, volts(t + 5, 12.7), tick(t + 5 + 60 * MIN)).mode).toBe("cut-out");
    const back = run(s, volts(t + 10, 13.8), volts(t + 10 + S.wakeDebounceMs, 13.9));
    expect(back).toMatchObject({ mode: "active", reason: "battery charging again" });
  });

  it("allows OBD polling only when active at or above the minimum logging voltage", () => {
    const s = run(initialPowerState(0), volts(0, 13.2));
    expect(powerCapabilities(s, S)).toEqual({
      listen: true,
      poll: false,
      uplink: true,
      batteryCritical: false,
    });
    expect(powerCapabilities(run(s, volts(1, 13.3)), S).poll).toBe(true);
    const woke = run(asleep(), volts(S.sleepAfterInactivityMs + 1, 12.5), tick(asleep().nextPeriodicWakeAt!));
    expect(woke.mode).toBe("periodic-wake");
    expect(powerCapabilities(woke, S)).toEqual({
      listen: true,
      poll: false,
      uplink: true,
      batteryCritical: false,
    });
    expect(powerCapabilities(asleep(), S)).toMatchObject({ listen: false, poll: false, uplink: false });
    expect(powerCapabilities(run(s, volts(2, 12.3)), S).batteryCritical).toBe(true);
  });

  it("names the next deadline of each mode", () => {
    const s = run(initialPowerState(0), volts(0, 12.6));
    expect(nextPowerDeadline(s, S)).toBe(S.sleepAfterInactivityMs);
    const z = asleep();
    expect(nextPowerDeadline(z, S)).toBe(z.nextPeriodicWakeAt);
    expect(nextPowerDeadline(run(s, volts(5, 11.9)), S)).toBe(5 + S.cutOutDelayMs);
    expect(nextPowerDeadline(run(z, volts(z.since + 7, 14)), S)).toBe(z.since + 7 + S.wakeDebounceMs);
  });

  it("never polls below the minimum voltage and does nothing in cut-out, whatever the inputs", () => {
    const input = fc.oneof(
      fc.record({
        kind: fc.constant("voltage" as const),
        dt: fc.nat(600_000),
        volts: fc.double({ min: 9, max: 15, noNaN: true }),
      }),
      fc.record({ kind: fc.constant("activity" as const), dt: fc.nat(600_000) }),
      fc.record({ kind: fc.constant("tick" as const), dt: fc.nat(8 * 3_600_000) }),
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 60 }), (inputs) => {
        let s = initialPowerState(0);
        let t = 0;
        for (const i of inputs) {
          t += i.dt;
          s = stepPower(
            s,
            i.kind === "voltage" ? { kind: "voltage", at: t, volts: i.volts } : { kind: i.kind, at: t },
            S,
          );
          const c = powerCapabilities(s, S);
          if (c.poll && !(s.volts! >= S.minVoltageObdLoggers)) return false;
          if (s.mode === "cut-out" && (c.listen || c.poll || c.uplink)) return false;
        }
        return true;
      }),
    );
  });
});

describe("device settings", () => {
  it("reads DIMO's device settings document", () => {
    const s = powerSettingsFromDocument({
      safety_cut_out_voltage: 12.0,
      wake_trigger_voltage_level: 13.0,
      min_voltage_obd_loggers: 13.4,
      sleep_timer_event_driven_period_secs: 300,
      location_frequency_secs: 10,
      unrelated_member: true,
    });
    expect(s).toMatchObject({
      safetyCutOutVoltage: 12.0,
      wakeTriggerVoltage: 13.0,
      minVoltageObdLoggers: 13.4,
      sleepAfterInactivityMs: 300_000,
      locationPeriodMs: 10_000,
      cutOutDelayMs: S.cutOutDelayMs,
    });
  });

  it("refuses thresholds out of order and values that are not voltages", () => {
    expect(() =>
      powerSettingsFromDocument({ safety_cut_out_voltage: 13, wake_trigger_voltage_level: 12.8 }),
    ).toThrow(/cut-out 13 V must be below the wake trigger 12.8 V/);
    expect(() => powerSettingsFromDocument({ min_voltage_obd_loggers: 12.5 })).toThrow(DeviceConfigError);
    expect(() => powerSettingsFromDocument({ wake_trigger_voltage_level: "12.8" })).toThrow(
      /wake_trigger_voltage_level/,
    );
    expect(() => powerSettingsFromDocument({ safety_cut_out_voltage: 120 })).toThrow(DeviceConfigError);
  });
});
