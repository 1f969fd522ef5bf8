/**
 * viem's errors carry a short message and, in `details`, the root cause's own words. (Read by
 * shape, not class: a program may bundle its own copy of viem.)
 */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const { shortMessage, details } = cause as { shortMessage?: unknown; details?: unknown };
  if (typeof shortMessage !== "string") return cause.message;
  return typeof details === "string" && details !== "" && details !== shortMessage
    ? `${shortMessage} (${details})`
    : shortMessage;
}

/**
 * Errors in the viem style: a short message a person can act on, details for the log, and a
 * class a program can match.
 */
export class ChainIndexerError extends Error {
  override name = "ChainIndexerError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** An indexer option has a value it cannot work with. */
export class InvalidIndexerOptionError extends ChainIndexerError {
  override name = "InvalidIndexerOptionError";
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid indexer option ${option}: ${String(value)}; expected ${expected}.`);
  }
}

/** The database holds an index of another chain than the RPC serves. */
export class IndexMismatchError extends ChainIndexerError {
  override name = "IndexMismatchError";
  constructor(
    readonly indexedChainId: number,
    readonly rpcChainId: number,
  ) {
    super(`The index was built from chain ${indexedChainId} but the RPC serves chain ${rpcChainId}.`, {
      details:
        "Point the node at the RPC of the chain it indexed, or give it a fresh database file to index the new chain.",
    });
  }
}

/** The RPC failed or answered something unusable; the indexer retries with back-off. */
export class ChainRpcError extends ChainIndexerError {
  override name = "ChainRpcError";
  constructor(
    readonly request: string,
    cause: unknown,
  ) {
    super(`RPC request ${request} failed: ${describeCause(cause)}`, {
      details: "The indexer retries with back-off; check the RPC URL and that the node is reachable.",
      cause,
    });
  }
}

/** The chain changed under a batch being read (a log's block is no longer canonical); retried next poll. */
export class ChainMovedError extends ChainIndexerError {
  override name = "ChainMovedError";
  constructor(
    readonly blockNumber: bigint,
    reason: string,
  ) {
    super(`Block ${blockNumber} changed while a batch was read: ${reason}.`, {
      details: "A reorganisation is in progress; the indexer reads the range again on its next poll.",
    });
  }
}

/** An event handler failed; the batch is rolled back and retried. */
export class EventHandlerError extends ChainIndexerError {
  override name = "EventHandlerError";
  constructor(
    readonly source: string,
    readonly eventName: string,
    readonly blockNumber: bigint,
    readonly logIndex: number,
    cause: unknown,
  ) {
    super(
      `Handler of ${source}.${eventName} failed at block ${blockNumber} log ${logIndex}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { details: "The batch was rolled back; nothing of it was applied. The indexer retries it.", cause },
    );
  }
}
