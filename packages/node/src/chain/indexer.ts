import type { ProtocolAddresses } from "@dimo-open/protocol";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  AbiEventSignatureNotFoundError,
  type Address,
  BlockNotFoundError,
  decodeEventLog,
  type Hash,
  type Hex,
  keccak256,
  type Log,
  type PublicClient,
  toHex,
} from "viem";
import { inTransaction, type NodeDatabase } from "../db/database.ts";
import { IdentityIndex } from "../identity/identityIndex.ts";
import { protocolEventSources } from "../identity/protocolSources.ts";
import { identityTables } from "../identity/schema.ts";
import { IdentityWriter } from "../identity/writer.ts";
import { type BlockRecord, ChainState, type Checkpoint } from "./chainState.ts";
import {
  ChainIndexerError,
  ChainMovedError,
  ChainRpcError,
  EventHandlerError,
  IndexMismatchError,
  InvalidIndexerOptionError,
} from "./errors.ts";
import type { ChainEvent, EventSource } from "./eventSource.ts";
import { JournaledStore } from "./journaledStore.ts";
import { type IndexerLogger, silentLogger } from "./logger.ts";

export interface ChainIndexerOptions {
  /** Any EVM JSON-RPC: the in-process devnet, or `http(url)` to another chain. */
  client: PublicClient;
  addresses: ProtocolAddresses;
  db: NodeDatabase;
  /** More contracts to follow (e.g. the hardware-licensing layer's bans), besides the protocol's. */
  sources?: readonly EventSource<IdentityWriter>[];
  /** Blocks an event must be buried under before it is applied. Default 0 (the devnet's blocks are final). */
  confirmations?: number;
  /** First block to read; at or before the protocol's deployment. Default 0. */
  startBlock?: bigint;
  /** Most blocks per eth_getLogs call (halved after a failed call, grown back after successes). Default 2,000. */
  maxBlockRange?: number;
  /** Pause between polls once caught up, ms. Default 1,000. */
  pollIntervalMs?: number;
  /** First back-off after a failed poll, ms; doubles per failure. Default 500. */
  retryDelayMs?: number;
  /** Longest back-off, ms. Default 30,000. */
  maxRetryDelayMs?: number;
  /** Blocks of undo journal kept for reorgs; a deeper reorg rebuilds the index from `startBlock`. Default 10,000. */
  reorgHorizon?: number;
  /** pino or anything with its signature; silent without. */
  logger?: IndexerLogger;
  /** The index to write (opened on `db` when omitted). */
  identity?: IdentityIndex;
}

/** What one poll did. */
export type SyncStep =
  | { kind: "idle"; head: bigint; checkpoint: Checkpoint | undefined }
  | { kind: "applied"; fromBlock: bigint; toBlock: bigint; events: number; caughtUp: boolean }
  | { kind: "reorg"; from: bigint; to: bigint | undefined };

export interface ChainIndexerStats {
  /** The chain head seen by the last poll (undefined before one succeeded); lag = head − checkpoint. */
  head: bigint | undefined;
  /** Events handed to a handler (a retried batch counts again; a rolled-back one too). */
  handlerCalls: number;
  batches: number;
  reorgs: number;
  failures: number;
}

const DEFAULTS = {
  confirmations: 0,
  startBlock: 0n,
  maxBlockRange: 2_000,
  pollIntervalMs: 1_000,
  retryDelayMs: 500,
  maxRetryDelayMs: 30_000,
  reorgHorizon: 10_000,
};

function checkInteger(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidIndexerOptionError(option, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Follows the protocol's contract events into the identity index. Each poll reads the logs of a
 * bounded block range up to the head minus the confirmation depth and applies them in (block,
 * log index) order in ONE transaction together with the new checkpoint (block number and hash):
 * a crash leaves either the whole batch or none of it. Before each poll it checks that the
 * checkpoint's block is still canonical; if not, it finds the last applied block that is, undoes
 * every later change from the undo journal, and reads on from there.
 */
export class ChainIndexer {
  readonly identity: IdentityIndex;
  readonly #client: PublicClient;
  readonly #connection: DuckDBConnection;
  readonly #store: JournaledStore;
  readonly #state: ChainState;
  readonly #sources: Map<string, EventSource<IdentityWriter>[]>;
  readonly #addresses: Address[];
  readonly #log: IndexerLogger;
  readonly #options: typeof DEFAULTS;
  #checkpoint: Checkpoint | undefined;
  #range: number;
  #chainChecked = false;
  #stats: ChainIndexerStats = { head: undefined, handlerCalls: 0, batches: 0, reorgs: 0, failures: 0 };
  #loop: Promise<void> | undefined;
  #running = false;
  #wake: (() => void) | undefined;
  #waiters = new Set<() => void>();

  private constructor(
    p: {
      client: PublicClient;
      connection: DuckDBConnection;
      store: JournaledStore;
      state: ChainState;
      identity: IdentityIndex;
      sources: readonly EventSource<IdentityWriter>[];
      logger: IndexerLogger;
      checkpoint: Checkpoint | undefined;
    },
    options: typeof DEFAULTS,
  ) {
    this.#client = p.client;
    this.#connection = p.connection;
    this.#store = p.store;
    this.#state = p.state;
    this.identity = p.identity;
    this.#log = p.logger;
    this.#checkpoint = p.checkpoint;
    this.#options = options;
    this.#range = options.maxBlockRange;
    this.#sources = new Map();
    for (const source of p.sources) {
      const key = source.address.toLowerCase();
      this.#sources.set(key, [...(this.#sources.get(key) ?? []), source]);
    }
    this.#addresses = [...new Set(p.sources.map((s) => s.address))];
  }

  /**
   * Opens (or creates) the index in `db` and the indexer's bookkeeping. Makes no RPC call, so a
   * node starts even while its RPC is down; the chain is checked on the first poll.
   */
  static async create(options: ChainIndexerOptions): Promise<ChainIndexer> {
    const o = {
      confirmations: checkInteger(
        "confirmations",
        options.confirmations ?? DEFAULTS.confirmations,
        0,
        100_000,
      ),
      startBlock: options.startBlock ?? DEFAULTS.startBlock,
      maxBlockRange: checkInteger(
        "maxBlockRange",
        options.maxBlockRange ?? DEFAULTS.maxBlockRange,
        1,
        1_000_000,
      ),
      pollIntervalMs: checkInteger(
        "pollIntervalMs",
        options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
        1,
        3_600_000,
      ),
      retryDelayMs: checkInteger("retryDelayMs", options.retryDelayMs ?? DEFAULTS.retryDelayMs, 1, 3_600_000),
      maxRetryDelayMs: checkInteger(
        "maxRetryDelayMs",
        options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
        1,
        3_600_000,
      ),
      reorgHorizon: 0,
    };
    o.reorgHorizon = checkInteger(
      "reorgHorizon",
      options.reorgHorizon ?? Math.max(DEFAULTS.reorgHorizon, o.confirmations * 2),
      Math.max(1, o.confirmations),
      10_000_000,
    );
    if (typeof o.startBlock !== "bigint" || o.startBlock < 0n) {
      throw new InvalidIndexerOptionError("startBlock", o.startBlock, "a block number (bigint) ≥ 0");
    }
    const sources = [...protocolEventSources(options.addresses), ...(options.sources ?? [])];
    const names = new Set<string>();
    for (const source of sources) {
      if (names.has(source.name)) {
        throw new InvalidIndexerOptionError("sources", source.name, "event sources with distinct names");
      }
      names.add(source.name);
    }
    const logger = options.logger ?? silentLogger;
    const connection = await options.db.connect();
    const state = await ChainState.open(connection);

    // The index depends on which contracts it follows from which block, and on the layout of its
    // tables: when either changes, the events of a new source before the checkpoint were never
    // read (or the rows have another shape), so the index starts over. It is built from logs.
    const fingerprint = JSON.stringify({
      startBlock: o.startBlock.toString(),
      sources: sources.map((s) => `${s.name}@${s.address.toLowerCase()}`).sort(),
      tables: keccak256(
        toHex(JSON.stringify(identityTables.map((t) => [t.name, t.columns, t.key, t.indexes ?? []]))),
      ),
    });
    const previous = await state.meta("fingerprint");
    let store: JournaledStore;
    if (previous === fingerprint) {
      store = await JournaledStore.open(connection, identityTables);
    } else {
      store = await inTransaction(connection, async () => {
        const fresh = await JournaledStore.open(connection, identityTables, { recreate: true });
        await state.clear();
        await state.setMeta("fingerprint", fingerprint);
        return fresh;
      });
      options.identity?.resetView();
      if (previous !== undefined) {
        logger.info(
          { previous, fingerprint },
          "indexed contracts, start block or table layout changed; rebuilding the index",
        );
      }
    }
    // Opened after any rebuild: it loads the device timeline from the tables as they are now.
    const identity = options.identity ?? (await IdentityIndex.open(options.db, options.addresses));
    const checkpoint = await state.checkpoint();
    identity.setCheckpoint(checkpoint);
    return new ChainIndexer(
      { client: options.client, connection, store, state, identity, sources, logger, checkpoint },
      o,
    );
  }

  /** The last applied block, undefined before the first batch. */
  get checkpoint(): Checkpoint | undefined {
    return this.#checkpoint;
  }

  get stats(): Readonly<ChainIndexerStats> {
    return { ...this.#stats };
  }

  /**
   * One poll: checks for a reorg (and unwinds it), else applies the next batch of confirmed
   * blocks. Throws on RPC or handler failures (nothing of the batch is applied).
   */
  async syncOnce(): Promise<SyncStep> {
    await this.#checkChain();
    const checkpoint = this.#checkpoint;
    if (checkpoint) {
      const canonical = await this.#canonicalHash(checkpoint.blockNumber);
      if (canonical !== checkpoint.blockHash) return this.#unwind(checkpoint);
    }
    const head = await this.#rpc("eth_blockNumber", () => this.#client.getBlockNumber({ cacheTime: 0 }));
    this.#stats.head = head;
    const safe = head - BigInt(this.#options.confirmations);
    const from = checkpoint ? checkpoint.blockNumber + 1n : this.#options.startBlock;
    if (safe < from) return { kind: "idle", head, checkpoint };
    const to = safe < from + BigInt(this.#range) - 1n ? safe : from + BigInt(this.#range) - 1n;
    const last = await this.#block(to);
    if (!last) throw new ChainMovedError(to, "the head went back below it");
    const logs = await this.#getLogs(from, to);
    const events = await this.#decode(logs, to, last);
    await this.#apply(events, last);
    return { kind: "applied", fromBlock: from, toBlock: to, events: events.length, caughtUp: to >= safe };
  }

  /** Polls until the index has applied every confirmed block. Throws on the first failure. */
  async syncToHead(): Promise<Checkpoint | undefined> {
    for (;;) {
      const step = await this.syncOnce();
      if (step.kind === "idle" || (step.kind === "applied" && step.caughtUp)) return this.#checkpoint;
    }
  }

  /** Starts polling in the background; failures are logged and retried with back-off. */
  start(): void {
    if (this.#loop) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling after the current step; resolves once it has. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Resolves once the checkpoint is at or past `blockNumber` (needs `start()`), or rejects after `timeoutMs`. */
  waitForBlock(blockNumber: bigint, timeoutMs = 30_000): Promise<Checkpoint> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const cp = this.#checkpoint;
        if (cp && cp.blockNumber >= blockNumber) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(cp);
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new ChainIndexerError(`The index did not reach block ${blockNumber} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  // ---------------------------------------------------------------- polling

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      let pause = this.#options.pollIntervalMs;
      try {
        const step = await this.syncOnce();
        failures = 0;
        if (step.kind === "reorg" || (step.kind === "applied" && !step.caughtUp)) pause = 0;
      } catch (error) {
        failures++;
        this.#stats.failures++;
        pause = Math.min(this.#options.maxRetryDelayMs, this.#options.retryDelayMs * 2 ** (failures - 1));
        const transient = error instanceof ChainRpcError || error instanceof ChainMovedError;
        this.#log[transient ? "warn" : "error"](
          { err: error, attempt: failures, retryInMs: pause },
          "chain indexer poll failed; retrying",
        );
      }
      if (pause > 0 && this.#running) await this.#sleep(pause);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  // ---------------------------------------------------------------- reading the chain

  async #rpc<T>(request: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ChainIndexerError) throw error;
      throw new ChainRpcError(request, error);
    }
  }

  async #checkChain(): Promise<void> {
    if (this.#chainChecked) return;
    const chainId = await this.#rpc("eth_chainId", () => this.#client.getChainId());
    const stored = await this.#state.meta("chainId");
    if (stored === undefined) await this.#state.setMeta("chainId", String(chainId));
    else if (Number(stored) !== chainId) throw new IndexMismatchError(Number(stored), chainId);
    this.#chainChecked = true;
  }

  /** The block at `number`, or undefined when the chain has no such block (any more). */
  async #block(number: bigint): Promise<BlockRecord | undefined> {
    try {
      const block = await this.#client.getBlock({ blockNumber: number, includeTransactions: false });
      return { number, hash: block.hash, time: block.timestamp };
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined;
      throw new ChainRpcError(`eth_getBlockByNumber(${number})`, error);
    }
  }

  async #canonicalHash(number: bigint): Promise<Hash | undefined> {
    return (await this.#block(number))?.hash;
  }

  async #getLogs(from: bigint, to: bigint): Promise<Log[]> {
    try {
      const logs = await this.#client.getLogs({ address: this.#addresses, fromBlock: from, toBlock: to });
      this.#range = Math.min(this.#options.maxBlockRange, this.#range * 2);
      return logs;
    } catch (error) {
      // Providers cap a call's range or result size: ask for less next time.
      this.#range = Math.max(1, Math.floor(this.#range / 2));
      throw new ChainRpcError(`eth_getLogs(${from}..${to})`, error);
    }
  }

  /** Decodes the batch's logs in chain order, stamping each with its block's time (one fetch per block). */
  async #decode(logs: Log[], to: bigint, last: BlockRecord): Promise<ChainEvent[]> {
    const live = logs
      .filter((l) => !l.removed && l.blockNumber !== null && l.logIndex !== null)
      .sort((a, b) =>
        a.blockNumber === b.blockNumber
          ? a.logIndex! - b.logIndex!
          : a.blockNumber! < b.blockNumber!
            ? -1
            : 1,
      );
    const blocks = new Map<bigint, BlockRecord>([[to, last]]);
    const events: ChainEvent[] = [];
    for (const log of live) {
      const number = log.blockNumber!;
      let block = blocks.get(number);
      if (!block) {
        block = await this.#block(number);
        if (!block) throw new ChainMovedError(number, `the block of a log (${log.blockHash}) is gone`);
        blocks.set(number, block);
      }
      // The log must come from the chain the block (and the checkpoint) came from.
      if (block.hash !== log.blockHash) {
        throw new ChainMovedError(
          number,
          `a log came from ${log.blockHash}, the canonical block is ${block.hash}`,
        );
      }
      for (const source of this.#sources.get(log.address.toLowerCase()) ?? []) {
        const decoded = this.#decodeLog(source, log);
        if (!decoded) continue;
        events.push({
          source: source.name,
          address: source.address,
          eventName: decoded.eventName,
          args: decoded.args as never,
          blockNumber: number,
          blockHash: block.hash,
          blockTime: block.time,
          logIndex: log.logIndex!,
          transactionHash: log.transactionHash!,
        });
      }
    }
    return events;
  }

  #decodeLog(
    source: EventSource<IdentityWriter>,
    log: Log,
  ): { eventName: string; args: unknown } | undefined {
    try {
      const decoded = decodeEventLog({
        abi: source.abi,
        topics: log.topics as [Hex, ...Hex[]],
        data: log.data,
        strict: true,
      });
      if (!decoded.eventName || !source.handlers[decoded.eventName]) return undefined;
      return { eventName: decoded.eventName, args: decoded.args };
    } catch (error) {
      if (!(error instanceof AbiEventSignatureNotFoundError)) {
        // A log its own contract's ABI cannot read: skipped the same way on every rebuild.
        this.#log.warn(
          { err: error, source: source.name, block: log.blockNumber, logIndex: log.logIndex },
          "undecodable log skipped",
        );
      }
      return undefined;
    }
  }

  // ---------------------------------------------------------------- writing the index

  async #apply(events: ChainEvent[], last: BlockRecord): Promise<void> {
    const checkpoint: Checkpoint = { blockNumber: last.number, blockHash: last.hash, blockTime: last.time };
    const blocks = new Map<bigint, BlockRecord>([[last.number, last]]);
    let changes: Awaited<ReturnType<JournaledStore["flush"]>> = [];
    try {
      await inTransaction(this.#connection, async () => {
        for (const event of events) {
          blocks.set(event.blockNumber, {
            number: event.blockNumber,
            hash: event.blockHash,
            time: event.blockTime,
          });
          this.#store.atBlock(event.blockNumber);
          const source = this.#sources
            .get(event.address.toLowerCase())!
            .find((s) => s.name === event.source)!;
          this.#stats.handlerCalls++;
          try {
            await source.handlers[event.eventName]!(
              event,
              new IdentityWriter(this.#store, event, event.address),
            );
          } catch (error) {
            throw new EventHandlerError(
              event.source,
              event.eventName,
              event.blockNumber,
              event.logIndex,
              error,
            );
          }
        }
        changes = await this.#store.flush();
        await this.#state.recordBlocks([...blocks.values()]);
        await this.#state.saveCheckpoint(checkpoint);
        const horizon = last.number - BigInt(this.#options.reorgHorizon);
        if (horizon >= 0n) {
          await this.#store.pruneUndo(horizon);
          await this.#state.pruneBlocks(horizon);
        }
      });
    } catch (error) {
      this.#store.discard();
      throw error;
    }
    this.#stats.batches++;
    this.#committed(changes, checkpoint);
    if (events.length > 0) {
      this.#log.debug(
        { fromBlock: events[0]!.blockNumber, toBlock: last.number, events: events.length },
        "applied chain events",
      );
    }
  }

  /** The checkpoint's block is gone: find the last applied block still canonical and undo everything after it. */
  async #unwind(stale: Checkpoint): Promise<SyncStep> {
    const known = await this.#state.blocks();
    // Canonical blocks form a prefix of the known ones (a block's hash commits to its ancestors).
    let lo = 0;
    let hi = known.length - 1;
    let ancestor: BlockRecord | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const block = known[mid]!;
      if ((await this.#canonicalHash(block.number)) === block.hash) {
        ancestor = block;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    this.#stats.reorgs++;
    let changes: Awaited<ReturnType<JournaledStore["flush"]>> = [];
    const checkpoint = ancestor && {
      blockNumber: ancestor.number,
      blockHash: ancestor.hash,
      blockTime: ancestor.time,
    };
    try {
      await inTransaction(this.#connection, async () => {
        if (ancestor) {
          changes = await this.#store.revertAfter(ancestor.number);
          await this.#state.forgetBlocksAfter(ancestor.number);
        } else {
          await this.#store.clear();
          await this.#state.clear();
        }
        await this.#state.saveCheckpoint(checkpoint);
      });
    } catch (error) {
      this.#store.discard();
      throw error;
    }
    if (!ancestor) this.identity.resetView();
    this.#committed(changes, checkpoint);
    this.#log.warn(
      {
        staleBlock: stale.blockNumber,
        staleHash: stale.blockHash,
        resumeAfter: ancestor?.number ?? null,
        rebuilt: !ancestor,
      },
      ancestor
        ? "chain reorganised; undid the index back to the common ancestor"
        : "chain reorganised deeper than the undo journal; rebuilding the index from the start block",
    );
    return { kind: "reorg", from: stale.blockNumber, to: ancestor?.number };
  }

  #committed(
    changes: Awaited<ReturnType<JournaledStore["flush"]>>,
    checkpoint: Checkpoint | undefined,
  ): void {
    this.#checkpoint = checkpoint;
    this.identity.applyCommitted(changes, checkpoint);
    for (const waiter of [...this.#waiters]) waiter();
  }
}
