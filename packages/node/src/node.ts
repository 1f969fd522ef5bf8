import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ProtocolAddresses } from "@dimo-open/protocol";
import pino, { type Logger } from "pino";
import {
  createPublicClient,
  custom,
  defineChain,
  type EIP1193Provider,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { bearerToken, createFetchApi, fetchUnauthorizedError } from "./api/fetch/index.ts";
import { boundUrl, createApiServer, type FetchHandler } from "./api/server.ts";
import { SerialConnection } from "./api/sql.ts";
import { verifyVehicleToken } from "./auth/tokens.ts";
import { ChainIndexer } from "./chain/index.ts";
import { aedesCommandTransport, CommandService, createCommandsHandler } from "./commands/index.ts";
import { type NodeConfigInput, parseNodeConfig } from "./config.ts";
import { openDatabase } from "./db/database.ts";
import * as ds from "./device-services/index.ts";
import { hardwareEventSources } from "./identity/hardwareSources.ts";
import { rewardsEventSources } from "./identity/rewardsSources.ts";
import { createIngest, startIngestServer, startMqttBroker } from "./ingest/index.ts";
import { type RunningNodeJobs, startNodeJobs } from "./settlement/jobs.ts";
import { RawArchive } from "./telemetry/index.ts";

export interface StartNodeOptions {
  /** The chain in-process (the devnet's EIP-1193 provider); default: JSON-RPC at `chain.rpcUrl`. */
  provider?: { request(args: { method: string; params?: unknown }): Promise<unknown> };
  logger?: Logger;
  /**
   * The node's own key: it signs remote commands to devices (which pin its address). Default: a
   * key generated at first start in `<dataDir>/node-key` (mode 0600) and reused after.
   */
  nodeKey?: Hex;
  /** A directory of DBC files served to devices as their CAN configuration (synced at start). */
  dbcDir?: string;
}

export interface RunningNode {
  /** The API's base URL: sign-in, token exchange, identity and telemetry GraphQL, webhooks. */
  apiUrl: string;
  /** Device HTTPS ingest base URL, when on. */
  ingestUrl: string | undefined;
  /** Embedded MQTT broker URL, when on. */
  mqttUrl: string | undefined;
  indexer: ChainIndexer;
  /** The address devices pin to authenticate the node's commands. */
  nodeAddress: `0x${string}`;
  /** The money jobs configured under `jobs` (rewards, settlement, device stakes), each undefined when off. */
  jobs: Omit<RunningNodeJobs, "stop" | "rewardsRoute">;
  close(): Promise<void>;
}

/** Reads the node key from the data dir, or creates it (0600) on first start. Never logged. */
function nodeKeyIn(dataDir: string): Hex {
  const path = join(dataDir, "node-key");
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077)
      throw new Error(`${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`);
    return readFileSync(path, "utf8").trim() as Hex;
  }
  const key = generatePrivateKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: "wx" });
  return key;
}

/** Prefix mounts answer 404 when a device-services handler has no such route. */
const orNotFound =
  (handler: (request: Request) => Promise<Response | undefined>): FetchHandler =>
  async (request) =>
    (await handler(request)) ??
    Response.json(
      { code: 404, message: `No route ${request.method} ${new URL(request.url).pathname}.` },
      { status: 404 },
    );

/**
 * Starts a node: its database, the chain indexer (identity, pairings, grants, bans), device
 * ingest over HTTPS and MQTT, and the app-facing APIs, all on one DuckDB file in `dataDir`.
 * Parts are started in dependency order and stopped in reverse; ingest accepts messages only once
 * the index has caught up with the chain, so no paired device is refused as unknown at start.
 */
export async function startNode(
  input: NodeConfigInput,
  options: StartNodeOptions = {},
): Promise<RunningNode> {
  const config = parseNodeConfig(input);
  const log = options.logger ?? pino({ level: config.logLevel, name: "dimo-node" });
  mkdirSync(config.dataDir, { recursive: true });
  const stack: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stack.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error({ err: error }, "error while stopping");
      }
    }
  };
  try {
    const chain = defineChain({
      id: config.chain.chainId,
      name: `chain ${config.chain.chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [config.chain.rpcUrl] } },
    });
    const transport = options.provider
      ? custom(options.provider as EIP1193Provider, { retryCount: 0 })
      : http(config.chain.rpcUrl);
    const publicClient = createPublicClient({
      chain,
      transport,
      pollingInterval: 250,
      cacheTime: 0,
    }) as PublicClient;
    const { deviceModels, deviceStake: deviceStakeAddress, dimoRewards, ...addresses } = config.contracts;
    const deviceStakeContract = deviceStakeAddress ?? config.jobs.deviceStake?.hardware.deviceStake;
    const rewardsContract = dimoRewards ?? config.jobs.rewards?.dimoRewards;
    const protocol: ProtocolAddresses = addresses;

    const db = await openDatabase(join(config.dataDir, "node.duckdb"), config.database);
    stack.push(() => db.close());

    const indexer = await ChainIndexer.create({
      client: publicClient,
      addresses: protocol,
      db,
      sources: [
        ...(deviceModels ? hardwareEventSources({ deviceModels }) : []),
        ...(rewardsContract ? rewardsEventSources({ dimoRewards: rewardsContract }) : []),
      ],
      confirmations: config.chain.confirmations,
      startBlock: BigInt(config.chain.startBlock),
      pollIntervalMs: config.chain.pollIntervalMs,
      logger: log.child({ part: "indexer" }),
    });
    await indexer.syncToHead();
    indexer.start();
    stack.push(() => indexer.stop());
    log.info({ checkpoint: indexer.checkpoint?.blockNumber?.toString() }, "chain index caught up");

    const ingest = createIngest({
      db,
      directory: indexer.identity,
      chainId: config.chain.chainId,
      vehiclesContract: protocol.vehicleId,
      devicesContract: protocol.aftermarketDeviceId,
      // Parse, verify and normalise on a worker thread when there is a second core (BENCHMARKS.md).
      admissionWorkers: availableParallelism() > 1 ? 1 : 0,
      logger: log.child({ part: "ingest" }),
    });
    await ingest.start();
    stack.push(() => ingest.stop());

    // The API's port is bound now, answering 503 until the API is built: tokens' issuer and the
    // evidence links name the node's URL, which with port 0 is only known once bound.
    const apiServer = createServer((_request, response) => {
      response.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      response.end(JSON.stringify({ code: 503, message: "The node is starting; retry in a moment." }));
    });
    await new Promise<void>((resolve, reject) => {
      apiServer.once("error", reject);
      apiServer.listen(config.api.port, config.api.host, resolve);
    });
    stack.push(() => new Promise<void>((resolve) => apiServer.close(() => resolve())));
    const issuer = config.api.publicUrl ?? boundUrl(apiServer).url;

    // Device services: configuration, firmware, performance tracking; it watches ingest.

    const dsSql = await SerialConnection.open(db);
    const deviceConfig = await ds.DeviceConfigService.open({
      sql: dsSql,
      profiles: new ds.IdentityVehicleProfiles(indexer.identity, new ds.FingerprintProtocols(dsSql)),
    });
    if (options.dbcDir) await deviceConfig.syncDbcDirectory(options.dbcDir);
    const firmware = await ds.FirmwareReleases.open({
      sql: dsSql,
      dir: join(config.dataDir, "firmware"),
      makers: new ds.IdentityMakerKeys(indexer.identity),
      identity: indexer.identity,
    });
    const evidence = await ds.PerformanceEvidence.open(dsSql, { baseUrl: issuer });
    const performance = new ds.DevicePerformance({
      catalog: new ds.ChainDeviceCatalog(
        indexer.identity,
        deviceStakeContract && { publicClient, hardware: { deviceStake: deviceStakeContract } },
      ),
      evidence,
    });
    performance.start();
    stack.push(async () => performance.stop());
    const feed = new ds.TelemetryFeed({ sql: dsSql, record: (o) => performance.record(o) });
    await feed.start();
    stack.push(async () => feed.stop());
    const observed = ds.observeIngest(ingest, performance);

    let ingestUrl: string | undefined;
    if (config.ingest.http) {
      const server = await startIngestServer({
        ingest,
        host: config.ingest.http.host,
        port: config.ingest.http.port,
      });
      stack.push(() => server.close());
      ingestUrl = `http://${config.ingest.http.host}:${server.port}`;
    }
    let mqttUrl: string | undefined;
    let commands: CommandService | undefined;
    const nodeAccount = privateKeyToAccount(options.nodeKey ?? nodeKeyIn(config.dataDir));
    if (config.ingest.mqtt) {
      const broker = await startMqttBroker({
        ingest: observed,
        directory: indexer.identity,
        chainId: config.chain.chainId,
        host: config.ingest.mqtt.host,
        port: config.ingest.mqtt.port,
      });
      stack.push(() => broker.close());
      mqttUrl = `mqtt://${config.ingest.mqtt.host}:${broker.port}`;
      // Remote commands reach devices over the embedded broker's per-device command topic.
      commands = await CommandService.open({
        sql: await SerialConnection.open(db),
        chain: { publicClient, addresses: protocol },
        chainId: config.chain.chainId,
        identity: indexer.identity,
        signer: nodeAccount,
        transport: aedesCommandTransport(broker.broker),
      });
      commands.start();
      const started = commands;
      stack.push(() => started.stop());
    }

    const archive = await RawArchive.open(db);
    // The Fetch API reads the raw archive with the same vehicle tokens as telemetry; its
    // authorizer needs the API's key ring, which exists once the API is built: bound below.
    // Handlers that need the API's key ring are bound once the API exists (below).
    let deviceServicesHandler: ((request: Request) => Promise<Response | undefined>) | undefined;
    let commandsHandler: ((request: Request) => Promise<Response | undefined>) | undefined;
    let jobs: RunningNodeJobs | undefined;
    const late = (
      get: () => ((request: Request) => Promise<Response | undefined>) | undefined,
    ): FetchHandler => orNotFound(async (request) => get()?.(request));
    let authorizeVehicle:
      | ((request: Request) => Promise<{ vehicleTokenId: bigint; privileges: readonly number[] }>)
      | undefined;
    const fetchApi = createFetchApi({
      archive,
      chainId: config.chain.chainId,
      vehiclesContract: protocol.vehicleId,
      graphqlEndpoint: "/fetch/query",
      authorize: (request) => {
        if (!authorizeVehicle) throw fetchUnauthorizedError("the node is starting");
        return authorizeVehicle(request);
      },
    });
    const api = await createApiServer({
      server: apiServer,
      chain: { publicClient, addresses: protocol },
      chainId: config.chain.chainId,
      database: db,
      issuer,
      identity: indexer.identity,
      credits: config.credits,
      webhooks: { allowPrivateTargets: config.allowPrivateWebhookTargets },
      mounts: {
        "/fetch": async (request: Request) => await fetchApi.fetch(request),
        "/v1/device-config": late(() => deviceServicesHandler),
        "/v1/firmware": late(() => deviceServicesHandler),
        "/v1/device-performance": late(() => deviceServicesHandler),
        "/v1/vehicle": late(() => commandsHandler),
        "/v1/rewards": late(() => jobs?.rewardsRoute),
      },
      logError: (error, context) => log.error({ err: error, ...context }, "api error"),
    });
    authorizeVehicle = async (request) => {
      try {
        const grant = await verifyVehicleToken(api.services.keys, api.services.issuer, bearerToken(request));
        if (grant.vehicleContract !== protocol.vehicleId)
          throw new Error("token is for another vehicle contract");
        return { vehicleTokenId: grant.tokenId, privileges: grant.privileges };
      } catch (error) {
        throw fetchUnauthorizedError(`unauthorized: ${(error as Error).message}`);
      }
    };
    deviceServicesHandler = ds.createDeviceServicesHandler({
      config: deviceConfig,
      firmware,
      performance,
      evidence,
      identity: indexer.identity,
      authenticate: ds.apiTokenAuthenticator(api.services.keys, api.services.issuer),
      publicUrl: issuer,
      operatorToken: config.credits.operatorToken,
    });
    if (commands) {
      commandsHandler = createCommandsHandler({
        commands,
        keys: api.services.keys,
        issuer: api.services.issuer,
      });
    }
    const { url: apiUrl } = await api.listen(config.api.port, config.api.host);
    stack.push(() => api.close());
    // The money jobs start once the API serves what they publish (rewards inputs files).
    const started = await startNodeJobs({
      jobs: config.jobs,
      dataDir: config.dataDir,
      publicClient,
      chain,
      transport,
      addresses: protocol,
      db,
      sql: dsSql,
      performance,
      // Where the API really listens (a port 0 in the configuration is known only now).
      publicUrl: config.api.publicUrl ?? apiUrl,
      log: log.child({ part: "jobs" }),
    });
    jobs = started;
    stack.push(() => started.stop());
    log.info({ apiUrl, ingestUrl, mqttUrl }, "node started");
    const { rewards, settlement, deviceStake } = started;
    return {
      apiUrl,
      ingestUrl,
      mqttUrl,
      indexer,
      nodeAddress: nodeAccount.address,
      jobs: { rewards, settlement, deviceStake },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
