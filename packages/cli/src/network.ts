/**
 * Which network a command talks to. In order:
 *
 * 1. `--rpc-url` / `DIMO_RPC_URL` and `--node-url` / `DIMO_NODE_URL`, with the contract addresses
 *    from `--deployment <file>` (a devnet's stack.json or deployment.json has the shape) or, when
 *    only a node is named, from the node's discovery document (`GET /v1/node`);
 * 2. otherwise the running devnet in `--devnet-dir` / `DIMO_DEVNET_DIR` (default `.devnet`): its
 *    stack record (every address, the demo accounts) and its URL record (where it listens now).
 *
 * So on a running devnet `dimo vehicle list --json` needs no flags at all.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type {
  HardwareAddresses,
  PaymentsAddresses,
  ProtocolAddresses,
  RewardsAddresses,
} from "@dimo-open/protocol";
import type { Command } from "commander";
import { type Address, getAddress, isAddress } from "viem";
import { CliError, ExitCode } from "./errors.ts";
import { DEFAULT_DATA_DIR } from "./stack/options.ts";
import { readStackRecord, readStackUrls, type StackRecord } from "./stack/record.ts";

export interface NetworkOptions {
  rpcUrl?: string;
  nodeUrl?: string;
  devnetDir?: string;
  deployment?: string;
}

export interface Network {
  chainId: number | undefined;
  rpcUrl: string | undefined;
  nodeUrl: string | undefined;
  addresses: ProtocolAddresses;
  hardware: HardwareAddresses | undefined;
  rewards: RewardsAddresses | undefined;
  payments: PaymentsAddresses | undefined;
  startBlock: number;
  /** The devnet's stack record when the network is the local devnet (demo accounts, ids). */
  devnet: { dir: string; record: StackRecord } | undefined;
}

/** Adds the network options to a command. */
export function networkOptions(command: Command): Command {
  return command
    .option("--rpc-url <url>", "the chain's JSON-RPC (default: $DIMO_RPC_URL, else the running devnet's)")
    .option("--node-url <url>", "the node's API (default: $DIMO_NODE_URL, else the running devnet's)")
    .option(
      "--deployment <file>",
      "contract addresses of a non-devnet network (JSON: addresses, hardware, …)",
    )
    .option("--devnet-dir <dir>", "the devnet's data dir (default: $DIMO_DEVNET_DIR or .devnet)");
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function url(value: string, flag: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
    return value.replace(/\/+$/, "");
  } catch {
    throw new CliError(`${flag} must be an http(s) URL, got "${value}".`, ExitCode.Usage);
  }
}

const ADDRESS_SETS = {
  addresses: ["dimoToken", "manufacturerId", "vehicleId", "aftermarketDeviceId", "permissions", "devLicense"],
  hardware: [
    "governor",
    "timelock",
    "hardwareAuthority",
    "manufacturerLicense",
    "deviceModels",
    "licenseApplications",
    "deviceStake",
    "arbitration",
    "preorderSpots",
  ],
  rewards: ["dimoRewards"],
  payments: ["dimoCredits", "nodeRegistry", "usageSettlement"],
} as const;

function addressSet(file: string, raw: unknown, set: keyof typeof ADDRESS_SETS): Record<string, Address> {
  const out: Record<string, Address> = {};
  for (const key of ADDRESS_SETS[set]) {
    const v = (raw as Record<string, unknown> | undefined)?.[key];
    if (typeof v !== "string" || !isAddress(v, { strict: false }))
      throw new CliError(`${file}: ${set}.${key} must be a 0x address, got ${JSON.stringify(v)}.`);
    out[key] = getAddress(v);
  }
  return out;
}

function readDeployment(
  file: string,
): Pick<Network, "addresses" | "hardware" | "rewards" | "payments" | "startBlock" | "chainId"> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot read the deployment file ${file}: ${(error as Error).message}`);
  }
  return {
    chainId: typeof raw.chainId === "number" ? raw.chainId : undefined,
    addresses: addressSet(file, raw.addresses, "addresses") as unknown as ProtocolAddresses,
    hardware: raw.hardware
      ? (addressSet(file, raw.hardware, "hardware") as unknown as HardwareAddresses)
      : undefined,
    rewards: raw.rewards
      ? (addressSet(file, raw.rewards, "rewards") as unknown as RewardsAddresses)
      : undefined,
    payments: raw.payments
      ? (addressSet(file, raw.payments, "payments") as unknown as PaymentsAddresses)
      : undefined,
    startBlock: typeof raw.startBlock === "number" ? raw.startBlock : 0,
  };
}

async function discover(nodeUrl: string): Promise<{ chainId: number; addresses: ProtocolAddresses }> {
  let response: Response;
  try {
    response = await fetch(`${nodeUrl}/v1/node`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new CliError(
      `the node at ${nodeUrl} did not answer (${(error as Error).message}); check --node-url.`,
      ExitCode.Unreachable,
    );
  }
  if (!response.ok)
    throw new CliError(
      `the node at ${nodeUrl} answered ${response.status} to GET /v1/node; is it a DIMO node?`,
      ExitCode.Unreachable,
    );
  const body = (await response.json()) as { chainId: number; addresses: unknown };
  return {
    chainId: body.chainId,
    addresses: addressSet(`${nodeUrl}/v1/node`, body.addresses, "addresses") as unknown as ProtocolAddresses,
  };
}

async function chainIdAt(rpcUrl: string): Promise<number> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { result?: string };
    if (!body.result) throw new Error(`no chain id in ${JSON.stringify(body).slice(0, 200)}`);
    return Number(BigInt(body.result));
  } catch (error) {
    throw new CliError(
      `the chain at ${rpcUrl} did not answer (${(error as Error).message}); check --rpc-url.`,
      ExitCode.Unreachable,
    );
  }
}

/** Finds the network from the options, the environment or the devnet's records. */
export async function resolveNetwork(o: NetworkOptions): Promise<Network> {
  const env = process.env;
  const rpcUrl = o.rpcUrl ?? env.DIMO_RPC_URL;
  const nodeUrl = o.nodeUrl ?? env.DIMO_NODE_URL;
  const devnetDir = resolve(o.devnetDir ?? env.DIMO_DEVNET_DIR ?? DEFAULT_DATA_DIR);

  if (rpcUrl || nodeUrl || o.deployment) {
    const explicit = {
      rpcUrl: rpcUrl ? url(rpcUrl, "--rpc-url") : undefined,
      nodeUrl: nodeUrl ? url(nodeUrl, "--node-url") : undefined,
    };
    if (o.deployment) return { ...explicit, ...readDeployment(o.deployment), devnet: undefined };
    // Addresses: from the devnet's record when the RPC is that devnet's chain, else from the node.
    const record = existsSync(devnetDir) ? readStackRecord(devnetDir) : undefined;
    if (record && !explicit.nodeUrl && explicit.rpcUrl) {
      const chainId = await chainIdAt(explicit.rpcUrl);
      if (chainId !== record.chainId)
        throw new CliError(
          `the chain at ${explicit.rpcUrl} is chain ${chainId}, not the devnet's (${record.chainId}): pass --deployment <file> with its contract addresses, or --node-url.`,
          ExitCode.Usage,
        );
      // The devnet's own node, when it runs, serves what --rpc-url alone cannot (identity reads).
      const urls = readStackUrls(devnetDir);
      const nodeUrl = urls && processAlive(urls.pid) ? urls.nodeUrl : undefined;
      return { ...explicit, nodeUrl, ...fromRecord(record), devnet: { dir: devnetDir, record } };
    }
    if (!explicit.nodeUrl)
      throw new CliError(
        "no contract addresses for this chain: pass --deployment <file> (a JSON with `addresses`), or --node-url so they are read from the node.",
        ExitCode.Usage,
      );
    const found = await discover(explicit.nodeUrl);
    return {
      ...explicit,
      chainId: found.chainId,
      addresses: found.addresses,
      hardware: undefined,
      rewards: undefined,
      payments: undefined,
      startBlock: 0,
      devnet: undefined,
    };
  }

  const record = existsSync(devnetDir) ? readStackRecord(devnetDir) : undefined;
  if (!record)
    throw new CliError(
      `no network: there is no devnet in ${devnetDir} (start one with \`npm start\`), and no --rpc-url / --node-url was given.`,
      ExitCode.Unreachable,
    );
  const urls = readStackUrls(devnetDir);
  if (!urls || !processAlive(urls.pid))
    throw new CliError(
      `the devnet in ${devnetDir} is not running; start it with \`npm start\` (or \`dimo devnet --devnet-dir …\`).`,
      ExitCode.Unreachable,
    );
  return {
    rpcUrl: urls.rpcUrl.replace(/\/+$/, ""),
    nodeUrl: urls.nodeUrl,
    ...fromRecord(record),
    devnet: { dir: devnetDir, record },
  };
}

function fromRecord(record: StackRecord) {
  return {
    chainId: record.chainId,
    addresses: record.addresses,
    hardware: record.hardware,
    rewards: record.rewards,
    payments: record.payments,
    startBlock: record.startBlock,
  };
}

export function requireRpc(network: Network): string {
  if (!network.rpcUrl)
    throw new CliError(
      "this command needs the chain: pass --rpc-url <url> (or set DIMO_RPC_URL).",
      ExitCode.Usage,
    );
  return network.rpcUrl;
}

export function requireNode(network: Network): string {
  if (!network.nodeUrl)
    throw new CliError(
      "this command needs a node: pass --node-url <url> (or set DIMO_NODE_URL).",
      ExitCode.Usage,
    );
  return network.nodeUrl;
}

export function requireHardware(network: Network): HardwareAddresses {
  if (!network.hardware)
    throw new CliError(
      "this network's hardware contracts are unknown: pass --deployment <file> with a `hardware` section.",
      ExitCode.Usage,
    );
  return network.hardware;
}

export function requireRewards(network: Network): RewardsAddresses {
  if (!network.rewards)
    throw new CliError(
      "this network's rewards contract is unknown: pass --deployment <file> with a `rewards` section.",
      ExitCode.Usage,
    );
  return network.rewards;
}

export function requirePayments(network: Network): PaymentsAddresses {
  if (!network.payments)
    throw new CliError(
      "this network's payments contracts are unknown: pass --deployment <file> with a `payments` section.",
      ExitCode.Usage,
    );
  return network.payments;
}
