/**
 * Power settings: DIMO's device settings document (the `deviceSettingUrl` of the device
 * configuration) with its snake_case names, and the settings the state machine runs on.
 */
import { z } from "zod";
import { DeviceConfigError } from "../errors.ts";

export interface PowerSettings {
  /** Wake when the battery rises to this (alternator charging: the engine runs). DIMO: 12.8 V. */
  wakeTriggerVoltage: number;
  /** Shut everything down below this to keep the car startable. DIMO: 12.2 V. */
  safetyCutOutVoltage: number;
  /** Poll OBD-II / send on the bus only at or above this (engine running). DIMO: 13.3 V. */
  minVoltageObdLoggers: number;
  /** Status events flag the battery below this (before the cut-out). */
  batteryCriticalVoltage: number;
  /** Sleep after this long without bus activity or charging voltage. */
  sleepAfterInactivityMs: number;
  /** While asleep, wake this often to upload and check for configuration and firmware. */
  periodicWakeIntervalMs: number;
  /** How long a periodic wake lasts. */
  periodicWakeDurationMs: number;
  /** The voltage must stay below the cut-out this long: cranking dips to ~10 V for a moment. */
  cutOutDelayMs: number;
  /** The voltage must stay at or above the wake trigger this long before it counts. */
  wakeDebounceMs: number;
  /** GNSS sampling period while driving. DIMO: 20 s. */
  locationPeriodMs: number;
}

export const DEFAULT_POWER_SETTINGS: Readonly<PowerSettings> = Object.freeze({
  wakeTriggerVoltage: 12.8,
  safetyCutOutVoltage: 12.2,
  minVoltageObdLoggers: 13.3,
  batteryCriticalVoltage: 12.4,
  sleepAfterInactivityMs: 15 * 60_000,
  periodicWakeIntervalMs: 6 * 3_600_000,
  periodicWakeDurationMs: 2 * 60_000,
  cutOutDelayMs: 10_000,
  wakeDebounceMs: 1_000,
  locationPeriodMs: 20_000,
});

const volts = z.number().finite().min(6).max(32);
const seconds = z
  .number()
  .finite()
  .min(0)
  .max(30 * 86_400);

/** DIMO's device settings document; unknown members are ignored, ours are optional extras. */
export const DeviceSettingsSchema = z.object({
  safety_cut_out_voltage: volts.optional(),
  wake_trigger_voltage_level: volts.optional(),
  min_voltage_obd_loggers: volts.optional(),
  battery_critical_voltage: volts.optional(),
  sleep_timer_event_driven_period_secs: seconds.optional(),
  location_frequency_secs: seconds.optional(),
  periodic_wake_interval_secs: seconds.optional(),
  periodic_wake_duration_secs: seconds.optional(),
});
export type DeviceSettingsDocument = z.infer<typeof DeviceSettingsSchema>;

/** Reads a device settings document into power settings (missing members keep their defaults). */
export function powerSettingsFromDocument(
  document: unknown,
  base: Readonly<PowerSettings> = DEFAULT_POWER_SETTINGS,
): PowerSettings {
  const parsed = DeviceSettingsSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceConfigError(`Device settings: ${issue.path.join(".") || "document"} ${issue.message}.`, {
      details: "Voltages are volts (6–32), periods seconds; see docs/device.md.",
    });
  }
  const d = parsed.data;
  const s: PowerSettings = {
    ...base,
    ...(d.safety_cut_out_voltage !== undefined && { safetyCutOutVoltage: d.safety_cut_out_voltage }),
    ...(d.wake_trigger_voltage_level !== undefined && { wakeTriggerVoltage: d.wake_trigger_voltage_level }),
    ...(d.min_voltage_obd_loggers !== undefined && { minVoltageObdLoggers: d.min_voltage_obd_loggers }),
    ...(d.battery_critical_voltage !== undefined && { batteryCriticalVoltage: d.battery_critical_voltage }),
    ...(d.sleep_timer_event_driven_period_secs !== undefined && {
      sleepAfterInactivityMs: d.sleep_timer_event_driven_period_secs * 1000,
    }),
    ...(d.location_frequency_secs !== undefined && { locationPeriodMs: d.location_frequency_secs * 1000 }),
    ...(d.periodic_wake_interval_secs !== undefined && {
      periodicWakeIntervalMs: d.periodic_wake_interval_secs * 1000,
    }),
    ...(d.periodic_wake_duration_secs !== undefined && {
      periodicWakeDurationMs: d.periodic_wake_duration_secs * 1000,
    }),
  };
  checkPowerSettings(s);
  return s;
}

/** The thresholds must be ordered, or the machine would wake into a cut-out or never poll. */
export function checkPowerSettings(s: PowerSettings): void {
  if (!(s.safetyCutOutVoltage < s.wakeTriggerVoltage)) {
    throw new DeviceConfigError(
      `Safety cut-out ${s.safetyCutOutVoltage} V must be below the wake trigger ${s.wakeTriggerVoltage} V.`,
      { details: "Otherwise the device would wake straight into a cut-out and drain the battery in a loop." },
    );
  }
  if (!(s.wakeTriggerVoltage <= s.minVoltageObdLoggers)) {
    throw new DeviceConfigError(
      `The OBD logging minimum ${s.minVoltageObdLoggers} V must not be below the wake trigger ${s.wakeTriggerVoltage} V.`,
    );
  }
  if (s.periodicWakeIntervalMs > 0 && s.periodicWakeDurationMs >= s.periodicWakeIntervalMs) {
    throw new DeviceConfigError("A periodic wake must be shorter than the period between wakes.");
  }
}
