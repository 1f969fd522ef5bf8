/**
 * `dimo node init|start|show`: run a node against any EVM JSON-RPC (the devnet, Polygon, Base, a
 * local Anvil). `init` validates the settings and stores them in `<data-dir>/node.json`; `start`
 * runs the node from them (flags override single values); `show` prints them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type NodeConfig, NodeConfigError, parseNodeConfig, startNode } from "@dimo-open/node";
import { type Command, InvalidArgumentError } from "commander";
import pino from "pino";
import { createPublicClient, http } from "viem";
import { integer, port } from "../args.ts";
import { CliError, ExitCode } from "../errors.ts";
import { runUntilInterrupted } from "../interrupt.ts";
import { networkOptions, requireRpc, resolveNetwork } from "../network.ts";
import { output, toJson } from "../output.ts";

export const NODE_CONFIG_FILE = "node.json";

interface InitOptions {
  dataDir: string;
  rpcUrl?: string;
  nodeUrl?: string;
  deployment?: string;
  devnetDir?: string;
  chainId?: number;
  startBlock?: number;
  confirmations: number;
  host: string;
  apiPort: number;
  ingestPort: number;
  mqttPort: number;
  mqtt: boolean;
  ingestHttp: boolean;
  publicUrl?: string;
  initialCredits: number;
  rewardsKey?: KeySource;
  settlementKey?: KeySource;
  nodeId?: number;
  deviceStakeKey?: KeySource;
  logLevel: string;
  force?: boolean;
  json?: boolean;
}

type KeySource = { env: string } | { file: string };

/** `env:NAME` or `file:PATH`: where a job's key is read at start (never the key itself). */
export function keySource(value: string): KeySource {
  const m = /^(env|file):(.+)$/.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError(
      "expected env:<VARIABLE> or file:<path> (where the node reads the key when it starts; a relative path is in the data dir).",
    );
  return m[1] === "env" ? { env: m[2]! } : { file: m[2]! };
}

/** The money jobs the flags turn on, with the addresses they need from the deployment. */
function jobsOf(o: InitOptions, network: Awaited<ReturnType<typeof resolveNetwork>>) {
  const need = <T>(value: T | undefined, what: string, flag: string): T => {
    if (value === undefined)
      throw new CliError(
        `${flag} needs the ${what} addresses: add "${what}" to the --deployment file.`,
        ExitCode.Usage,
      );
    return value;
  };
  if (o.settlementKey && o.nodeId === undefined)
    throw new CliError(
      "--settlement-key needs --node-id <id> (the node's id in the node registry).",
      ExitCode.Usage,
    );
  return {
    ...(o.rewardsKey && {
      rewards: {
        dimoRewards: need(network.rewards, "rewards", "--rewards-key").dimoRewards,
        key: o.rewardsKey,
      },
    }),
    ...(o.settlementKey && {
      settlement: {
        ...need(network.payments, "payments", "--settlement-key"),
        nodeId: o.nodeId!,
        key: o.settlementKey,
      },
    }),
    ...(o.deviceStakeKey && {
      deviceStake: {
        hardware: need(network.hardware, "hardware", "--device-stake-key"),
        key: o.deviceStakeKey,
      },
    }),
  };
}

function configPath(dataDir: string): string {
  return join(resolve(dataDir), NODE_CONFIG_FILE);
}

function readConfig(dataDir: string): NodeConfig {
  const file = configPath(dataDir);
  if (!existsSync(file))
    throw new CliError(
      `no node settings in ${file}; create them with \`dimo node init --data-dir ${dataDir} --rpc-url … --deployment …\`.`,
      ExitCode.Usage,
    );
  try {
    return parseNodeConfig(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    if (error instanceof NodeConfigError) throw new CliError(`${file}: ${error.message}`, ExitCode.Usage);
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

export function registerNodeCommands(program: Command): void {
  const node = program
    .command("node")
    .description("run a node against any EVM JSON-RPC: init (store settings), start, show");

  networkOptions(node.command("init"))
    .description("check and store a node's settings in <data-dir>/node.json")
    .option("--data-dir <dir>", "where the node keeps its settings and DuckDB file", ".data/node")
    .option("--chain-id <id>", "the chain id (default: asked from the RPC)", integer(1, 2 ** 48))
    .option(
      "--start-block <n>",
      "first block to index: the deployment's (default: from the deployment record)",
      integer(0, 2 ** 48),
    )
    .option(
      "--confirmations <n>",
      "blocks to wait before indexing (reorg safety on public chains)",
      integer(0, 1000),
      0,
    )
    .option("--host <host>", "interface the node listens on", "127.0.0.1")
    .option("--api-port <port>", "app-facing API port", port, 8080)
    .option("--ingest-port <port>", "device ingest HTTP port", port, 8081)
    .option("--mqtt-port <port>", "embedded MQTT broker port", port, 1884)
    .option("--no-mqtt", "no embedded MQTT broker")
    .option("--no-ingest-http", "no HTTP device ingest")
    .option("--public-url <url>", "the API's public base URL (the issuer of its tokens)")
    .option(
      "--initial-credits <n>",
      "credits a new app starts with on this node",
      integer(0, 1_000_000_000),
      0,
    )
    .option(
      "--rewards-key <env:NAME|file:PATH>",
      "run the rewards publisher, signing with the key in this variable or 0600 file (publisher role)",
      keySource,
    )
    .option(
      "--settlement-key <env:NAME|file:PATH>",
      "settle this node's usage on chain as its registry operator (with --node-id)",
      keySource,
    )
    .option("--node-id <id>", "the node's id in the node registry", integer(1, Number.MAX_SAFE_INTEGER))
    .option(
      "--device-stake-key <env:NAME|file:PATH>",
      "release vested device stakes and report failures (performance reporter role)",
      keySource,
    )
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent", "info")
    .option("--force", "replace existing settings")
    .option("--json", "print the stored settings as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  dimo node init --data-dir .node --rpc-url http://127.0.0.1:8545 --devnet-dir .devnet --api-port 9080 --ingest-port 9081 --mqtt-port 9884\n  dimo node init --data-dir /var/lib/dimo --rpc-url https://polygon-rpc.example --deployment deployment.json --confirmations 5",
    )
    .action(async (o: InitOptions) => {
      const out = output({ json: o.json ?? false });
      const file = configPath(o.dataDir);
      if (existsSync(file) && !o.force)
        throw new CliError(`${file} exists; pass --force to replace it.`, ExitCode.Usage);
      const network = await resolveNetwork(o);
      const rpcUrl = requireRpc(network);
      let chainId = o.chainId ?? network.chainId;
      if (chainId === undefined) {
        try {
          chainId = await createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) }).getChainId();
        } catch (error) {
          throw new CliError(
            `the chain at ${rpcUrl} did not answer (${(error as Error).message.split("\n")[0]}); pass --chain-id or check --rpc-url.`,
            ExitCode.Unreachable,
          );
        }
      }
      let config: NodeConfig;
      try {
        config = parseNodeConfig({
          dataDir: resolve(o.dataDir),
          chain: {
            rpcUrl,
            chainId,
            startBlock: o.startBlock ?? network.startBlock,
            confirmations: o.confirmations,
          },
          contracts: {
            ...network.addresses,
            ...(network.hardware && {
              deviceModels: network.hardware.deviceModels,
              deviceStake: network.hardware.deviceStake,
            }),
          },
          api: { host: o.host, port: o.apiPort, ...(o.publicUrl && { publicUrl: o.publicUrl }) },
          ingest: {
            http: o.ingestHttp ? { host: o.host, port: o.ingestPort } : false,
            mqtt: o.mqtt ? { host: o.host, port: o.mqttPort } : false,
          },
          credits: { initialCredits: o.initialCredits },
          jobs: jobsOf(o, network),
          logLevel: o.logLevel,
        });
      } catch (error) {
        if (error instanceof NodeConfigError) throw new CliError(error.message, ExitCode.Usage);
        throw error;
      }
      mkdirSync(resolve(o.dataDir), { recursive: true });
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
      out.result(
        config,
        () =>
          `Stored the node's settings in ${file} (chain ${chainId} at ${rpcUrl}). Start it with: dimo node start --data-dir ${o.dataDir}`,
      );
    });

  node
    .command("start")
    .description("run the node from <data-dir>/node.json until Ctrl-C (logs as JSON lines on stderr)")
    .option("--data-dir <dir>", "the node's data dir (holds node.json)", ".data/node")
    .option("--json", "print one JSON line with the node's URLs once it runs")
    .addHelpText(
      "after",
      "\nEnvironment: DIMO_NODE_OPERATOR_TOKEN (≥ 16 characters) lets the operator top up credits; it is never stored.",
    )
    .action(async (o: { dataDir: string; json?: boolean }) => {
      const config = readConfig(o.dataDir);
      const operatorToken = process.env.DIMO_NODE_OPERATOR_TOKEN;
      if (operatorToken !== undefined && operatorToken.length < 16)
        throw new CliError("DIMO_NODE_OPERATOR_TOKEN must be at least 16 characters.", ExitCode.Usage);
      const logger = pino({ level: config.logLevel, name: "dimo-node" }, pino.destination(2));
      process.stderr.write(
        `dimo node: indexing chain ${config.chain.chainId} from block ${config.chain.startBlock} (${config.chain.rpcUrl})…\n`,
      );
      const running = await startNode(
        { ...config, credits: { ...config.credits, ...(operatorToken && { operatorToken }) } },
        { logger },
      ).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
          throw new CliError(
            `a port the node needs is in use (${(error as Error).message}); change it with dimo node init --force …`,
          );
        throw error;
      });
      const urls = {
        apiUrl: running.apiUrl,
        ingestUrl: running.ingestUrl ?? null,
        mqttUrl: running.mqttUrl ?? null,
      };
      await runUntilInterrupted({
        announce: () =>
          process.stdout.write(
            o.json
              ? `${toJson(urls)}\n`
              : `dimo node is running\n  API      ${urls.apiUrl}\n  Ingest   ${urls.ingestUrl ?? "off"}\n  MQTT     ${urls.mqttUrl ?? "off"}\nStop with Ctrl-C.\n`,
          ),
        stop: () => running.close(),
        stopping: "dimo node: stopping…",
      });
      logger.flush();
    });

  node
    .command("show")
    .description("print the node's stored settings")
    .option("--data-dir <dir>", "the node's data dir", ".data/node")
    .option("--json", "as JSON")
    .action((o: { dataDir: string; json?: boolean }) => {
      const config = readConfig(o.dataDir);
      output({ json: o.json ?? false }).result(config, () => JSON.stringify(config, null, 2));
    });
}
