/**
 * The whole network on one machine: the devnet chain with the protocol, the hardware ecosystem,
 * rewards and payments; demo data set up through real transactions (a maker licensed by a
 * governance vote, devices claimed and paired, a developer licence with grants); a node (chain
 * index, device ingest over HTTP and MQTT, the app-facing APIs) on a DuckDB file; simulated
 * vehicles streaming signed data to it; and the web console. `dimo devnet` runs it, and so do
 * tests. A second start on the same data dir resumes the same network and skips the setup.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RunningNode, startNode } from "@dimo-open/node";
import { dimoRewardsAbi, erc721Did, REWARDS_ROLES, setRedirectUri, withRewards } from "@dimo-open/protocol";
import { DEVNET_MNEMONIC, type DevnetNetwork, startDevnetNetwork } from "@dimo-open/protocol/devnet";
import pino, { type Logger } from "pino";
import { bytesToHex, createWalletClient, custom } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { prepareConsoleFiles } from "./consoleBuild.ts";
import { type ConsoleConfigJson, type ConsoleServer, startConsoleServer } from "./consoleServer.ts";
import { startDevnetClock } from "./devnetClock.ts";
import { type SimulatedVehicles, startSimulatedVehicles } from "./fleet.ts";
import {
  checkVehicleCount,
  DEFAULT_STACK_PORTS,
  DEFAULT_VEHICLES,
  DEVNET_REWARDS,
  type DevnetRewardsSchedule,
  resolveStackPorts,
  type StackPorts,
} from "./options.ts";
import {
  readStackRecord,
  removeStackUrls,
  type StackRecord,
  type StackUrls,
  writeStackRecord,
  writeStackUrls,
} from "./record.ts";
import { DEMO_ROLES, type DemoRole, demoAccounts } from "./roles.ts";
import { setUpDemoNetwork } from "./setup.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface DevnetStackOptions {
  /** Where the chain journal, records, node database, device buffers and logs live. */
  dataDir: string;
  /** Interface every server listens on. Default 127.0.0.1 (the chain's accounts are unlocked). */
  host?: string;
  /** Ports one by one (0 picks a free one; `mqtt`/`console` false switches them off). */
  ports?: Partial<StackPorts>;
  /** Added to every default port that `ports` does not set. */
  portOffset?: number;
  /** Simulated vehicles set up on a fresh data dir (default 3). A resumed network keeps its own. */
  vehicles?: number;
  /** Discard the data dir and start a new network. */
  reset?: boolean;
  /** The simulated fleet; false: no vehicles drive. */
  fleet?: false | { eventIntervalMs?: number; misbehavingShare?: number };
  /** The console: serve these built files, or (default) @dimo-open/console's dist, built if needed. */
  console?: { dir?: string };
  /** The fleet's seed on a fresh data dir (default "dimo-devnet"). */
  seed?: string;
  /** Rewards on a fresh data dir: when week 0 ends after the setup, and the challenge window. */
  rewards?: Partial<DevnetRewardsSchedule>;
  /**
   * How often the node's money jobs run (ms): rewards publishing, settlement, device stakes.
   * Default 5 s, 15 s and 60 s.
   */
  jobIntervals?: { rewards?: number; settlement?: number; deviceStake?: number };
  /**
   * The chain makes an empty block after this many idle seconds (default 30), as a public chain
   * keeps making blocks: the node's jobs act on the chain's time (see devnetClock.ts).
   */
  idleBlockSeconds?: number;
  /** Level of the node's and devices' logs, written to `<dataDir>/logs/`. Default info. */
  logLevel?: LogLevel;
  /** Told each step as it is done, in words a person reads. */
  onProgress?: (step: string) => void;
}

export interface DevnetStack {
  chain: DevnetNetwork;
  node: RunningNode;
  fleet: SimulatedVehicles | undefined;
  /** The console's URL, or undefined when it is not served (`consoleSkipped` says why). */
  consoleUrl: string | undefined;
  consoleSkipped: string | undefined;
  /** Why a money job of the node is off on this network (e.g. one set up before they existed). */
  jobsSkipped: string[];
  record: StackRecord;
  urls: StackUrls;
  /** True when an existing network was resumed (no setup ran). */
  resumed: boolean;
  dataDir: string;
  /** How long each phase of the start took (ms), for benchmarks and the summary. */
  timings: { phase: string; ms: number }[];
  close(): Promise<void>;
}

/** A resumed data dir holds a chain but not a finished setup. */
export class StackSetupIncompleteError extends Error {
  override name = "StackSetupIncompleteError";
  constructor(dataDir: string) {
    super(
      `The devnet in ${dataDir} was not set up completely (no stack.json beside the chain; was the first start interrupted?). Start over with dimo devnet --reset.`,
    );
  }
}

/** A port the stack needs is taken. */
export class StackPortInUseError extends Error {
  override name = "StackPortInUseError";
  constructor(
    readonly part: string,
    readonly port: number,
    flag: string,
  ) {
    super(
      `Port ${port} (${part}) is in use by another program. Stop it, pick another port with ${flag}, or move every port with --port-offset.`,
    );
  }
}

function portInUse<T>(part: string, port: number, flag: string, start: () => Promise<T>): Promise<T> {
  return start().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE")
      throw new StackPortInUseError(part, port, flag);
    throw error;
  });
}

/** The origins the console is opened at: the demo app's sign-in domains (redirect URIs). */
function consoleOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/**
 * A resumed network served on another console port than at its setup: the demo app adds that
 * origin to its redirect URIs (a real transaction by its owner), so signing in from the console
 * keeps working.
 */
async function withConsoleRedirects(
  chain: DevnetNetwork,
  record: StackRecord,
  port: number | false,
): Promise<StackRecord> {
  if (port === false || port === 0) return record;
  const missing = consoleOrigins(port).filter((uri) => !record.developer.redirectUris.includes(uri));
  if (missing.length === 0) return record;
  const developer = demoAccounts().developer;
  const client = {
    ...chain.admin,
    walletClient: createWalletClient({
      chain: chain.chain,
      transport: custom(chain.devnet.provider, { retryCount: 0 }),
      account: developer,
      pollingInterval: 20,
      cacheTime: 0,
    }),
  };
  for (const uri of missing)
    await setRedirectUri(client, { tokenId: BigInt(record.developer.licenseId), uri, enabled: true });
  return {
    ...record,
    developer: { ...record.developer, redirectUris: [...record.developer.redirectUris, ...missing] },
  };
}

/**
 * Writes a demo account's key where the node's job configuration points (mode 0600). The key
 * derives from the public test mnemonic, as every devnet account: nothing secret is stored.
 */
function writeDemoKey(dir: string, role: DemoRole): string {
  const file = `${role}.key`;
  const key = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: DEMO_ROLES[role].index }).getHdKey()
    .privateKey!;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `${bytesToHex(key)}\n`, { mode: 0o600 });
  return file;
}

export async function startDevnetStack(options: DevnetStackOptions): Promise<DevnetStack> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? "127.0.0.1";
  const ports = resolveStackPorts(options.ports, options.portOffset ?? 0);
  const vehicles = checkVehicleCount(options.vehicles ?? DEFAULT_VEHICLES);
  const progress = options.onProgress ?? (() => {});
  const timings: { phase: string; ms: number }[] = [];
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings.push({ phase: name, ms: now - phaseStart });
    phaseStart = now;
  };

  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, "logs"), { recursive: true });
  const level = options.logLevel ?? "info";
  const logFile = (name: string): Logger =>
    pino({ level, name }, pino.destination({ dest: join(dataDir, "logs", `${name}.log`), sync: false }));
  const loggers: Logger[] = [];
  const log = (name: string) => {
    const l = logFile(name);
    loggers.push(l);
    return l;
  };

  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        process.stderr.write(`devnet: error while stopping: ${(error as Error).message}\n`);
      }
    }
    for (const l of loggers.splice(0)) l.flush();
  };

  try {
    progress(`chain: starting in ${dataDir}`);
    const chain = await portInUse("chain JSON-RPC", ports.chain, "--rpc-port", () =>
      startDevnetNetwork({ dataDir, host, port: ports.chain, logger: log("chain") }),
    );
    stops.push(() => chain.close());
    const resumed = chain.resumed;
    phase("chain");
    progress(
      resumed
        ? `chain: resumed at block ${await chain.admin.publicClient.getBlockNumber()} (${chain.devnet.provider.replayedEntries} journal entries replayed), JSON-RPC ${chain.deployment.rpcUrl}`
        : `chain: protocol deployed, JSON-RPC ${chain.deployment.rpcUrl}`,
    );

    let record: StackRecord;
    if (resumed) {
      const found = readStackRecord(dataDir);
      if (!found) throw new StackSetupIncompleteError(dataDir);
      if (found.addresses.vehicleId !== chain.deployment.addresses.vehicleId)
        throw new StackSetupIncompleteError(dataDir);
      record = await withConsoleRedirects(chain, found, ports.console);
      if (record !== found) writeStackRecord(dataDir, record);
      progress(
        `setup: skipped (resumed network: ${record.fleet.vehicles.length} vehicles, maker ${record.maker.name})`,
      );
    } else {
      record = await setUpDemoNetwork(chain, {
        vehicles,
        seed: options.seed ?? "dimo-devnet",
        rewards: { ...DEVNET_REWARDS, ...options.rewards },
        nodeUrl: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${ports.api || DEFAULT_STACK_PORTS.api}`,
        redirectUris: consoleOrigins(ports.console || (DEFAULT_STACK_PORTS.console as number)),
        onStep: (s) => progress(`setup: ${s}`),
      });
      writeStackRecord(dataDir, record);
    }
    phase("setup");

    // The node's money jobs sign with demo accounts that hold the roles on chain: the operator
    // publishes reward weeks (DimoRewards' publisher) and settles usage (its NodeRegistry id);
    // the performance reporter files device failures and releases vested stakes.
    const nodeDir = join(dataDir, "node");
    const accounts = demoAccounts();
    const jobsSkipped: string[] = [];
    const intervals = options.jobIntervals ?? {};
    const publisher = await chain.admin.publicClient.readContract({
      address: record.rewards.dimoRewards,
      abi: dimoRewardsAbi,
      functionName: "hasRole",
      args: [REWARDS_ROLES.publisher, accounts.operator.address],
    });
    if (!publisher)
      jobsSkipped.push("rewards: the operator is not this network's rewards publisher (dimo devnet --reset)");
    if (!record.operator)
      jobsSkipped.push("settlement: this network has no registered node (dimo devnet --reset)");
    const operatorKey = writeDemoKey(nodeDir, "operator");
    const reporterKey = writeDemoKey(nodeDir, "reporter");
    const jobs = {
      ...(publisher && {
        rewards: {
          dimoRewards: record.rewards.dimoRewards,
          key: { file: operatorKey },
          intervalMs: intervals.rewards ?? 5_000,
        },
      }),
      ...(record.operator && {
        settlement: {
          ...record.payments,
          nodeId: record.operator.nodeId,
          key: { file: operatorKey },
          intervalMs: intervals.settlement ?? 15_000,
          lagMs: 5_000,
        },
      }),
      deviceStake: {
        hardware: record.hardware,
        key: { file: reporterKey },
        intervalMs: intervals.deviceStake ?? 60_000,
      },
    };

    progress("node: indexing the chain, opening ingest and the APIs");
    const node = await portInUse("node", ports.api, "--api-port / --ingest-port / --mqtt-port", () =>
      startNode(
        {
          dataDir: nodeDir,
          chain: {
            rpcUrl: chain.deployment.rpcUrl,
            chainId: record.chainId,
            startBlock: record.startBlock,
            pollIntervalMs: 250,
          },
          contracts: {
            ...record.addresses,
            deviceModels: record.hardware.deviceModels,
            deviceStake: record.hardware.deviceStake,
            // Indexed for identity rewards even when this node does not publish (an older network).
            dimoRewards: record.rewards.dimoRewards,
          },
          api: { host, port: ports.api },
          ingest: {
            http: { host, port: ports.ingest },
            mqtt: ports.mqtt === false ? false : { host, port: ports.mqtt },
          },
          // The node's own credit balances (until it reads on-chain credits): a devnet app can query at once.
          credits: { initialCredits: 100_000 },
          allowPrivateWebhookTargets: true,
          jobs,
          logLevel: level,
        },
        { provider: chain.devnet.provider, logger: log("node") },
      ),
    );
    stops.push(() => node.close());
    phase("node");
    progress(
      `node: API ${node.apiUrl}, ingest ${node.ingestUrl}${node.mqttUrl ? `, MQTT ${node.mqttUrl}` : ""}`,
    );
    const clockLog = log("clock");
    const clock = startDevnetClock(chain.admin, chain.devnet.provider, {
      idleSeconds: options.idleBlockSeconds ?? 30,
      ...(publisher && { rewards: withRewards(chain.admin, record.rewards) }),
      onError: (error) => clockLog.warn({ err: error }, "devnet clock"),
    });
    stops.push(() => clock.stop());
    progress(
      `node jobs: ${[publisher && "rewards", record.operator && "settlement", "device stakes"].filter(Boolean).join(", ")}${jobsSkipped.length ? ` (off: ${jobsSkipped.join("; ")})` : ""}`,
    );

    let fleet: SimulatedVehicles | undefined;
    if (options.fleet !== false && record.fleet.vehicles.length > 0) {
      const { chainId, addresses } = record;
      fleet = await startSimulatedVehicles({
        seed: record.fleet.seed,
        vehicles: record.fleet.vehicles.map((v) => ({
          index: v.index,
          producer: erc721Did(chainId, addresses.aftermarketDeviceId, BigInt(v.deviceId)),
          subject: erc721Did(chainId, addresses.vehicleId, BigInt(v.vehicleId)),
        })),
        dataDir: join(dataDir, "fleet"),
        ingestUrl: node.ingestUrl!,
        // A demo shows cars driving (and earning) at any hour.
        departAtStart: true,
        ...(options.fleet?.eventIntervalMs !== undefined && {
          eventIntervalMs: options.fleet.eventIntervalMs,
        }),
        ...(options.fleet?.misbehavingShare !== undefined && {
          misbehavingShare: options.fleet.misbehavingShare,
        }),
        log: log("fleet"),
      });
      const started = fleet;
      stops.push(() => started.stop());
      progress(`fleet: ${fleet.agents.length} simulated vehicles streaming signed events to the node`);
    }
    phase("fleet");

    let server: ConsoleServer | undefined;
    let consoleSkipped: string | undefined;
    if (ports.console === false) consoleSkipped = "switched off";
    else {
      const files = await prepareConsoleFiles({
        ...(options.console?.dir && { dir: options.console.dir }),
        onStep: progress,
      });
      if (!files.available) consoleSkipped = files.reason;
      else {
        const config: ConsoleConfigJson = {
          chainId: record.chainId,
          rpcUrl: "/rpc",
          nodeUrl: "/node",
          addresses: record.addresses,
          hardware: record.hardware,
          rewards: record.rewards,
          payments: record.payments,
          demoMnemonic: DEVNET_MNEMONIC,
          startBlock: record.startBlock,
        };
        const consolePort = ports.console;
        server = await portInUse("console", consolePort, "--console-port", () =>
          startConsoleServer({
            dir: files.dir,
            host,
            port: consolePort,
            config,
            nodeUrl: node.apiUrl,
            rpcUrl: chain.deployment.rpcUrl,
          }),
        );
        const running = server;
        stops.push(() => running.close());
      }
    }
    phase("console");
    progress(server ? `console: ${server.url}` : `console: not served (${consoleSkipped})`);

    const urls: StackUrls = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      rpcUrl: chain.deployment.rpcUrl,
      nodeUrl: node.apiUrl,
      ...(node.ingestUrl && { ingestUrl: node.ingestUrl }),
      ...(node.mqttUrl && { mqttUrl: node.mqttUrl }),
      ...(server && { consoleUrl: server.url }),
    };
    writeStackUrls(dataDir, urls);
    stops.splice(1, 0, async () => removeStackUrls(dataDir));

    return {
      chain,
      node,
      fleet,
      consoleUrl: server?.url,
      consoleSkipped,
      jobsSkipped,
      record,
      urls,
      resumed,
      dataDir,
      timings,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
