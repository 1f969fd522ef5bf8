/**
 * `dimo`: the command line of the network. This file is only the registry of command groups
 * (one file per group under commands/) and the place errors become exit codes.
 * Run it with `npx dimo <group> <command> …` (or `npx tsx packages/cli/src/main.ts …`).
 */
import { ProtocolError } from "@dimo-open/protocol";
import { DimoApiError, DimoGraphQLError } from "@dimo-open/sdk";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { CliError, ExitCode } from "./errors.ts";
import { refuseSecretsInArguments } from "./keys.ts";

type Register = (program: Command) => void;

/**
 * Command groups by name, each loaded only when its name is on the command line (the node and
 * the device simulator are heavy to load; `dimo vehicle list` should not wait for them). Add new
 * groups here; each module exports a `register…` function adding its commands.
 */
const commandGroups: Record<string, () => Promise<Register>> = {
  devnet: async () => (await import("./commands/devnet.ts")).registerDevnetCommand,
  node: async () => (await import("./commands/node.ts")).registerNodeCommands,
  vehicle: async () => (await import("./commands/vehicle.ts")).registerVehicleCommands,
  device: async () => (await import("./commands/device.ts")).registerDeviceCommands,
  grant: async () => (await import("./commands/grant.ts")).registerGrantCommands,
  license: async () => (await import("./commands/license.ts")).registerLicenseCommands,
  maker: async () => (await import("./commands/maker.ts")).registerMakerCommands,
  challenge: async () => (await import("./commands/challenge.ts")).registerChallengeCommands,
  rewards: async () => (await import("./commands/rewards.ts")).registerRewardsCommands,
  credits: async () => (await import("./commands/credits.ts")).registerCreditsCommands,
  query: async () => (await import("./commands/query.ts")).registerQueryCommands,
  sim: async () => (await import("./commands/sim.ts")).registerSimCommands,
  can: async () => (await import("./commands/can.ts")).registerCanCommands,
  ota: async () => (await import("./commands/ota.ts")).registerOtaCommands,
};

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("dimo")
    .description(
      "An open, user-owned connected-vehicle network (DIMO-compatible): tools for devices, nodes and apps.",
    )
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nOn a running devnet (`npm start`) every command finds the network by itself; elsewhere pass --rpc-url,\n--node-url and --deployment. Keys: DIMO_PRIVATE_KEY, --keystore <file> (mode 0600), or a prompt —\nnever a command-line argument. Every command takes --json.\n\nExit codes: 0 done, 1 failed, 2 usage error, 3 partial input, 4 network unreachable, 5 refused by the chain or node.",
    );
  // The group named on the command line, or every group (for help and unknown names).
  const named = argv.slice(2).find((a) => !a.startsWith("-"));
  const groups = named && commandGroups[named] ? [commandGroups[named]] : Object.values(commandGroups);
  for (const load of groups) (await load())(program);
  // Every subcommand stops on usage errors instead of exiting the process itself.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    refuseSecretsInArguments(argv.slice(2));
    await (await buildProgram(argv)).parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      // A command's own argument check (commander prints only the ones it runs itself).
      process.stderr.write(`dimo: ${error.message}\n`);
      return ExitCode.Usage;
    }
    if (error instanceof CommanderError) {
      // Commander has already printed help or the usage problem.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`dimo: ${error.message}\n`);
      return error.exitCode;
    }
    if (
      error instanceof ProtocolError ||
      error instanceof DimoApiError ||
      error instanceof DimoGraphQLError
    ) {
      process.stderr.write(`dimo: ${error.message}\n`);
      return ExitCode.Refused;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`dimo: ${message}\n`);
    return ExitCode.Failure;
  }
}

process.exitCode = await main(process.argv);
