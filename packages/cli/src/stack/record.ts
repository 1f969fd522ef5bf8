/**
 * The devnet's records, beside its chain journal in the data dir:
 *
 * - `stack.json`, written once when the demo network is set up: every contract address, which
 *   account plays which role, and the ids of everything the setup created (the maker's licence,
 *   devices, vehicles, the developer licence and its grants). A resumed devnet reads it and skips
 *   the setup; the CLI reads it to find the network.
 * - `urls.json`, written at every start and removed at a clean stop: where the running devnet
 *   listens (ports may change between runs), and the pid that serves them.
 *
 * Neither holds a key: the accounts derive from the public test mnemonic.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HardwareAddressesSchema } from "@dimo-open/node";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

export const STACK_FILE = "stack.json";
export const URLS_FILE = "urls.json";
export const STACK_FORMAT = "dimo-devnet-stack/1";

const address = z
  .string()
  .refine((a) => isAddress(a, { strict: false }), "must be a 0x address")
  .transform((a) => getAddress(a) as Address);
/** Token ids are uint256: kept as decimal strings in JSON. */
const tokenId = z.string().regex(/^\d{1,78}$/, "must be a decimal token id");

const protocolAddresses = z.object({
  dimoToken: address,
  manufacturerId: address,
  vehicleId: address,
  aftermarketDeviceId: address,
  permissions: address,
  devLicense: address,
});

export const StackRecordSchema = z.object({
  format: z.literal(STACK_FORMAT),
  createdAt: z.string(),
  chainId: z.number().int().positive(),
  /** First block of the deployment: where indexers start. */
  startBlock: z.number().int().nonnegative(),
  addresses: protocolAddresses,
  // Not strict: a record keeps what it knows and drops what a newer writer added.
  hardware: z.object(HardwareAddressesSchema.shape),
  rewards: z.object({ dimoRewards: address }),
  payments: z.object({ dimoCredits: address, nodeRegistry: address, usageSettlement: address }),
  /**
   * The demo node's on-chain identity (NodeRegistry id, operated by the `operator` account), which
   * settles its usage. Absent in networks set up before the node's jobs ran on the devnet.
   */
  operator: z.object({ nodeId: tokenId }).optional(),
  /** DimoRewards' genesis (unix seconds): week 0 ends 7 days after it. */
  rewardsGenesis: z.number().int().nonnegative().optional(),
  governance: z.object({
    votingDelay: z.number().int(),
    votingPeriod: z.number().int(),
    timelockDelay: z.number().int(),
  }),
  accounts: z.array(
    z.object({ role: z.string(), index: z.number().int().nonnegative(), address, description: z.string() }),
  ),
  maker: z.object({
    name: z.string(),
    manufacturerId: tokenId,
    applicationId: tokenId,
    proposalId: tokenId,
    modelId: tokenId,
    modelName: z.string(),
    licenseStake: tokenId,
  }),
  /** Car makers the demo vehicles are minted under (one per simulator model make). */
  carMakers: z.array(z.object({ name: z.string(), manufacturerId: tokenId })),
  fleet: z.object({
    seed: z.string(),
    vehicles: z.array(
      z.object({
        /** The simulator's vehicle index; its device key is simulated device `index`. */
        index: z.number().int().nonnegative(),
        owner: z.string(),
        deviceId: tokenId,
        deviceAddress: address,
        vehicleId: tokenId,
        make: z.string(),
        model: z.string(),
        year: z.number().int(),
      }),
    ),
  }),
  developer: z.object({
    licenseId: tokenId,
    clientId: address,
    alias: z.string(),
    signer: address,
    redirectUris: z.array(z.string()),
    credits: tokenId,
    grant: z.object({
      privileges: z.array(z.number().int()),
      expiresAt: z.number().int(),
      source: z.string(),
    }),
  }),
});
export type StackRecord = z.infer<typeof StackRecordSchema>;

export const StackUrlsSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  rpcUrl: z.string().url(),
  nodeUrl: z.string().url(),
  ingestUrl: z.string().url().optional(),
  mqttUrl: z.string().optional(),
  consoleUrl: z.string().url().optional(),
});
export type StackUrls = z.infer<typeof StackUrlsSchema>;

/** A record in the data dir is unreadable or not ours. */
export class StackRecordError extends Error {
  override name = "StackRecordError";
}

function writeAtomically(path: string, value: unknown): void {
  // Write-then-rename: a crash never leaves a half-written record.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

function readJson<T>(path: string, schema: z.ZodType<T>, what: string): T | undefined {
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new StackRecordError(
      `${path} is not valid JSON (${(error as Error).message}); start over with dimo devnet --reset.`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new StackRecordError(
      `${path} is not a ${what} (${first.path.join(".") || "(root)"}: ${first.message}); start over with dimo devnet --reset.`,
    );
  }
  return parsed.data;
}

export function readStackRecord(dataDir: string): StackRecord | undefined {
  return readJson(join(dataDir, STACK_FILE), StackRecordSchema, "devnet stack record");
}

export function writeStackRecord(dataDir: string, record: StackRecord): void {
  writeAtomically(join(dataDir, STACK_FILE), record);
}

export function readStackUrls(dataDir: string): StackUrls | undefined {
  return readJson(join(dataDir, URLS_FILE), StackUrlsSchema, "devnet URL record");
}

export function writeStackUrls(dataDir: string, urls: StackUrls): void {
  writeAtomically(join(dataDir, URLS_FILE), urls);
}

export function removeStackUrls(dataDir: string): void {
  rmSync(join(dataDir, URLS_FILE), { force: true });
}
