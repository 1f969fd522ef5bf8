/**
 * `dimo can …`: CAN tools over @dimo-open/can.
 *
 * - `dimo can decode <file.dbc> [--json]`: candump lines on stdin → one decoded message per
 *   line on stdout (like `cantools decode`).
 * - `dimo can logger-schema`: the JSON Schema of the device logger configuration.
 * - `dimo can check-config <config.json> [--dbc <file.dbc>]`: validate a logger configuration.
 */
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import {
  CanError,
  type Database,
  type DecodedSignals,
  type DecodeOptions,
  LoggerPipeline,
  loadDbcFile,
  loggerConfigJsonSchema,
  type Message,
  parseCandumpLine,
  validateLoggerConfig,
} from "@dimo-open/can";
import type { Command } from "commander";
import { CliError, ExitCode } from "../errors.ts";

interface DecodeCommandOptions {
  json?: boolean;
  choices: boolean;
  truncated?: boolean;
  strictDbc?: boolean;
}

export function registerCanCommands(program: Command): void {
  const can = program
    .command("can")
    .description("CAN tools: decode candump logs with a DBC, check logger configurations");

  can
    .command("decode <dbc>")
    .description(
      "decode candump lines read on stdin with a DBC file, one message per line (like cantools decode)",
    )
    .option("--json", 'print JSON lines: {"t", "id", "name", "signals"}')
    .option("--no-choices", "print numbers instead of the DBC's value names (VAL_)")
    .option("--truncated", "decode frames shorter than the DBC length (only the signals they wholly carry)")
    .option("--strict-dbc", "refuse a DBC with defects (overlapping signals, bad ids, skipped statements)")
    .addHelpText(
      "after",
      "\nExamples:\n  candump -L can0 | dimo can decode car.dbc\n  dimo can decode --json car.dbc < drive.log > drive.jsonl\n\nExit codes: 0 done, 1 the DBC cannot be used, 2 usage error, 3 done but some lines were not candump frames.",
    )
    .action(async (dbcPath: string, options: DecodeCommandOptions) => {
      const database = await loadDatabase(dbcPath, options.strictDbc ?? false);
      const bad = await decodeStream(database, options);
      if (bad > 0) {
        throw new CliError(
          `${bad} input line(s) were not candump frames (see the warnings above).`,
          ExitCode.PartialInput,
        );
      }
    });

  can
    .command("logger-schema")
    .description("print the JSON Schema (draft 2020-12) of the device logger configuration")
    .option("--json", "the same (the schema is JSON either way)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(loggerConfigJsonSchema(), null, 2)}\n`);
    });

  can
    .command("check-config <config>")
    .description("validate a logger configuration file, and that it fits a DBC when --dbc is given")
    .option("--dbc <file>", "the vehicle's DBC the configuration refers to")
    .option("--json", "print the result as JSON")
    .action(async (configPath: string, options: { dbc?: string; json?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(await readFile(configPath, "utf8"));
      } catch (error) {
        throw new CliError(`cannot read ${configPath} as JSON: ${(error as Error).message}`);
      }
      const database = options.dbc ? await loadDatabase(options.dbc, false) : undefined;
      try {
        const config = validateLoggerConfig(input);
        const pipeline = new LoggerPipeline(config, database ? { database } : {});
        const summary = {
          valid: true,
          signals: config.signals.length,
          obdPolls: pipeline.obdPolls.map((p) => ({ pid: p.pid, intervalMs: p.intervalMs })),
        };
        process.stdout.write(
          options.json
            ? `${JSON.stringify(summary)}\n`
            : `${configPath}: valid (${summary.signals} signal(s), ${summary.obdPolls.length} OBD-II PID(s) to poll)\n`,
        );
      } catch (error) {
        if (!(error instanceof CanError)) throw error;
        const issues =
          "issues" in error
            ? (error.issues as { path: string; message: string }[])
            : [{ path: "", message: error.shortMessage }];
        if (options.json) process.stdout.write(`${JSON.stringify({ valid: false, issues })}\n`);
        else
          for (const i of issues)
            process.stderr.write(`${configPath}: ${i.path || "(root)"}: ${i.message}\n`);
        throw new CliError(
          `${configPath} is not a valid logger configuration (${issues.length} problem(s)).`,
        );
      }
    });
}

async function loadDatabase(path: string, strict: boolean): Promise<Database> {
  try {
    const database = await loadDbcFile(path, { strict });
    const skipped = database.diagnostics.filter((d) => d.code === "statement-skipped");
    for (const d of skipped)
      process.stderr.write(`dimo: warning: ${d.location.file}:${d.location.line}: ${d.message}\n`);
    return database;
  } catch (error) {
    if (error instanceof CanError) throw new CliError(`cannot use the DBC: ${error.shortMessage}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(`no such DBC file: ${path}`);
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** JSON with BigInt as plain integers and non-finite numbers as strings (JSON has neither). */
function jsonValue(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && !Number.isFinite(v)) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

function jsonSignals(signals: DecodedSignals): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(signals)) parts.push(`${JSON.stringify(k)}:${jsonValue(v)}`);
  return `{${parts.join(",")}}`;
}

/** cantools' single-line form: `Name(Signal: value unit, …)`, names quoted. */
function textSignals(message: Message, signals: DecodedSignals): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(signals)) {
    const unit = message.signal(k)?.unit;
    const value = typeof v === "string" ? `'${v}'` : String(v);
    parts.push(unit ? `${k}: ${value} ${unit}` : `${k}: ${value}`);
  }
  return `${message.name}(${parts.join(", ")})`;
}

/** Decodes stdin to stdout; returns the number of lines that were not frames. */
async function decodeStream(database: Database, options: DecodeCommandOptions): Promise<number> {
  const decodeOptions: DecodeOptions = {
    choices: options.choices,
    ...(options.truncated ? { shortFrame: "truncate" as const } : {}),
  };
  const out: string[] = [];
  let pending = 0;
  const flush = async () => {
    if (out.length === 0) return;
    const chunk = `${out.join("\n")}\n`;
    out.length = 0;
    pending = 0;
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
  };
  let bad = 0;
  let lineNumber = 0;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === "") continue;
    let frame: ReturnType<typeof parseCandumpLine>;
    try {
      frame = parseCandumpLine(line);
    } catch (error) {
      bad++;
      process.stderr.write(`dimo: line ${lineNumber}: ${(error as CanError).shortMessage}\n`);
      if (!options.json) out.push(line);
      continue;
    }
    const message = database.messageById(frame.id, frame.extended);
    if (!message || frame.remote || frame.error) {
      if (!options.json) out.push(line);
      continue;
    }
    const t = frame.timestamp ?? null;
    try {
      const signals = message.decode(frame.data, decodeOptions);
      out.push(
        options.json
          ? `{"t":${jsonValue(t)},"id":${frame.id},"name":${JSON.stringify(message.name)},"signals":${jsonSignals(signals)}}`
          : `${line} :: ${textSignals(message, signals)}`,
      );
    } catch (error) {
      if (!(error instanceof CanError)) throw error;
      out.push(
        options.json
          ? `{"t":${jsonValue(t)},"id":${frame.id},"name":${JSON.stringify(message.name)},"error":${JSON.stringify(error.shortMessage)}}`
          : `${line} :: error: ${error.shortMessage}`,
      );
    }
    if (++pending >= 1024) await flush();
  }
  await flush();
  return bad;
}
