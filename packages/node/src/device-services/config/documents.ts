/**
 * The three documents a device's configuration is made of, checked as the device will check
 * them (packages/device's DeviceConfigStore), so that the node never publishes a configuration
 * its devices would refuse:
 *
 * - pids: our logger configuration (version 1, docs/logger-config.md) or DIMO's PID list
 *   `{requests: [{name, header, mode, pid, formula, interval_seconds, protocol, vss_covesa_name?}]}`;
 * - dbc: a DBC file (bytes kept exactly: a logger configuration may pin its SHA-256);
 * - settings: DIMO's device settings (power thresholds, periods) with its snake_case names.
 */
import { createHash } from "node:crypto";
import {
  CanError,
  type Database,
  decodeDbcBytes,
  type LoggerConfig,
  LoggerPipeline,
  parseDbc,
  parsePidFormula,
  validateLoggerConfig,
} from "@dimo-open/can";
import { isKnownSignal, signalNameFromVssPath } from "@dimo-open/signals";
import { z } from "zod";
import { InvalidDeviceConfigError } from "../errors.ts";

export const DOCUMENT_KINDS = ["pids", "dbc", "settings"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** DIMO's OBD-II bus protocols: 11/29-bit identifiers at 500/250 kbit/s. */
export const CAN_PROTOCOLS = ["CAN11_500", "CAN29_500", "CAN11_250", "CAN29_250"] as const;
export type CanProtocol = (typeof CAN_PROTOCOLS)[number];

export const POWERTRAINS = ["ICE", "HEV", "PHEV", "BEV"] as const;
export type Powertrain = (typeof POWERTRAINS)[number];

/** Largest document of any kind (whole-vehicle DBCs run to a few hundred KiB; devices take 4 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export const DOCUMENT_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export function checkDocumentName(kind: string, name: string): void {
  if (!DOCUMENT_NAME.test(name)) {
    throw new InvalidDeviceConfigError(`${kind} name ${JSON.stringify(name.slice(0, 140))} is not allowed.`, {
      details: "Use 1–128 letters, digits, '.', '_' or '-': the name goes into URLs as name@vX.Y.Z.",
    });
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const DimoPidRequest = z.strictObject({
  name: z.string().min(1).max(128),
  header: z.number().int().min(0).max(0x1fffffff).optional(),
  mode: z.literal(1, "mode must be 1: devices poll service 01 (current data) only"),
  pid: z.number().int().min(0).max(255),
  formula: z.string().max(256).optional(),
  interval_seconds: z.number().min(0.05).max(86_400),
  protocol: z.enum(CAN_PROTOCOLS).optional(),
  vss_covesa_name: z.string().max(256).optional(),
});
const DimoPidDocument = z.strictObject({ requests: z.array(DimoPidRequest).min(1).max(1024) });

export interface CheckedPids {
  format: "logger-config" | "dimo-pids";
  /** The bus protocol the document polls on, when it says. */
  protocol: CanProtocol | undefined;
  /** The DBC SHA-256 a logger configuration pins, if any. */
  dbcSha256: string | undefined;
  /** Whether any signal decodes DBC messages (then the template needs a DBC). */
  usesDbc: boolean;
}

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`)
    .join("; ");
}

/**
 * Checks a pids document against the catalogue and, for a logger configuration, against the DBC
 * it decodes (every message, signal and unit it names). Throws InvalidDeviceConfigError.
 */
export function checkPidsDocument(document: unknown, database?: Database): CheckedPids {
  if (typeof document === "object" && document !== null && "requests" in document) {
    const parsed = DimoPidDocument.safeParse(document);
    if (!parsed.success) {
      throw new InvalidDeviceConfigError("The DIMO PID list does not check out.", {
        details: issueText(parsed.error),
      });
    }
    const protocols = new Set(parsed.data.requests.flatMap((r) => (r.protocol ? [r.protocol] : [])));
    if (protocols.size > 1) {
      throw new InvalidDeviceConfigError(`The PID list mixes bus protocols (${[...protocols].join(", ")}).`, {
        details: "A device talks one OBD-II protocol to a vehicle: make one template per protocol.",
      });
    }
    const names = new Set<string>();
    for (const [i, r] of parsed.data.requests.entries()) {
      let name = r.name;
      if (r.vss_covesa_name?.startsWith("Vehicle.")) {
        try {
          name = signalNameFromVssPath(r.vss_covesa_name);
        } catch (error) {
          throw new InvalidDeviceConfigError(`requests[${i}].vss_covesa_name is not a VSS path.`, {
            details: (error as Error).message,
          });
        }
      }
      if (!isKnownSignal(name)) {
        throw new InvalidDeviceConfigError(
          `requests[${i}] maps to ${JSON.stringify(name)}, not a catalogue signal.`,
          {
            details:
              "Name the catalogue signal (docs/signals.md) or give vss_covesa_name; nodes drop unknown signals.",
          },
        );
      }
      if (names.has(name)) {
        throw new InvalidDeviceConfigError(`requests[${i}] maps to ${name} a second time.`);
      }
      names.add(name);
      if (r.formula !== undefined) {
        try {
          parsePidFormula(r.formula);
        } catch (error) {
          throw new InvalidDeviceConfigError(`requests[${i}].formula does not parse.`, {
            details: (error as Error).message,
          });
        }
      }
    }
    return { format: "dimo-pids", protocol: [...protocols][0], dbcSha256: undefined, usesDbc: false };
  }
  let config: LoggerConfig;
  try {
    config = validateLoggerConfig(document);
  } catch (error) {
    throw new InvalidDeviceConfigError("The logger configuration does not check out.", {
      details: error instanceof CanError ? error.message : String(error),
      cause: error,
    });
  }
  const unknown = config.signals.map((s) => s.name).filter((n) => !isKnownSignal(n));
  if (unknown.length > 0) {
    throw new InvalidDeviceConfigError(
      `The logger configuration maps to signals the catalogue does not have: ${unknown.slice(0, 10).join(", ")}.`,
      { details: "Use catalogue names (docs/signals.md); nodes drop unknown signals." },
    );
  }
  const usesDbc = config.signals.some((s) => "dbc" in s.source);
  if (usesDbc && !database) {
    throw new InvalidDeviceConfigError(
      "The logger configuration decodes DBC messages but the template names no DBC.",
      {
        details: "Give the template a `dbc` from the DBC repository.",
      },
    );
  }
  try {
    // Building the pipeline checks every DBC message, signal and unit the configuration names.
    new LoggerPipeline(config, database ? { database } : {});
  } catch (error) {
    throw new InvalidDeviceConfigError("The logger configuration does not fit its DBC.", {
      details: (error as Error).message,
      cause: error,
    });
  }
  return {
    format: "logger-config",
    protocol: config.obd?.protocol as CanProtocol | undefined,
    dbcSha256: config.dbc?.sha256?.toLowerCase(),
    usesDbc,
  };
}

/** Parses a DBC file (bytes as stored and served); throws InvalidDeviceConfigError. */
export function checkDbc(name: string, bytes: Uint8Array): Database {
  if (bytes.length === 0 || bytes.length > MAX_DOCUMENT_BYTES) {
    throw new InvalidDeviceConfigError(`DBC ${name} is ${bytes.length} bytes; 1 byte to 4 MiB are accepted.`);
  }
  try {
    return parseDbc(decodeDbcBytes(bytes), { file: `${name}.dbc` });
  } catch (error) {
    throw new InvalidDeviceConfigError(`DBC ${name} does not parse.`, {
      details: (error as Error).message,
      cause: error,
    });
  }
}

const volts = z.number().finite().min(6).max(32);
const seconds = z
  .number()
  .finite()
  .min(0)
  .max(30 * 86_400);

/** DIMO's device settings names (and ours: battery_critical_voltage, periodic_wake_*). */
export const DeviceSettingsSchema = z.strictObject({
  safety_cut_out_voltage: volts.optional(),
  wake_trigger_voltage_level: volts.optional(),
  min_voltage_obd_loggers: volts.optional(),
  battery_critical_voltage: volts.optional(),
  sleep_timer_event_driven_period_secs: seconds.optional(),
  location_frequency_secs: seconds.optional(),
  periodic_wake_interval_secs: seconds.optional(),
  periodic_wake_duration_secs: seconds.optional(),
});
export type DeviceSettings = z.infer<typeof DeviceSettingsSchema>;

/** The thresholds devices apply when a member is absent (docs/device.md). */
const DEFAULTS = {
  safety_cut_out_voltage: 12.2,
  wake_trigger_voltage_level: 12.8,
  min_voltage_obd_loggers: 13.3,
  periodic_wake_interval_secs: 6 * 3600,
  periodic_wake_duration_secs: 120,
};

/** Checks a settings document: known members, bounds, and thresholds in an order devices accept. */
export function checkSettingsDocument(document: unknown): DeviceSettings {
  const parsed = DeviceSettingsSchema.safeParse(document);
  if (!parsed.success) {
    throw new InvalidDeviceConfigError("The device settings do not check out.", {
      details: `${issueText(parsed.error)}. Members: ${Object.keys(DeviceSettingsSchema.shape).join(", ")}; voltages in volts (6–32), periods in seconds.`,
    });
  }
  const s = { ...DEFAULTS, ...parsed.data };
  if (!(s.safety_cut_out_voltage < s.wake_trigger_voltage_level)) {
    throw new InvalidDeviceConfigError(
      `safety_cut_out_voltage ${s.safety_cut_out_voltage} V must be below wake_trigger_voltage_level ${s.wake_trigger_voltage_level} V.`,
      { details: "Otherwise a device wakes straight into a cut-out and drains the battery in a loop." },
    );
  }
  if (!(s.wake_trigger_voltage_level <= s.min_voltage_obd_loggers)) {
    throw new InvalidDeviceConfigError(
      `min_voltage_obd_loggers ${s.min_voltage_obd_loggers} V must not be below wake_trigger_voltage_level ${s.wake_trigger_voltage_level} V.`,
    );
  }
  if (s.periodic_wake_interval_secs > 0 && s.periodic_wake_duration_secs >= s.periodic_wake_interval_secs) {
    throw new InvalidDeviceConfigError(
      "periodic_wake_duration_secs must be shorter than periodic_wake_interval_secs.",
    );
  }
  return parsed.data;
}

/** Canonical JSON (sorted members): equal documents give equal bytes, so a re-upload bumps nothing. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
