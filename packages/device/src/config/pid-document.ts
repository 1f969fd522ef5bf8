/**
 * What the `pidUrl` serves: our logger configuration (version 1, docs/logger-config.md), or
 * DIMO's PID list `{requests: [{name, header, mode, pid, formula, interval_seconds, protocol,
 * vss_covesa_name?}]}`, which is turned into one.
 */
import { type LoggerConfig, validateLoggerConfig } from "@dimo-open/can";
import { signalNameFromVssPath } from "@dimo-open/signals";
import { z } from "zod";
import { DeviceConfigError } from "../errors.ts";

const DimoPidRequest = z.object({
  name: z.string().min(1).max(128),
  header: z.number().int().min(0).max(0x1fffffff).optional(),
  mode: z.number().int().min(0).max(255),
  pid: z.number().int().min(0).max(255),
  formula: z.string().max(256).optional(),
  interval_seconds: z.number().min(0.05).max(86_400),
  protocol: z.enum(["CAN11_500", "CAN29_500", "CAN11_250", "CAN29_250"]).optional(),
  vss_covesa_name: z.string().max(256).optional(),
});
const DimoPidDocument = z.object({ requests: z.array(DimoPidRequest).min(1).max(1024) });

/** Reads the pidUrl document into a validated logger configuration. */
export function loggerConfigFromPidDocument(document: unknown): LoggerConfig {
  if (typeof document === "object" && document !== null && "requests" in document) {
    return validateLoggerConfig(dimoPidsToLoggerConfig(document));
  }
  return validateLoggerConfig(document);
}

function dimoPidsToLoggerConfig(document: unknown): unknown {
  const parsed = DimoPidDocument.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceConfigError(`DIMO PID list: ${issue.path.join(".")} ${issue.message}.`);
  }
  const protocols = new Set(parsed.data.requests.map((r) => r.protocol).filter((p) => p !== undefined));
  if (protocols.size > 1) {
    throw new DeviceConfigError(`DIMO PID list mixes bus protocols (${[...protocols].join(", ")}).`, {
      details: "A device talks one OBD-II protocol to a vehicle; split the list per protocol.",
    });
  }
  return {
    version: 1,
    ...(protocols.size === 1 && { obd: { protocol: [...protocols][0] } }),
    signals: parsed.data.requests.map((r) => {
      if (r.mode !== 1) {
        throw new DeviceConfigError(`DIMO PID ${r.name}: mode ${r.mode} is not supported.`, {
          details: "The device polls service 01 (current data) only.",
        });
      }
      const name = r.vss_covesa_name?.startsWith("Vehicle.")
        ? signalNameFromVssPath(r.vss_covesa_name)
        : r.name;
      return {
        name,
        source: {
          obd: {
            pid: r.pid,
            intervalMs: Math.round(r.interval_seconds * 1000),
            ...(r.formula !== undefined && { formula: r.formula }),
            ...(r.header !== undefined && { header: r.header }),
          },
        },
      };
    }),
  };
}
