/** The chain indexer: follows contract events into the node's index. */
export type { BlockRecord, Checkpoint } from "./chainState.ts";
export {
  ChainIndexerError,
  ChainMovedError,
  ChainRpcError,
  EventHandlerError,
  IndexMismatchError,
  InvalidIndexerOptionError,
} from "./errors.ts";
export {
  type ChainEvent,
  defineEventSource,
  type EventHandler,
  type EventHandlers,
  type EventPosition,
  type EventSource,
} from "./eventSource.ts";
export { ChainIndexer, type ChainIndexerOptions, type ChainIndexerStats, type SyncStep } from "./indexer.ts";
export type { RowChange } from "./journaledStore.ts";
export type { IndexerLogger } from "./logger.ts";
