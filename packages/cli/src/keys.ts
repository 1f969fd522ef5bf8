/**
 * Where a command's signing key comes from — never from a command-line argument, which any user
 * of the machine can read in `ps` and which lands in shell history:
 *
 * 1. `--keystore <file>`: a JSON file `{"privateKey": "0x…"}` (optionally with `"address"`, checked),
 *    readable by its owner only (mode 0600);
 * 2. `--devnet-account <role|index>`: on the local devnet only, a demo account derived from the
 *    public test mnemonic (its keys are public knowledge: useless anywhere else);
 * 3. the `DIMO_PRIVATE_KEY` environment variable;
 * 4. a prompt on the terminal (input hidden), when stdin is one.
 */
import { lstatSync, readFileSync } from "node:fs";
import { DEVNET_MNEMONIC, deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import type { Command } from "commander";
import { getAddress, type Hex, isAddress, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliError, ExitCode } from "./errors.ts";
import type { Network } from "./network.ts";
import { DEMO_ROLES, type DemoRole } from "./stack/roles.ts";

export interface KeyOptions {
  keystore?: string;
  devnetAccount?: string;
}

export function keyOptions(command: Command): Command {
  return command
    .option(
      "--keystore <file>",
      "sign with the key in this JSON file (mode 0600); default: $DIMO_PRIVATE_KEY or a prompt",
    )
    .option(
      "--devnet-account <role>",
      `on the local devnet: sign as a demo account (${Object.keys(DEMO_ROLES).join(", ")}, or an index)`,
    );
}

const KEY = /^0x[0-9a-fA-F]{64}$/;

/** A key given in a way that exposes it, or unusable: says what to do instead, never echoes it. */
export class KeySourceError extends CliError {
  override name = "KeySourceError";
}

function accountFromKey(key: string, source: string): LocalAccount {
  const trimmed = key.trim();
  const hex = (trimmed.startsWith("0x") ? trimmed : `0x${trimmed}`) as Hex;
  if (!KEY.test(hex))
    throw new KeySourceError(`${source} does not hold a private key (expected 32 bytes as 64 hex digits).`);
  try {
    return privateKeyToAccount(hex);
  } catch {
    throw new KeySourceError(`${source} does not hold a valid secp256k1 private key.`);
  }
}

export function readKeystore(file: string): LocalAccount {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(file);
  } catch {
    throw new KeySourceError(`no keystore file ${file}.`);
  }
  if (stat.isSymbolicLink() || !stat.isFile())
    throw new KeySourceError(`keystore ${file} is not a regular file.`);
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0)
    throw new KeySourceError(
      `keystore ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\` first.`,
    );
  let raw: { privateKey?: unknown; address?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as typeof raw;
  } catch {
    throw new KeySourceError(`keystore ${file} is not JSON: expected {"privateKey": "0x…"}.`);
  }
  if (typeof raw.privateKey !== "string") throw new KeySourceError(`keystore ${file} has no "privateKey".`);
  const account = accountFromKey(raw.privateKey, `keystore ${file}`);
  if (raw.address !== undefined) {
    if (
      typeof raw.address !== "string" ||
      !isAddress(raw.address, { strict: false }) ||
      getAddress(raw.address) !== account.address
    )
      throw new KeySourceError(
        `keystore ${file}: its "address" is not the address of its key (${account.address}).`,
      );
  }
  return account;
}

function devnetAccount(spec: string, network: Network): LocalAccount {
  if (!network.devnet || network.chainId !== 31337)
    throw new KeySourceError(
      "--devnet-account works only on the local devnet (its keys are public); on this network use --keystore or DIMO_PRIVATE_KEY.",
      ExitCode.Usage,
    );
  const index = /^\d+$/.test(spec) ? Number(spec) : DEMO_ROLES[spec as DemoRole]?.index;
  if (index === undefined || index > 19)
    throw new KeySourceError(
      `unknown devnet account "${spec}": use one of ${Object.keys(DEMO_ROLES).join(", ")} or an index from 0 to 19.`,
      ExitCode.Usage,
    );
  return deriveDevnetAccounts(DEVNET_MNEMONIC, index + 1)[index]! as unknown as LocalAccount;
}

async function prompt(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const c of chunk.toString("utf8")) {
        if (c === "\r" || c === "\n") return done();
        if (c === "\u0003") return done(new CliError("cancelled.", ExitCode.Usage));
        if (c === "\u007f" || c === "\b") typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    stdin.on("data", onData);
  });
}

/** The account that signs this command's transactions or messages. */
export async function resolveSigner(o: KeyOptions, network: Network, purpose: string): Promise<LocalAccount> {
  if (o.keystore && o.devnetAccount)
    throw new KeySourceError(
      "give one key source: --keystore or --devnet-account, not both.",
      ExitCode.Usage,
    );
  if (o.keystore) return readKeystore(o.keystore);
  if (o.devnetAccount) return devnetAccount(o.devnetAccount, network);
  const fromEnv = process.env.DIMO_PRIVATE_KEY;
  if (fromEnv) return accountFromKey(fromEnv, "DIMO_PRIVATE_KEY");
  if (process.stdin.isTTY)
    return accountFromKey(await prompt(`Private key for ${purpose} (input hidden): `), "the key typed");
  throw new KeySourceError(
    `${purpose} needs a key: set DIMO_PRIVATE_KEY, pass --keystore <file>, or on the devnet --devnet-account <role>.`,
    ExitCode.Usage,
  );
}

/**
 * Refuses arguments that expose secrets before anything else runs: options named like a key or
 * a mnemonic, and any argument that looks like a private key (32 bytes of hex).
 */
export function refuseSecretsInArguments(argv: readonly string[]): void {
  for (const arg of argv) {
    const name = arg.split("=")[0]!.toLowerCase();
    if (["--private-key", "--privatekey", "--key", "--secret", "--mnemonic", "--seed-phrase"].includes(name))
      throw new KeySourceError(
        `${name} is not accepted: keys on the command line show in \`ps\` and shell history. Set DIMO_PRIVATE_KEY, or use --keystore <file> (mode 0600).`,
        ExitCode.Usage,
      );
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(arg.split("=").pop()!.trim()))
      throw new KeySourceError(
        "refusing an argument that looks like a private key (64 hex digits): it would show in `ps` and shell history. Set DIMO_PRIVATE_KEY, or use --keystore <file> (mode 0600).",
        ExitCode.Usage,
      );
  }
}
