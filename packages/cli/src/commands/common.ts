/**
 * What every network command shares: its options (network, key, --json), and the context built
 * from them (the network, the output, the node's client, signers).
 */
import { withHardware, withPayments, withRewards } from "@dimo-open/protocol";
import { DimoClient } from "@dimo-open/sdk";
import type { Command } from "commander";
import type { LocalAccount } from "viem";
import { type CliReader, type CliWriter, reader, writer } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { type KeyOptions, keyOptions, resolveSigner } from "../keys.ts";
import {
  type Network,
  type NetworkOptions,
  networkOptions,
  requireHardware,
  requireNode,
  requirePayments,
  requireRewards,
  resolveNetwork,
} from "../network.ts";
import { type Output, output } from "../output.ts";

export interface CommonOptions extends NetworkOptions, KeyOptions {
  json?: boolean;
}

/** A command that reads: network options and --json. */
export function readCommand(command: Command): Command {
  return networkOptions(command).option("--json", "print the result as JSON");
}

/** A command that signs: network options, key options and --json. */
export function writeCommand(command: Command): Command {
  return keyOptions(readCommand(command));
}

export interface Context {
  network: Network;
  out: Output;
  reader(): Promise<CliReader>;
  writer(purpose: string): Promise<CliWriter & { account: LocalAccount }>;
  signer(purpose: string): Promise<LocalAccount>;
  node(): DimoClient;
}

export async function context(o: CommonOptions): Promise<Context> {
  const out = output({ json: o.json ?? false });
  const network = await resolveNetwork(o);
  return {
    network,
    out,
    reader: () => reader(network),
    signer: (purpose) => resolveSigner(o, network, purpose),
    async writer(purpose) {
      const account = await resolveSigner(o, network, purpose);
      return { ...(await writer(network, account)), account };
    },
    node: () => new DimoClient({ baseUrl: requireNode(network) }),
  };
}

export const hardwareOf = <C extends CliReader>(c: C, n: Network) => withHardware(c, requireHardware(n));
export const rewardsOf = <C extends CliReader>(c: C, n: Network) => withRewards(c, requireRewards(n));
export const paymentsOf = <C extends CliReader>(c: C, n: Network) => withPayments(c, requirePayments(n));

/** A GraphQL answer from the node's identity API, or a CLI error saying what the node said. */
export async function identity<T>(
  ctx: Context,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const r = await ctx.node().identity<T>(query, variables);
  if (r.errors?.length) {
    const notFound = r.errors.find((e) => e.extensions?.code === "NOT_FOUND");
    throw new CliError(
      `the node's identity index: ${r.errors.map((e) => e.message).join("; ")}`,
      notFound ? ExitCode.Refused : ExitCode.Failure,
    );
  }
  return r.data as T;
}

/**
 * Waits until the node's chain index has seen what a transaction did (so the next command's read
 * finds it); gives up quietly after `timeoutMs` (the chain has it either way).
 */
export async function waitForIndex(
  ctx: Context,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<boolean> {
  if (!ctx.network.nodeUrl) return false;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // not indexed yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  ctx.out.progress("(the node has not indexed it yet; it will shortly)");
  return false;
}

/** The id, or on the devnet a default from its records, or a usage error naming the option. */
export function orDevnetDefault<T>(value: T | undefined, fallback: T | undefined, option: string): T {
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  throw new CliError(`${option} is required here.`, ExitCode.Usage);
}

/** The manufacturer given, or on the devnet the demo maker's, or a usage error. */
export function manufacturerOf(ctx: Context, given: bigint | undefined): bigint {
  if (given !== undefined) return given;
  const maker = ctx.network.devnet?.record.maker;
  if (maker) return BigInt(maker.manufacturerId);
  throw new CliError("--manufacturer <id> is required off the devnet.", ExitCode.Usage);
}
