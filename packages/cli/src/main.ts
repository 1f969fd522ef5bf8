/**
 * `dimo`: the command line of the network. This file is only the registry of command groups
 * (one file per group under commands/) and the place errors become exit codes.
 * Run it with `npx tsx packages/cli/src/main.ts <group> <command> …`.
 */
import { Command, CommanderError } from "commander";
import { registerCanCommands } from "./commands/can.ts";
import { registerDevnetCommand } from "./commands/devnet.ts";
import { CliError, ExitCode } from "./errors.ts";

/** Command groups, each `(program) => void` adding its commands. Add new groups here. */
const commandGroups: ((program: Command) => void)[] = [registerDevnetCommand, registerCanCommands];

function buildProgram(): Command {
  const program = new Command("dimo")
    .description(
      "An open, user-owned connected-vehicle network (DIMO-compatible): tools for devices, nodes and apps.",
    )
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  for (const register of commandGroups) register(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help or the usage problem.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`dimo: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`dimo: ${message}\n`);
    return ExitCode.Failure;
  }
}

process.exitCode = await main(process.argv);
