import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

const address = z
  .string()
  .refine((a) => isAddress(a, { strict: false }), "must be a 20-byte hex address")
  .transform((a) => getAddress(a) as Address);

/** The hardware-licensing layer's contracts (what `deployHardware` records). */
export const HardwareAddressesSchema = z.strictObject({
  governor: address,
  timelock: address,
  hardwareAuthority: address,
  manufacturerLicense: address,
  deviceModels: address,
  licenseApplications: address,
  deviceStake: address,
  arbitration: address,
  preorderSpots: address,
});

const listener = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535),
});

/** Turns a listener into `false` when it is switched off. */
const optionalListener = (port: number) =>
  z.union([z.literal(false), listener.extend({ port: z.number().int().min(0).max(65535).default(port) })]);

/**
 * Where a job's signing key comes from: an environment variable, or a file (a relative path is
 * under `dataDir`; the file must be readable by its owner only). The key itself is never part of
 * the configuration, and never logged.
 */
const keySource = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name") }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type KeySource = z.output<typeof keySource>;

const every = (defaultMs: number) => z.number().int().min(100).default(defaultMs);

/**
 * The node's money jobs (docs/rewards.md, docs/payments.md), each off unless configured: the
 * weekly rewards publisher, usage settlement, and device-stake releases and failure reports.
 */
const jobs = z
  .object({
    /** Publishes each finished week's allocations; the key must hold DimoRewards' publisher role. */
    rewards: z
      .strictObject({
        dimoRewards: address,
        key: keySource,
        /** How often the job looks for a finished, unpublished week. */
        intervalMs: every(300_000),
        /** First week this node computes (weeks before it are never looked at). */
        firstWeek: z.number().int().nonnegative().default(0),
      })
      .optional(),
    /** Settles metered usage on chain for this node (its NodeRegistry id) and withdraws its revenue. */
    settlement: z
      .strictObject({
        dimoCredits: address,
        nodeRegistry: address,
        usageSettlement: address,
        nodeId: z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,76}$/)]),
        /** Sends the settlements and withdraws (the node's operator). */
        key: keySource,
        /** Signs the usage batches (NodeRegistry's signer); default: the operator key. */
        signerKey: keySource.optional(),
        intervalMs: every(600_000),
        /** Only requests older than this are settled (late writes never land before the cursor). */
        lagMs: z.number().int().nonnegative().default(60_000),
        batchSize: z.number().int().min(1).max(2000).default(1000),
      })
      .optional(),
    /** Releases vested device stakes and reports failing devices (PERFORMANCE_REPORTER_ROLE). */
    deviceStake: z
      .strictObject({
        hardware: HardwareAddressesSchema,
        key: keySource,
        intervalMs: every(3_600_000),
      })
      .optional(),
  })
  .default({});

/**
 * The node's one validated configuration (flags, environment and a file are merged into this
 * by the `dimo node` command). Defaults bring a node up on loopback with nothing else running.
 */
export const NodeConfigSchema = z.object({
  /** Where the node keeps its DuckDB file (chain index, telemetry, raw archive, billing). */
  dataDir: z.string().min(1),
  chain: z.object({
    rpcUrl: z.string().url(),
    chainId: z.number().int().positive(),
    /** First block to index (the protocol's deployment block). */
    startBlock: z.number().int().nonnegative().default(0),
    confirmations: z.number().int().nonnegative().default(0),
    pollIntervalMs: z.number().int().positive().default(500),
  }),
  contracts: z.object({
    dimoToken: address,
    manufacturerId: address,
    vehicleId: address,
    aftermarketDeviceId: address,
    permissions: address,
    devLicense: address,
    /** DeviceModels of the hardware-licensing layer: its device bans are honoured at ingest. */
    deviceModels: address.optional(),
    /** DeviceStake of the hardware layer: the model each device was minted as, for the performance
     * service's per-model figures (default: jobs.deviceStake's). */
    deviceStake: address.optional(),
    /** DimoRewards: its weeks and claims are indexed for identity's rewards (default: jobs.rewards'). */
    dimoRewards: address.optional(),
  }),
  api: listener.extend({
    port: z.number().int().min(0).max(65535).default(8080),
    /** Public base URL (the `iss` of tokens); default http://host:port. */
    publicUrl: z.string().url().optional(),
  }),
  ingest: z
    .object({
      http: optionalListener(8081).default({ host: "127.0.0.1", port: 8081 }),
      mqtt: optionalListener(1884).default({ host: "127.0.0.1", port: 1884 }),
    })
    .default({ http: { host: "127.0.0.1", port: 8081 }, mqtt: { host: "127.0.0.1", port: 1884 } }),
  /** The node's DuckDB file: its memory bound and checkpoint size (db/database.ts). */
  database: z
    .object({
      memoryLimit: z.string().default("1GB"),
      checkpointThreshold: z.string().default("128MB"),
      /** DuckDB worker threads (default: one per core); 1 suits a small ingest node best. */
      threads: z.number().int().positive().optional(),
    })
    .default({ memoryLimit: "1GB", checkpointThreshold: "128MB" }),
  credits: z
    .object({
      /** Credits a new licence starts with on this node. */
      initialCredits: z.number().int().nonnegative().default(0),
      /** Bearer token allowed to top up balances (never logged). */
      operatorToken: z.string().min(16).optional(),
    })
    .default({ initialCredits: 0 }),
  jobs,
  /** Allow webhooks to private/loopback targets (development only). */
  allowPrivateWebhookTargets: z.boolean().default(false),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type NodeConfigInput = z.input<typeof NodeConfigSchema>;
export type NodeConfig = z.output<typeof NodeConfigSchema>;

export class NodeConfigError extends Error {
  override name = "NodeConfigError";
}

/** Validates a configuration; the error lists every problem with its path. */
export function parseNodeConfig(input: unknown): NodeConfig {
  const result = NodeConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new NodeConfigError(`invalid node configuration:\n${problems.join("\n")}`);
  }
  return result.data;
}
