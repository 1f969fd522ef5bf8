/**
 * `dimo devnet` (what `npm start` runs): the whole network on this machine — chain, demo data,
 * node, simulated vehicles, web console — with progress while it starts, a summary of where
 * everything is and what to try, and a clean stop on Ctrl-C. A second start resumes the network.
 */
import { relative } from "node:path";
import { DEVNET_MNEMONIC } from "@dimo-open/protocol/devnet";
import type { Command } from "commander";
import { duration, integer, port } from "../args.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatDimo, formatTime, table, toJson } from "../output.ts";
import {
  DEFAULT_DATA_DIR,
  DEFAULT_STACK_PORTS,
  DEFAULT_VEHICLES,
  DEVNET_REWARDS,
  MAX_VEHICLES,
  type StackPorts,
} from "../stack/options.ts";
import type { DevnetStack, DevnetStackOptions } from "../stack/stack.ts";

interface DevnetCommandOptions {
  dataDir: string;
  host: string;
  rpcPort?: number;
  apiPort?: number;
  ingestPort?: number;
  mqttPort?: number;
  mqtt: boolean;
  consolePort?: number;
  console: boolean;
  consoleDir?: string;
  portOffset: number;
  vehicles: number;
  eventInterval?: number;
  fleet: boolean;
  reset?: boolean;
  firstRewardsWeek: number;
  claimsOpenAfter: number;
  logLevel: DevnetStackOptions["logLevel"];
  json?: boolean;
}

export function registerDevnetCommand(program: Command): void {
  program
    .command("devnet")
    .description(
      "run the whole network on this machine: chain with the protocol, demo data, node, simulated vehicles and the web console (resumes from --data-dir)",
    )
    .option(
      "--data-dir <dir>",
      "chain journal, records, node database, device buffers, logs",
      process.env.DIMO_DEVNET_DIR ?? DEFAULT_DATA_DIR,
    )
    .option(
      "--host <host>",
      "interface every server listens on (the chain's accounts are unlocked: keep it local)",
      "127.0.0.1",
    )
    .option(
      "--rpc-port <port>",
      `chain JSON-RPC port (default ${DEFAULT_STACK_PORTS.chain}; 0 picks a free one)`,
      port,
    )
    .option("--api-port <port>", `node API port (default ${DEFAULT_STACK_PORTS.api})`, port)
    .option("--ingest-port <port>", `device ingest HTTP port (default ${DEFAULT_STACK_PORTS.ingest})`, port)
    .option("--mqtt-port <port>", `embedded MQTT broker port (default ${DEFAULT_STACK_PORTS.mqtt})`, port)
    .option("--no-mqtt", "do not run the embedded MQTT broker")
    .option("--console-port <port>", `web console port (default ${DEFAULT_STACK_PORTS.console})`, port)
    .option("--no-console", "do not serve the web console")
    .option("--console-dir <dir>", "serve these built console files instead of packages/console/dist")
    .option(
      "--port-offset <n>",
      "add n to every default port (run two devnets side by side)",
      integer(0, 60_000),
      0,
    )
    .option(
      "--vehicles <n>",
      `simulated vehicles on a fresh network (1–${MAX_VEHICLES})`,
      integer(1, MAX_VEHICLES),
      DEFAULT_VEHICLES,
    )
    .option(
      "--event-interval <ms>",
      "how often each device sends a signed status event (default 5000)",
      integer(200, 600_000),
    )
    .option("--no-fleet", "do not run the simulated vehicles")
    .option("--reset", "discard the data dir and start a new network")
    .option(
      "--first-rewards-week <duration>",
      "on a new network: rewards week 0 ends this long after the setup (later weeks are 7 days)",
      duration,
      DEVNET_REWARDS.firstWeekSeconds,
    )
    .option(
      "--claims-open-after <duration>",
      "on a new network: a published rewards week can be challenged this long before claims open",
      duration,
      DEVNET_REWARDS.challengeWindowSeconds,
    )
    .option("--log-level <level>", "level of the logs in <data-dir>/logs/", "info")
    .option("--json", "print one JSON line describing the running network (progress stays on stderr)")
    .addHelpText(
      "after",
      "\nExamples:\n  npm start                                   # the same as: dimo devnet\n  dimo devnet --reset --vehicles 5\n  dimo devnet --port-offset 100 --data-dir .devnet-b   # a second one beside the first\n\nStop with Ctrl-C. The next start resumes the same chain, records and data; --reset starts over.",
    )
    .action(async (o: DevnetCommandOptions) => {
      const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
      if (!levels.includes(o.logLevel as string))
        throw new CliError(
          `--log-level must be one of ${levels.join(", ")}, got "${o.logLevel}".`,
          ExitCode.Usage,
        );
      const ports: Partial<StackPorts> = {
        ...(o.rpcPort !== undefined && { chain: o.rpcPort }),
        ...(o.apiPort !== undefined && { api: o.apiPort }),
        ...(o.ingestPort !== undefined && { ingest: o.ingestPort }),
        ...(o.mqtt ? o.mqttPort !== undefined && { mqtt: o.mqttPort } : { mqtt: false as const }),
        ...(o.console
          ? o.consolePort !== undefined && { console: o.consolePort }
          : { console: false as const }),
      };
      if (!["127.0.0.1", "localhost", "::1"].includes(o.host))
        process.stderr.write(
          `devnet: warning: listening on ${o.host}: anyone who reaches it can send transactions from the devnet's unlocked accounts.\n`,
        );
      const started = performance.now();
      const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`.padStart(6);
      process.stderr.write(`dimo devnet — ${o.reset ? "starting over" : "starting"} in ${o.dataDir}\n`);

      // One handler for the whole run, so that no Ctrl-C ever finds none (Node restores the
      // default, killing the process, whenever the last listener goes). What it does depends on
      // where the run is: starting (the chain keeps what it accepted; a setup cut short needs
      // --reset), running (stop in reverse order), or already stopping (a second one forces it).
      let state: "starting" | "running" | "stopping" = "starting";
      let stopRunning: () => void = () => {};
      let forceNext = false;
      const onSignal = () => {
        if (state === "starting") {
          process.stderr.write(
            "\ndevnet: interrupted while starting. If the setup was cut short, start over with --reset.\n",
          );
          process.exit(130);
        }
        if (state === "stopping") {
          if (forceNext) process.exit(130);
          forceNext = true;
          process.stderr.write("devnet: stopping already; press Ctrl-C again to force it.\n");
          return;
        }
        stopRunning();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);

      // Loaded here, not at the top: the node and the simulator take seconds to load, and a
      // usage error should not wait for them.
      const { startDevnetStack } = await import("../stack/stack.ts");
      const running: DevnetStack = await startDevnetStack({
        dataDir: o.dataDir,
        host: o.host,
        ports,
        portOffset: o.portOffset,
        vehicles: o.vehicles,
        reset: o.reset ?? false,
        rewards: { firstWeekSeconds: o.firstRewardsWeek, challengeWindowSeconds: o.claimsOpenAfter },
        fleet: o.fleet ? (o.eventInterval !== undefined ? { eventIntervalMs: o.eventInterval } : {}) : false,
        ...(o.consoleDir && { console: { dir: o.consoleDir } }),
        logLevel: o.logLevel,
        onProgress: (step) => process.stderr.write(`${elapsed()}  ${step}\n`),
      });

      await new Promise<void>((done) => {
        stopRunning = () => {
          state = "stopping";
          process.stderr.write("\ndevnet: stopping the fleet, console, node and chain…\n");
          running.close().then(
            () => {
              process.stderr.write(
                "devnet: stopped. `npm start` resumes this network; --reset starts over.\n",
              );
              done();
            },
            (error: unknown) => {
              process.stderr.write(`devnet: error while stopping: ${String(error)}\n`);
              done();
            },
          );
        };
        state = "running";
        if (o.json) process.stdout.write(`${toJson(describe(running))}\n`);
        else process.stdout.write(`${summary(running, (performance.now() - started) / 1000)}\n`);
      });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
}

/** The machine-readable description of a running devnet (`--json`). */
function describe(stack: DevnetStack) {
  const { record, urls } = stack;
  return {
    resumed: stack.resumed,
    dataDir: stack.dataDir,
    chainId: record.chainId,
    ...urls,
    consoleSkipped: stack.consoleSkipped,
    startBlock: record.startBlock,
    addresses: record.addresses,
    hardware: record.hardware,
    rewards: record.rewards,
    payments: record.payments,
    node: record.operator,
    rewardsGenesis: record.rewardsGenesis,
    jobsSkipped: stack.jobsSkipped,
    accounts: record.accounts,
    maker: record.maker,
    vehicles: record.fleet.vehicles,
    developer: record.developer,
    timings: stack.timings.map((t) => ({ phase: t.phase, ms: Math.round(t.ms) })),
  };
}

function summary(stack: DevnetStack, seconds: number): string {
  const { record, urls } = stack;
  const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
  const near = relative(process.cwd(), stack.dataDir) || ".";
  const dir = near.startsWith("..") ? stack.dataDir : near;
  const devnetDirFlag = dir === DEFAULT_DATA_DIR ? "" : ` --devnet-dir ${dir}`;
  const v = record.fleet.vehicles;
  const first = v[0];
  const tryNext: [string, string][] = [
    [`npx dimo vehicle list${devnetDirFlag}`, "the vehicles, their owners and devices (add --json for JSON)"],
    ...(first
      ? ([
          [
            `npx dimo query latest --vehicle ${first.vehicleId} --devnet-account developer${devnetDirFlag}`,
            "what the demo app may read of a vehicle, signed in through the SDK",
          ],
          [
            `npx dimo grant list --vehicle ${first.vehicleId}${devnetDirFlag}`,
            "who may read that vehicle, and what",
          ],
        ] as [string, string][])
      : []),
    [`npx dimo maker status${devnetDirFlag}`, "the maker's licence and stake"],
    ...(first && record.rewardsGenesis !== undefined
      ? ([
          [
            `npx dimo rewards show --owner ${record.accounts.find((a) => a.role === first.owner)?.address ?? "<address>"}${devnetDirFlag}`,
            `what ${first.owner} earned in the last finished rewards week (then: dimo rewards claim|verify)`,
          ],
        ] as [string, string][])
      : []),
    [
      `npx dimo ota publish firmware.img --name od-1-firmware --version 1.1.0 --hardware od-1 --rollout 25 --devnet-account maker${devnetDirFlag}`,
      "release firmware to a quarter of the maker's devices (then: dimo ota status|rollout|halt)",
    ],
    [
      `npx dimo vehicle mint --make Toyota --model Corolla --year 2021 --devnet-account alice${devnetDirFlag}`,
      "mint another vehicle as Alice",
    ],
    [`npx dimo sim start --vehicles 2${devnetDirFlag}`, "attach two more simulated vehicles"],
    ...(urls.consoleUrl
      ? ([[`open ${urls.consoleUrl}`, "the web console (its demo wallet holds these accounts)"]] as [
          string,
          string,
        ][])
      : []),
  ];
  const lines = [
    "",
    `dimo devnet is running — ${stack.resumed ? "resumed" : "new network, set up"} in ${seconds.toFixed(1)} s`,
    "",
    table([
      ["Console", urls.consoleUrl ?? `not served (${stack.consoleSkipped})`],
      ["Node API", `${urls.nodeUrl}   sign-in, token exchange, identity & telemetry GraphQL, webhooks`],
      ["Device ingest", `${urls.ingestUrl ?? "off"}${urls.mqttUrl ? `   MQTT ${urls.mqttUrl}` : ""}`],
      ["JSON-RPC", `${urls.rpcUrl}   chain id ${record.chainId}`],
      ["Data dir", `${dir}   (logs in ${dir}/logs/)`],
    ]),
    "",
    `Demo accounts — derived from the public test mnemonic "${DEVNET_MNEMONIC}";`,
    "their keys are public knowledge: never use them on a real chain.",
    table(record.accounts.map((a) => [`#${a.index}`, a.role, a.address, a.description])),
    "",
    "Demo data",
    table([
      [
        "maker",
        `${record.maker.name}: manufacturer ${record.maker.manufacturerId}, licensed by governance proposal ${short(record.maker.proposalId)}, staked ${formatDimo(BigInt(record.maker.licenseStake))}, model ${record.maker.modelId} "${record.maker.modelName}" certified`,
      ],
      ...v.map((x) => [
        `vehicle ${x.vehicleId}`,
        `${x.year} ${x.make} ${x.model}, owner ${x.owner}, paired with device ${x.deviceId} (${short(x.deviceAddress)}, simulated device ${x.index})`,
      ]),
      ...(record.rewardsGenesis !== undefined
        ? [
            [
              "rewards",
              `week 0 ends ${formatTime(record.rewardsGenesis + 604_800)}; the node publishes each finished week from the fleet's activity (later weeks are 7 days)`,
            ],
          ]
        : []),
      ...(record.operator
        ? [
            [
              "node",
              `node ${record.operator.nodeId} in the node registry, run by the operator: settles the apps' usage on chain`,
            ],
          ]
        : []),
      [
        "app",
        `${record.developer.alias}: licence ${record.developer.licenseId}, client id ${record.developer.clientId}, ${BigInt(record.developer.credits).toLocaleString("en")} credits; owners granted privileges ${record.developer.grant.privileges.join(", ")} until ${formatTime(record.developer.grant.expiresAt)}`,
      ],
    ]),
    "",
    "Try next, in another terminal:",
    ...tryNext.flatMap(([command, what]) => [`  # ${what}`, `  ${command}`]),
    "",
    "Stop with Ctrl-C; `npm start` again resumes this network, `--reset` starts over.",
  ];
  return lines.join("\n");
}
