/**
 * The logger configuration a device receives: which frames to accept, which signals to decode
 * (from the vehicle's DBC or from OBD-II PIDs), which catalogue signal each becomes (with unit
 * conversion), and when a value is worth sending. Versioned (`version: 1`), validated with zod;
 * its JSON Schema (for other languages and editors) is generated from this file.
 */
import { z } from "zod";
import { LoggerConfigError } from "../errors.ts";
import { parsePidFormula } from "../obd/formula.ts";
import { obdPid } from "../obd/pids.ts";
import { isKnownUnit, unitDimension } from "./units.ts";

export const LOGGER_CONFIG_VERSION = 1;
export const LOGGER_CONFIG_SCHEMA_ID = "https://dimo-open.org/schemas/logger-config/v1.json";

/** A CAN id: a number, or a hex string such as "0x7DF". */
const CanId = z
  .union([
    z.number().int().min(0).max(0x1fffffff),
    z.string().regex(/^0x[0-9a-fA-F]{1,8}$/, 'a hex id such as "0x7DF"'),
  ])
  .transform((v, ctx) => {
    const n = typeof v === "number" ? v : Number.parseInt(v.slice(2), 16);
    if (n > 0x1fffffff) {
      ctx.addIssue({ code: "custom", message: `${v} is more than 29 bits; CAN ids are at most 0x1FFFFFFF` });
      return z.NEVER;
    }
    return n;
  })
  .meta({ description: 'CAN id: integer or hex string ("0x7DF"); at most 29 bits.' });

/** Catalogue signal names: lowerCamelCase VSS paths without `Vehicle.` (checked against the catalogue by the consumer). */
export const SignalNameSchema = z
  .string()
  .max(128)
  .regex(/^[a-z][a-zA-Z0-9]*$/, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a catalogue signal name: use lowerCamelCase, e.g. speed or powertrainCombustionEngineSpeed`,
  })
  .meta({
    description:
      "Catalogue signal name (lowerCamelCase VSS path without Vehicle.), e.g. powertrainCombustionEngineSpeed.",
  });

const Unit = z
  .string()
  .max(32)
  .refine((u) => u === "" || isKnownUnit(u), {
    error: (issue) =>
      `unknown unit ${JSON.stringify(issue.input)}: use one we convert (km/h, mph, celsius, degC, kPa, percent, %, V, rpm, km, l, …)`,
  });

const DeliveryRules = z
  .object({
    minIntervalMs: z.number().int().min(0).max(86_400_000).optional().meta({
      description: "Send a signal at most once per this many milliseconds (default 0: every change).",
    }),
    maxIntervalMs: z
      .number()
      .int()
      .min(1)
      .max(86_400_000)
      .optional()
      .meta({ description: "Send the signal at least this often even when it does not change (heartbeat)." }),
    changeThreshold: z.number().min(0).optional().meta({
      description:
        "Send a numeric value only when it moved at least this much (target unit) since the last one sent.",
    }),
    dedupe: z.boolean().optional().meta({ description: "Do not send a value equal to the last one sent." }),
  })
  .strict()
  .refine(
    (d) =>
      d.maxIntervalMs === undefined || d.minIntervalMs === undefined || d.maxIntervalMs >= d.minIntervalMs,
    {
      message: "maxIntervalMs must not be below minIntervalMs",
      path: ["maxIntervalMs"],
    },
  );

const FrameFilter = z
  .object({
    id: CanId,
    mask: CanId.optional().meta({
      description: "Bits of the id that must match (default: all, i.e. exactly this id).",
    }),
    extended: z
      .boolean()
      .optional()
      .meta({ description: "Match only 29-bit (true) or only 11-bit (false) frames; default both." }),
  })
  .strict();

const DbcSource = z
  .object({
    dbc: z
      .object({
        message: z
          .union([z.string().min(1).max(128), CanId])
          .meta({ description: "Message name, or its frame id." }),
        signal: z.string().min(1).max(128),
      })
      .strict(),
  })
  .strict();

const PID_FORMULA = /^dbc:/;

const ObdSource = z
  .object({
    obd: z
      .object({
        pid: z
          .union([z.number().int().min(0).max(255), z.string().regex(/^0x[0-9a-fA-F]{1,2}$/)])
          .transform((v) => (typeof v === "number" ? v : Number.parseInt(v.slice(2), 16))),
        service: z.literal([1]).optional().meta({ description: "OBD-II service; 1 (current data)." }),
        field: z
          .string()
          .min(1)
          .max(64)
          .optional()
          .meta({ description: "For PIDs with several values (O2 sensors…), which one." }),
        formula: z
          .string()
          .regex(
            PID_FORMULA,
            'a DIMO formula: dbc: <startbit>|<len>@<order><sign> (<factor>,<offset>) [<min>|<max>] "<unit>"',
          )
          .max(256)
          .optional(),
        intervalMs: z
          .number()
          .int()
          .min(50)
          .max(86_400_000)
          .optional()
          .meta({ description: "How often to ask (default obd.intervalMs)." }),
        header: CanId.optional().meta({ description: "Request id (default functional 0x7DF / 0x18DB33F1)." }),
      })
      .strict(),
  })
  .strict();

const SignalMapping = z
  .object({
    name: SignalNameSchema,
    source: z.union([DbcSource, ObdSource]),
    unit: Unit.optional().meta({ description: "Unit of the catalogue signal; values are converted to it." }),
    sourceUnit: Unit.optional().meta({
      description: "Unit of the source value when the DBC or formula does not say (or says it wrongly).",
    }),
    choices: z
      .boolean()
      .optional()
      .meta({ description: "Send the DBC value name (VAL_) instead of the number, when there is one." }),
    delivery: DeliveryRules.optional(),
  })
  .strict();

export const LoggerConfigSchema = z
  .object({
    $schema: z.string().max(256).optional(),
    version: z
      .literal(LOGGER_CONFIG_VERSION)
      .meta({ description: "Format version; this schema is version 1." }),
    name: z.string().min(1).max(128).optional(),
    description: z.string().max(4096).optional(),
    dbc: z
      .object({
        name: z
          .string()
          .min(1)
          .max(256)
          .meta({ description: "The DBC this config was written for (file name or name@version)." }),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits")
          .optional(),
        url: z.url().max(2048).optional(),
      })
      .strict()
      .optional(),
    integrity: z
      .enum([
        "auto",
        "off",
        "honda",
        "toyota",
        "hyundai-canfd",
        "vw-mqb",
        "vw-mlb",
        "vw-pq",
        "subaru",
        "chrysler",
        "fca-giorgio",
        "tesla",
        "body",
        "psa",
      ])
      .optional()
      .meta({
        description:
          "Checksum family for CHECKSUM/COUNTER signals; auto (default) detects it from the DBC name.",
      }),
    filters: z.array(FrameFilter).max(256).optional().meta({
      description:
        "Frames to accept (id/mask); none: every frame. OBD-II responses are always accepted when OBD signals are configured.",
    }),
    obd: z
      .object({
        protocol: z.enum(["CAN11_500", "CAN29_500", "CAN11_250", "CAN29_250"]).optional(),
        intervalMs: z.number().int().min(50).max(86_400_000).optional(),
        padding: z.number().int().min(0).max(255).optional(),
      })
      .strict()
      .optional(),
    delivery: DeliveryRules.optional().meta({ description: "Default delivery rules of every signal." }),
    signals: z.array(SignalMapping).min(1).max(4096),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.signals.forEach((s, i) => {
      const previous = seen.get(s.name);
      if (previous !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["signals", i, "name"],
          message: `${s.name} is already mapped by signals[${previous}]`,
        });
      }
      seen.set(s.name, i);
      if (
        s.unit !== undefined &&
        s.sourceUnit !== undefined &&
        unitDimension(s.unit) !== unitDimension(s.sourceUnit)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["signals", i, "unit"],
          message: `cannot convert ${s.sourceUnit} (${unitDimension(s.sourceUnit) ?? "no unit"}) to ${s.unit} (${unitDimension(s.unit) ?? "no unit"})`,
        });
      }
      if ("obd" in s.source) {
        const { pid, formula, field } = s.source.obd;
        if (formula !== undefined) {
          try {
            parsePidFormula(formula);
          } catch (error) {
            ctx.addIssue({
              code: "custom",
              path: ["signals", i, "source", "obd", "formula"],
              message: (error as Error).message.split("\n")[0]!,
            });
          }
        } else {
          const def = obdPid(pid);
          if (!def) {
            ctx.addIssue({
              code: "custom",
              path: ["signals", i, "source", "obd", "pid"],
              message: `PID 0x${pid.toString(16).padStart(2, "0")} is not a standard service 01 PID; give its "formula"`,
            });
          } else if (field !== undefined && !def.fields.some((f) => f.name === field)) {
            ctx.addIssue({
              code: "custom",
              path: ["signals", i, "source", "obd", "field"],
              message: `PID 0x${pid.toString(16).padStart(2, "0")} (${def.name}) has the fields ${def.fields.map((f) => f.name).join(", ")}`,
            });
          } else if (field === undefined && def.fields.length > 1) {
            ctx.addIssue({
              code: "custom",
              path: ["signals", i, "source", "obd", "field"],
              message: `PID 0x${pid.toString(16).padStart(2, "0")} (${def.name}) has several values; choose one of ${def.fields.map((f) => f.name).join(", ")}`,
            });
          }
        }
      }
    });
  });

/** A validated configuration (ids as numbers). */
export type LoggerConfig = z.output<typeof LoggerConfigSchema>;
/** What a configuration file contains (ids may be hex strings). */
export type LoggerConfigInput = z.input<typeof LoggerConfigSchema>;
export type DeliveryRules = z.output<typeof DeliveryRules>;
export type SignalMapping = LoggerConfig["signals"][number];

function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Validates a parsed JSON value; throws LoggerConfigError listing every problem with its path. */
export function validateLoggerConfig(input: unknown): LoggerConfig {
  if (
    typeof input === "object" &&
    input !== null &&
    "version" in input &&
    input.version !== LOGGER_CONFIG_VERSION
  ) {
    throw new LoggerConfigError([
      {
        path: "version",
        message: `version ${JSON.stringify(input.version)} is not supported; this device understands version ${LOGGER_CONFIG_VERSION}`,
      },
    ]);
  }
  const result = LoggerConfigSchema.safeParse(input);
  if (!result.success) {
    throw new LoggerConfigError(
      result.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message })),
    );
  }
  return result.data;
}

/** The JSON Schema (draft 2020-12) of the configuration file, generated from the zod schema. */
export function loggerConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(LoggerConfigSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: LOGGER_CONFIG_SCHEMA_ID,
    title: "DIMO device logger configuration",
    description:
      "Which CAN frames a device accepts, which signals it decodes (DBC or OBD-II), how they map to catalogue signals, and when it sends them. See docs/logger-config.md.",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
