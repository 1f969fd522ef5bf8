/**
 * The console's runtime configuration: which chain, which node, which deployment. The server
 * that serves the console answers `GET config.json` with it (`dimo devnet` does); nothing is
 * baked into the build, so one build works against any network.
 */
import type {
  HardwareAddresses,
  PaymentsAddresses,
  ProtocolAddresses,
  RewardsAddresses,
} from "@dimo-open/protocol";
import { type Address, getAddress, isAddress } from "viem";

export interface ConsoleConfig {
  chainId: number;
  /** JSON-RPC endpoint (absolute; resolved against config.json's URL when relative). */
  rpcUrl: string;
  /** The node's base URL, without a trailing slash. */
  nodeUrl: string;
  addresses: ProtocolAddresses;
  hardware?: HardwareAddresses;
  rewards?: RewardsAddresses;
  payments?: PaymentsAddresses;
  /** Only on a devnet: the public test mnemonic, for the built-in demo wallet. */
  demoMnemonic?: string;
  /** Block where the deployment starts: event scans begin here (default 0). */
  startBlock: bigint;
}

/** config.json is missing, unreadable or not a console configuration. */
export class ConsoleConfigError extends Error {
  override name = "ConsoleConfigError";
  constructor(
    message: string,
    readonly details?: string,
  ) {
    super(details ? `${message} ${details}` : message);
  }
}

const PROTOCOL_KEYS = [
  "dimoToken",
  "manufacturerId",
  "vehicleId",
  "aftermarketDeviceId",
  "permissions",
  "devLicense",
] as const satisfies readonly (keyof ProtocolAddresses)[];
const HARDWARE_KEYS = [
  "governor",
  "timelock",
  "hardwareAuthority",
  "manufacturerLicense",
  "deviceModels",
  "licenseApplications",
  "deviceStake",
  "arbitration",
  "preorderSpots",
] as const satisfies readonly (keyof HardwareAddresses)[];
const REWARDS_KEYS = ["dimoRewards"] as const satisfies readonly (keyof RewardsAddresses)[];
const PAYMENTS_KEYS = [
  "dimoCredits",
  "nodeRegistry",
  "usageSettlement",
] as const satisfies readonly (keyof PaymentsAddresses)[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function addressSet<K extends string>(raw: unknown, field: string, keys: readonly K[]): Record<K, Address> {
  if (!isObject(raw))
    throw new ConsoleConfigError(`config.json: \`${field}\` must be an object of addresses.`);
  const out = {} as Record<K, Address>;
  for (const key of keys) {
    const value = raw[key];
    if (typeof value !== "string" || !isAddress(value, { strict: false }))
      throw new ConsoleConfigError(
        `config.json: \`${field}.${key}\` must be a 0x address, got ${JSON.stringify(value)}.`,
      );
    out[key] = getAddress(value);
  }
  return out;
}

function url(raw: unknown, field: string, base: string | undefined): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048)
    throw new ConsoleConfigError(`config.json: \`${field}\` must be a URL, got ${JSON.stringify(raw)}.`);
  let parsed: URL;
  try {
    parsed = new URL(raw, base);
  } catch {
    throw new ConsoleConfigError(
      `config.json: \`${field}\` is not a valid URL: ${JSON.stringify(raw)}.`,
      base ? undefined : "Relative URLs need the address config.json was loaded from.",
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ConsoleConfigError(`config.json: \`${field}\` must be http(s), got ${parsed.protocol}.`);
  return parsed.href;
}

/**
 * Checks a parsed config.json. `base` (the URL it came from) resolves relative `rpcUrl` and
 * `nodeUrl`, so a server can say "/" for "the same origin as me".
 */
export function parseConsoleConfig(raw: unknown, base?: string): ConsoleConfig {
  if (!isObject(raw)) throw new ConsoleConfigError("config.json must hold a JSON object.");
  const { chainId } = raw;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0)
    throw new ConsoleConfigError(
      `config.json: \`chainId\` must be a positive integer, got ${JSON.stringify(chainId)}.`,
    );
  const config: ConsoleConfig = {
    chainId,
    rpcUrl: url(raw.rpcUrl, "rpcUrl", base),
    nodeUrl: url(raw.nodeUrl, "nodeUrl", base).replace(/\/+$/, ""),
    addresses: addressSet(raw.addresses, "addresses", PROTOCOL_KEYS),
    startBlock: 0n,
  };
  if (raw.hardware !== undefined) config.hardware = addressSet(raw.hardware, "hardware", HARDWARE_KEYS);
  if (raw.rewards !== undefined) config.rewards = addressSet(raw.rewards, "rewards", REWARDS_KEYS);
  if (raw.payments !== undefined) config.payments = addressSet(raw.payments, "payments", PAYMENTS_KEYS);
  if (raw.demoMnemonic !== undefined) {
    if (typeof raw.demoMnemonic !== "string" || raw.demoMnemonic.trim().split(/\s+/).length < 12)
      throw new ConsoleConfigError(
        "config.json: `demoMnemonic` must be a BIP-39 phrase of 12 or more words.",
      );
    config.demoMnemonic = raw.demoMnemonic.trim();
  }
  if (raw.startBlock !== undefined) {
    const s = raw.startBlock;
    if (!(typeof s === "number" && Number.isSafeInteger(s) && s >= 0))
      throw new ConsoleConfigError(
        `config.json: \`startBlock\` must be a block number, got ${JSON.stringify(s)}.`,
      );
    config.startBlock = BigInt(s);
  }
  return config;
}

/** Fetches and checks config.json from `url`. */
export async function loadConsoleConfig(
  url: string,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<ConsoleConfig> {
  let response: Response;
  try {
    response = await fetchFn(url, { headers: { accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    throw new ConsoleConfigError(
      `Could not reach ${url}: ${(error as Error).message}.`,
      "Is the server that serves the console running (dimo devnet)?",
    );
  }
  if (!response.ok)
    throw new ConsoleConfigError(
      `${url} answered HTTP ${response.status}.`,
      "The console needs the server's config.json (dimo devnet serves it).",
    );
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ConsoleConfigError(`${url} is not JSON.`);
  }
  return parseConsoleConfig(body, response.url || url);
}
