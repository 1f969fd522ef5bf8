/**
 * The node's money jobs on a timer, as configured (`jobs` in the node configuration): the weekly
 * rewards publisher, usage settlement, and device-stake releases and failure reports. Each job
 * signs with its own key, read from an environment variable or a 0600 file and never logged.
 * A failing run is logged and retried at the next tick; stopping waits for the run in progress.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { getSettlement, type ProtocolAddresses } from "@dimo-open/protocol";
import type { Logger } from "pino";
import {
  type Chain,
  createWalletClient,
  type Hex,
  nonceManager,
  type PublicClient,
  type Transport,
} from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import type { SerialConnection } from "../api/sql.ts";
import type { KeySource, NodeConfig } from "../config.ts";
import type { NodeDatabase } from "../db/database.ts";
import { DuckDbWeeklyActivity } from "../rewards/activity.ts";
import { ProtocolRewardsChainView } from "../rewards/chainView.ts";
import { rewardsInputsRoute } from "../rewards/http.ts";
import { RewardsJob } from "../rewards/job.ts";
import { RewardsInputsStore } from "../rewards/store.ts";
import { type DevicePerformanceSource, DeviceStakeJob } from "./deviceStake.ts";
import { SettlementJob } from "./job.ts";
import { LedgerUsageSource } from "./usage.ts";

/** A job's key cannot be used: where it was looked for and what to do (never the key itself). */
export class JobKeyError extends Error {
  override name = "JobKeyError";
}

/** Reads a job's key from its source. Relative files are under `dataDir`; they must be mode 0600. */
export function readJobKey(source: KeySource, dataDir: string, job: string): LocalAccount {
  let key: string;
  let where: string;
  if ("env" in source) {
    where = `the environment variable ${source.env}`;
    key = process.env[source.env] ?? "";
    if (!key)
      throw new JobKeyError(`The ${job} job's key is not set: export ${source.env}=0x… before starting.`);
  } else {
    const path = isAbsolute(source.file) ? source.file : join(dataDir, source.file);
    where = path;
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch (error) {
      throw new JobKeyError(
        `The ${job} job's key file ${path} cannot be read (${(error as Error).message}).`,
      );
    }
    if (mode & 0o077)
      throw new JobKeyError(
        `${path} (the ${job} job's key) is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`,
      );
    key = readFileSync(path, "utf8");
  }
  const hex = key.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex))
    throw new JobKeyError(`${where} does not hold a private key (0x and 64 hex digits) for the ${job} job.`);
  // Two jobs may sign with one key (rewards and settlement by the operator): nonces are handed out here.
  return privateKeyToAccount(hex as Hex, { nonceManager });
}

/** Runs `run` now and then `intervalMs` after each run ends, until stopped. */
function every(intervalMs: number, run: () => Promise<void>, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    running = run()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

export interface NodeJobsOptions {
  jobs: NodeConfig["jobs"];
  dataDir: string;
  publicClient: PublicClient;
  chain: Chain;
  transport: Transport;
  addresses: ProtocolAddresses;
  db: NodeDatabase;
  /** The billing ledger's connection (settlement reads `credit_usage` from it). */
  sql: SerialConnection;
  /** Device failures for the device-stake job (the device-performance service). */
  performance: DevicePerformanceSource;
  /** The node's public base URL (rewards inputs files are served under it). */
  publicUrl: string;
  log: Logger;
}

export interface RunningNodeJobs {
  /** `GET /v1/rewards/inputs/:hash` when the rewards job runs (mount under /v1/rewards). */
  rewardsRoute: ((request: Request) => Promise<Response>) | undefined;
  rewards: RewardsJob | undefined;
  settlement: SettlementJob | undefined;
  deviceStake: DeviceStakeJob | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the configured jobs. Keys are read first, so a missing or exposed key stops the node's
 * start with a message saying what to fix rather than failing later on a timer.
 */
export async function startNodeJobs(o: NodeJobsOptions): Promise<RunningNodeJobs> {
  const stops: (() => Promise<void>)[] = [];
  const wallet = (account: LocalAccount) =>
    createWalletClient({
      chain: o.chain,
      transport: o.transport,
      account,
      pollingInterval: 250,
      cacheTime: 0,
    });
  const base = { publicClient: o.publicClient, addresses: o.addresses };
  const result: RunningNodeJobs = {
    rewardsRoute: undefined,
    rewards: undefined,
    settlement: undefined,
    deviceStake: undefined,
    stop: async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    },
  };
  const failed = (job: string) => (error: unknown) =>
    o.log.error({ err: error, job }, `${job} job run failed`);

  const r = o.jobs.rewards;
  if (r) {
    const account = readJobKey(r.key, o.dataDir, "rewards");
    const client = { ...base, walletClient: wallet(account), rewards: { dimoRewards: r.dimoRewards } };
    const store = await RewardsInputsStore.open(join(o.dataDir, "rewards"));
    const deviceStake = o.jobs.deviceStake?.hardware.deviceStake;
    const job = new RewardsJob({
      client,
      activity: new DuckDbWeeklyActivity(await o.db.connect(), o.addresses),
      chain: new ProtocolRewardsChainView(client, deviceStake),
      store,
      publicUrl: o.publicUrl,
      firstWeek: r.firstWeek,
      log: (message, fields) => o.log.info({ job: "rewards", ...fields }, message),
    });
    const route = rewardsInputsRoute(store);
    result.rewards = job;
    result.rewardsRoute = async (request) => {
      const m = /^\/v1\/rewards\/inputs\/([^/]+)$/.exec(new URL(request.url).pathname);
      if (!m || request.method !== "GET")
        return Response.json(
          { code: 404, message: "Rewards inputs files are at GET /v1/rewards/inputs/<keccak256>." },
          { status: 404 },
        );
      return route(request, { hash: decodeURIComponent(m[1]!) });
    };
    o.log.info({ job: "rewards", publisher: account.address, intervalMs: r.intervalMs }, "rewards job on");
    stops.push(
      every(
        r.intervalMs,
        async () => {
          await job.runOnce();
        },
        failed("rewards"),
      ),
    );
  }

  const s = o.jobs.settlement;
  if (s) {
    const account = readJobKey(s.key, o.dataDir, "settlement");
    const signer = s.signerKey ? readJobKey(s.signerKey, o.dataDir, "settlement signer") : account;
    const client = {
      ...base,
      walletClient: wallet(account),
      payments: {
        dimoCredits: s.dimoCredits,
        nodeRegistry: s.nodeRegistry,
        usageSettlement: s.usageSettlement,
      },
    };
    const job = new SettlementJob({
      client,
      nodeId: BigInt(s.nodeId),
      signer,
      usage: await LedgerUsageSource.open(o.sql),
      batchSize: s.batchSize,
      lagMs: s.lagMs,
      log: (message, fields) => o.log.info({ job: "settlement", ...fields }, message),
    });
    result.settlement = job;
    // Settlements this node made, released and withdrawn once their dispute window has passed.
    const open = new Set<bigint>();
    o.log.info(
      { job: "settlement", operator: account.address, intervalMs: s.intervalMs },
      "settlement job on",
    );
    stops.push(
      every(
        s.intervalMs,
        async () => {
          const run = await job.runOnce();
          for (const b of run.settled) open.add(b.settlementId);
          if (run.settled.length > 0)
            o.log.info(
              {
                job: "settlement",
                batches: run.settled.length,
                credits: run.settled.reduce((t, b) => t + b.credits, 0n).toString(),
              },
              "usage settled",
            );
          if (open.size > 0) {
            const withdrawn = await job.collect([...open]);
            if (withdrawn > 0n)
              o.log.info({ job: "settlement", withdrawn: withdrawn.toString() }, "node revenue withdrawn");
            // Released (or disputed) settlements need no more looking after.
            for (const id of open)
              if ((await getSettlement(client, id)).status !== "pending") open.delete(id);
          }
        },
        failed("settlement"),
      ),
    );
  }

  const d = o.jobs.deviceStake;
  if (d) {
    const account = readJobKey(d.key, o.dataDir, "device-stake");
    const job = new DeviceStakeJob({
      client: { ...base, walletClient: wallet(account), hardware: d.hardware },
      performance: o.performance,
      log: (message, fields) => o.log.info({ job: "deviceStake", ...fields }, message),
    });
    result.deviceStake = job;
    o.log.info(
      { job: "deviceStake", reporter: account.address, intervalMs: d.intervalMs },
      "device-stake job on",
    );
    stops.push(
      every(
        d.intervalMs,
        async () => {
          await job.runOnce();
        },
        failed("deviceStake"),
      ),
    );
  }
  return result;
}
