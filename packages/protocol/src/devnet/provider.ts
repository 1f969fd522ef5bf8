import { mkdirSync } from "node:fs";
import type { Provider as EdrProvider } from "@nomicfoundation/edr";
import { type Address, type Hex, isAddressEqual, numberToHex } from "viem";
import type { DevnetAccount } from "./accounts.ts";
import {
  createEdrProvider,
  type DevnetChainConfig,
  type DevnetChainOptions,
  type DevnetHardfork,
  resolveChainConfig,
} from "./chainConfig.ts";
import { lockDataDir } from "./dataDirLock.ts";
import { DevnetConfigMismatchError, DevnetError, JournalReplayError, JournalWriteError } from "./errors.ts";
import {
  type BlockRef,
  JOURNAL_FORMAT,
  JOURNAL_VERSION,
  Journal,
  type JournalEntry,
  type JournalHeader,
} from "./journal.ts";
import {
  DevnetRpcError,
  type JsonRpcErrorObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
  RpcErrorCode,
} from "./jsonRpc.ts";
import { type DevnetLogger, stderrLogger } from "./logger.ts";
import { methodKind, refusalReason } from "./methods.ts";
import { asExecutionReverted } from "./revert.ts";

/** EIP-1193: what viem's `custom()` transport, ethers' BrowserProvider and wallets' libraries take. */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

export interface DevnetProviderOptions extends DevnetChainOptions {
  /**
   * Directory holding the chain's journal. Without it the chain lives in memory and is gone when
   * the process ends. With it, a later start replays the journal and gets the identical chain.
   */
  dataDir?: string;
  /** fdatasync every journal line before answering (default true; false keeps it in the OS cache). */
  journalSync?: boolean;
  logger?: DevnetLogger;
}

/** An in-process EVM chain, spoken to through JSON-RPC. */
export interface DevnetProvider extends Eip1193Provider {
  readonly chainId: number;
  readonly hardfork: DevnetHardfork;
  /** The funded accounts, unlocked: `eth_sendTransaction` from them is signed by the devnet. */
  readonly accounts: readonly DevnetAccount[];
  readonly dataDir: string | undefined;
  /** How many journal entries the start replayed (0 for a new chain). */
  readonly replayedEntries: number;
  /** Answers one JSON-RPC request; never throws (errors come back as JSON-RPC errors). */
  handle(request: JsonRpcRequest): Promise<JsonRpcResponse>;
  /** Waits for calls in progress, closes the journal and releases the data dir. Idempotent. */
  close(): Promise<void>;
}

type Answer = { result: unknown } | { error: JsonRpcErrorObject };

/**
 * Creates an in-process EVM (EDR) with funded, unlocked accounts and automine on. With a
 * `dataDir` every accepted state-changing call is journaled, and an existing journal is replayed
 * first, so the chain survives restarts with identical blocks, hashes and logs.
 */
export async function createDevnetProvider(options: DevnetProviderOptions = {}): Promise<DevnetProvider> {
  const logger = options.logger ?? stderrLogger;
  const { dataDir } = options;
  if (dataDir === undefined) {
    const config = resolveChainConfig(options);
    const { edr, accounts } = await createEdrProvider(config, options.mnemonic);
    const genesis = await latestBlock(edr);
    return new Devnet({ edr, config, accounts, logger, head: genesis });
  }
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir, logger);
  let journal: Journal | undefined;
  try {
    const opened = Journal.open(dataDir, { sync: options.journalSync ?? true, logger });
    journal = opened.journal;
    const { header, entries } = opened;
    const config = header ? configFromHeader(header, options, dataDir) : resolveChainConfig(options);
    const { edr, accounts } = await createEdrProvider(config, options.mnemonic);
    const genesis = await latestBlock(edr);
    let createdAt = Date.now();
    if (header) {
      const recorded = header.chain.accounts;
      if (
        recorded.length !== accounts.length ||
        !recorded.every((a, i) => isAddressEqual(a, accounts[i] as Address))
      ) {
        throw new DevnetConfigMismatchError(
          "mnemonic (its accounts differ)",
          recorded[0],
          accounts[0],
          dataDir,
        );
      }
      if (genesis.hash !== header.genesisHash) {
        throw new JournalReplayError(journal.file, 1, "the genesis block differs", {
          expected: header.genesisHash,
          got: genesis.hash,
        });
      }
      createdAt = header.createdAt;
    } else {
      journal.writeHeader(headerFor(config, accounts, genesis.hash, createdAt));
    }
    const devnet = new Devnet({
      edr,
      config,
      accounts,
      logger,
      head: genesis,
      journal,
      dataDir,
      release,
    });
    const started = performance.now();
    await devnet.replay(entries, createdAt);
    if (entries.length > 0) {
      logger.info(
        { dataDir, entries: entries.length, ms: Math.round(performance.now() - started) },
        "devnet journal replayed",
      );
    }
    return devnet;
  } catch (error) {
    journal?.close();
    release();
    throw error;
  }
}

function headerFor(
  config: DevnetChainConfig,
  accounts: Address[],
  genesisHash: Hex,
  createdAt: number,
): JournalHeader {
  return {
    format: JOURNAL_FORMAT,
    version: JOURNAL_VERSION,
    createdAt,
    chain: {
      chainId: config.chainId,
      hardfork: config.hardfork,
      accounts,
      balance: config.balance.toString(),
      initialTimestamp: config.initialTimestamp,
      blockGasLimit: config.blockGasLimit.toString(),
      sameSecondBlocks: config.sameSecondBlocks,
    },
    genesisHash,
  };
}

/** The journal's settings win; an option that contradicts them is an error, not silently ignored. */
function configFromHeader(
  header: JournalHeader,
  options: DevnetChainOptions,
  dataDir: string,
): DevnetChainConfig {
  const chain = header.chain;
  const recorded = {
    chainId: chain.chainId,
    hardfork: chain.hardfork,
    accounts: chain.accounts.length,
    balance: BigInt(chain.balance),
    initialTimestamp: chain.initialTimestamp,
    blockGasLimit: BigInt(chain.blockGasLimit),
    sameSecondBlocks: chain.sameSecondBlocks ?? false,
  };
  for (const [field, value] of Object.entries(recorded)) {
    const given = options[field as keyof typeof recorded];
    if (given !== undefined && given !== value)
      throw new DevnetConfigMismatchError(field, value, given, dataDir);
  }
  return resolveChainConfig(recorded);
}

interface DevnetParts {
  edr: EdrProvider;
  config: DevnetChainConfig;
  accounts: Address[];
  logger: DevnetLogger;
  head: BlockRef;
  journal?: Journal;
  dataDir?: string;
  release?: () => void;
}

class Devnet implements DevnetProvider {
  readonly chainId: number;
  readonly hardfork: DevnetHardfork;
  readonly accounts: readonly DevnetAccount[];
  readonly dataDir: string | undefined;
  replayedEntries = 0;

  readonly #edr: EdrProvider;
  readonly #journal: Journal | undefined;
  readonly #logger: DevnetLogger;
  readonly #release: (() => void) | undefined;
  #head: BlockRef;
  /** State-changing calls run one at a time, in journal order. */
  #queue: Promise<unknown> = Promise.resolve();
  /**
   * Snapshot ids handed out by the devnet, mapped to the EVM's own. The EVM numbers snapshots
   * per process, so its ids would not survive a restart; ours are journaled and stay valid.
   */
  #snapshots = new Map<Hex, string>();
  #lastSnapshot = 0;
  #failure: JournalWriteError | undefined;
  #closed = false;

  constructor(parts: DevnetParts) {
    this.#edr = parts.edr;
    this.chainId = parts.config.chainId;
    this.hardfork = parts.config.hardfork;
    this.accounts = Object.freeze(parts.accounts.map((address) => Object.freeze({ address })));
    this.dataDir = parts.dataDir;
    this.#journal = parts.journal;
    this.#logger = parts.logger;
    this.#release = parts.release;
    this.#head = parts.head;
  }

  async request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown> {
    const answer = await this.#dispatch(args.method, args.params);
    if ("error" in answer)
      throw new DevnetRpcError(answer.error.code, answer.error.message, answer.error.data);
    return answer.result;
  }

  async handle(request: JsonRpcRequest): Promise<JsonRpcResponse> {
    const id = request.id ?? null;
    const answer = await this.#dispatch(request.method, request.params);
    return "error" in answer
      ? { jsonrpc: "2.0", id, error: answer.error }
      : { jsonrpc: "2.0", id, result: answer.result };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#journal?.close();
    this.#release?.();
  }

  /** Rebuilds the chain from journal entries, checking each one lands on the recorded block. */
  async replay(entries: readonly JournalEntry[], createdAt: number): Promise<void> {
    const file = this.#journal?.file ?? "(memory)";
    // Wall-clock time of the last block made, or of the chain's creation: the clock's anchor.
    let anchor = createdAt;
    for (const [index, entry] of entries.entries()) {
      const line = index + 2; // the header is line 1
      if (entry.ts !== undefined) {
        const set = await this.#call("evm_setNextBlockTimestamp", [entry.ts]);
        if ("error" in set)
          throw new JournalReplayError(file, line, "the recorded block time was refused", {
            error: set.error,
          });
      }
      let answer: Answer;
      if (entry.method === "evm_snapshot") {
        answer = await this.#call("evm_snapshot", []);
        if ("result" in answer) this.#rememberSnapshot(entry.result as Hex, answer.result as string);
      } else if (entry.method === "evm_revert") {
        const evmId = this.#snapshots.get(entry.params[0] as Hex);
        if (evmId === undefined)
          throw new JournalReplayError(file, line, `unknown snapshot ${String(entry.params[0])}`);
        answer = await this.#call("evm_revert", [evmId]);
        this.#forgetSnapshotsFrom(entry.params[0] as Hex);
      } else {
        answer = await this.#call(entry.method, entry.params);
      }
      if ("error" in answer && !entry.failed) {
        throw new JournalReplayError(file, line, `${entry.method} failed: ${answer.error.message}`);
      }
      const head =
        entry.method === "evm_revert"
          ? await latestBlock(this.#edr)
          : (await this.#headAfter(this.#head)).head;
      if (head.hash !== entry.head.hash) {
        throw new JournalReplayError(file, line, `${entry.method} produced a different block`, {
          expected: entry.head,
          got: head,
        });
      }
      this.#head = head;
      if (entry.ts !== undefined) anchor = entry.at;
    }
    this.replayedEntries = entries.length;
    // The recorded block times were replayed, which left the EVM's clock where it stood at the
    // last one. The chain clock keeps running while the devnet is stopped, as a real chain's
    // does: move it on by the wall-clock time elapsed since that block was made.
    const elapsed = Math.floor((Date.now() - anchor) / 1000);
    if (elapsed > 0) await this.#call("evm_increaseTime", [elapsed]);
  }

  async #dispatch(method: string, params: readonly unknown[] | object | undefined): Promise<Answer> {
    if (this.#closed) return { error: { code: RpcErrorCode.disconnected, message: "The devnet is closed" } };
    if (typeof method !== "string") return invalidRequest("method must be a string");
    if (params !== undefined && !Array.isArray(params)) {
      return {
        error: {
          code: RpcErrorCode.invalidParams,
          message: `Invalid params for ${method}: the devnet takes params as an array`,
        },
      };
    }
    const list: unknown[] = params === undefined ? [] : [...params];
    try {
      switch (methodKind(method)) {
        case "read": {
          const answer = await this.#call(method, list);
          if ("error" in answer && (method === "eth_call" || method === "eth_estimateGas")) {
            return { error: asExecutionReverted(answer.error) };
          }
          return answer;
        }
        case "journaled":
          return await this.#serially(() => this.#change(method, list));
        case "refused":
          return {
            error: {
              code: RpcErrorCode.methodNotSupported,
              message: `Method ${method} is not supported by the devnet: ${refusalReason(method)}`,
            },
          };
        default:
          return {
            error: {
              code: RpcErrorCode.methodNotFound,
              message: `Method ${method.slice(0, 128)} is not supported by the devnet`,
            },
          };
      }
    } catch (error) {
      if (error instanceof DevnetRpcError) return { error: error.toJSON() };
      this.#logger.warn({ method, error: String(error) }, "devnet request failed");
      return {
        error: { code: RpcErrorCode.internalError, message: `Internal error in ${method}: ${String(error)}` },
      };
    }
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Runs one state-changing call and journals it before its answer is released. */
  async #change(method: string, params: unknown[]): Promise<Answer> {
    if (this.#closed) return { error: { code: RpcErrorCode.disconnected, message: "The devnet is closed" } };
    if (this.#failure) return { error: { code: RpcErrorCode.internalError, message: this.#failure.message } };
    if (method === "evm_snapshot") return this.#snapshot();
    if (method === "evm_revert") return this.#revert(params);
    const before = this.#head;
    const answer = await this.#call(method, params);
    const { head, ts } = await this.#headAfter(before);
    // An error that left the chain as it was is a refusal: nothing to keep.
    if ("error" in answer && head.hash === before.hash) return answer;
    const entry: Omit<JournalEntry, "seq"> = { at: Date.now(), method, params, head };
    if ("result" in answer) entry.result = answer.result;
    else entry.failed = true;
    if (ts !== undefined) entry.ts = ts;
    return this.#keep(entry, answer);
  }

  /**
   * The head after a call other than evm_revert, and the time of the first block it mined. Such a
   * call can only add blocks, so an unchanged block number means an unchanged head, and the
   * cheap number check spares fetching (and serialising) a block for calls that mine nothing.
   */
  async #headAfter(before: BlockRef): Promise<{ head: BlockRef; ts?: Hex }> {
    const answer = await this.#call("eth_blockNumber", []);
    if ("error" in answer) throw new DevnetError("The EVM did not return its block number", { answer });
    const number = BigInt(answer.result as Hex);
    const previous = BigInt(before.number);
    if (number === previous) return { head: before };
    const head = await latestBlock(this.#edr);
    if (number === previous + 1n) return { head, ts: head.timestamp };
    if (number < previous) return { head };
    return { head, ts: (await blockByNumber(this.#edr, previous + 1n)).timestamp };
  }

  async #snapshot(): Promise<Answer> {
    const answer = await this.#call("evm_snapshot", []);
    if ("error" in answer) return answer;
    const id = numberToHex(this.#lastSnapshot + 1);
    this.#rememberSnapshot(id, answer.result as string);
    return this.#keep(
      { at: Date.now(), method: "evm_snapshot", params: [], result: id, head: this.#head },
      { result: id },
    );
  }

  async #revert(params: unknown[]): Promise<Answer> {
    const id = snapshotId(params[0]);
    if (id === undefined) {
      return {
        error: {
          code: RpcErrorCode.invalidParams,
          message: "Invalid params for evm_revert: expected a snapshot id",
        },
      };
    }
    const evmId = this.#snapshots.get(id);
    // Unknown, or already used: the EVM's answer for such an id is `false` too.
    if (evmId === undefined) return { result: false };
    const answer = await this.#call("evm_revert", [evmId]);
    if ("error" in answer || answer.result !== true) return answer;
    // A revert uses up its snapshot and every later one, as in Hardhat.
    this.#forgetSnapshotsFrom(id);
    const head = await latestBlock(this.#edr);
    return this.#keep({ at: Date.now(), method: "evm_revert", params: [id], result: true, head }, answer);
  }

  #rememberSnapshot(id: Hex, evmId: string): void {
    this.#snapshots.set(id, evmId);
    this.#lastSnapshot = Math.max(this.#lastSnapshot, Number(id));
  }

  #forgetSnapshotsFrom(id: Hex): void {
    for (const known of [...this.#snapshots.keys()])
      if (Number(known) >= Number(id)) this.#snapshots.delete(known);
  }

  #keep(entry: Omit<JournalEntry, "seq">, answer: Answer): Answer {
    if (this.#journal) {
      try {
        this.#journal.append(entry);
      } catch (error) {
        // The EVM has the change but the journal does not: refuse everything after it, so that
        // nothing further is accepted that a restart would lose.
        this.#failure = new JournalWriteError(this.#journal.file, error);
        this.#logger.warn({ file: this.#journal.file, error: String(error) }, "devnet journal write failed");
        return { error: { code: RpcErrorCode.internalError, message: this.#failure.message } };
      }
    }
    this.#head = entry.head;
    return answer;
  }

  #call(method: string, params: unknown[]): Promise<Answer> {
    return callEdr(this.#edr, method, params);
  }
}

function invalidRequest(message: string): Answer {
  return { error: { code: RpcErrorCode.invalidRequest, message: `Invalid request: ${message}` } };
}

function snapshotId(value: unknown): Hex | undefined {
  try {
    if (typeof value !== "string" && typeof value !== "number") return undefined;
    const n = BigInt(value);
    return n > 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? numberToHex(n) : undefined;
  } catch {
    return undefined;
  }
}

async function callEdr(edr: EdrProvider, method: string, params: unknown[]): Promise<Answer> {
  let body: string;
  try {
    body = JSON.stringify({ jsonrpc: "2.0", id: 0, method, params });
  } catch (error) {
    return {
      error: { code: RpcErrorCode.invalidParams, message: `Invalid params for ${method}: ${String(error)}` },
    };
  }
  const response = await edr.handleRequest(body);
  const data = response.data as unknown;
  const parsed = (typeof data === "string" ? JSON.parse(data) : data) as {
    result?: unknown;
    error?: JsonRpcErrorObject;
  };
  if (parsed.error) return { error: parsed.error };
  return { result: parsed.result ?? null };
}

async function latestBlock(edr: EdrProvider): Promise<BlockRef> {
  return blockRef(await callEdr(edr, "eth_getBlockByNumber", ["latest", false]), "latest");
}

async function blockByNumber(edr: EdrProvider, number: bigint): Promise<BlockRef> {
  return blockRef(
    await callEdr(edr, "eth_getBlockByNumber", [numberToHex(number), false]),
    number.toString(),
  );
}

function blockRef(answer: Answer, which: string): BlockRef {
  if ("error" in answer || answer.result === null) {
    throw new DevnetError(`The EVM did not return block ${which}`, { answer });
  }
  const block = answer.result as { number: Hex; hash: Hex; timestamp: Hex };
  return { number: block.number, hash: block.hash, timestamp: block.timestamp };
}
