import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

const address = z
  .string()
  .refine((a) => isAddress(a, { strict: false }), "must be a 20-byte hex address")
  .transform((a) => getAddress(a) as Address);

const listener = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535),
});

/** Turns a listener into `false` when it is switched off. */
const optionalListener = (port: number) =>
  z.union([z.literal(false), listener.extend({ port: z.number().int().min(0).max(65535).default(port) })]);

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
  credits: z
    .object({
      /** Credits a new licence starts with on this node. */
      initialCredits: z.number().int().nonnegative().default(0),
      /** Bearer token allowed to top up balances (never logged). */
      operatorToken: z.string().min(16).optional(),
    })
    .default({ initialCredits: 0 }),
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
