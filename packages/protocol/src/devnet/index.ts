/** The devnet: an in-process EVM (EDR) with a journal for restarts and a JSON-RPC server. */
export {
  DEVNET_MNEMONIC,
  type DevnetAccount,
  deriveDevnetAccounts,
  MAX_DEVNET_ACCOUNTS,
} from "./accounts.ts";
export { DEVNET_DEFAULTS, type DevnetChainOptions, type DevnetHardfork } from "./chainConfig.ts";
export { type DevnetClientsOptions, devnetChain, devnetClients } from "./clients.ts";
export {
  DevnetConfigMismatchError,
  DevnetDataDirLockedError,
  DevnetError,
  InvalidDevnetOptionError,
  JournalCorruptError,
  JournalReplayError,
  JournalWriteError,
} from "./errors.ts";
export { type BlockRef, JOURNAL_FILE, type JournalEntry, type JournalHeader } from "./journal.ts";
export {
  DevnetRpcError,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcRequest,
  type JsonRpcResponse,
  RpcErrorCode,
} from "./jsonRpc.ts";
export type { DevnetLogger } from "./logger.ts";
export { DEPLOYMENT_FILE, type DevnetDeployment, type DevnetNetwork, startDevnetNetwork } from "./network.ts";
export {
  createDevnetProvider,
  type DevnetProvider,
  type DevnetProviderOptions,
  type Eip1193Provider,
} from "./provider.ts";
export {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_BODY_BYTES,
  type RunningDevnet,
  type StartDevnetOptions,
  startDevnet,
} from "./server.ts";
