/**
 * Which JSON-RPC methods the devnet offers, and how each is treated. Every method that can change
 * the chain is journaled, so that a restart replays it; a method that would change the chain in a
 * way a replay cannot reproduce is refused. Anything not listed is refused too, so that no
 * state change can slip past the journal.
 */

/** Read the chain (or sign with an unlocked key): passed to the EVM as they are, never journaled. */
const READ_METHODS = new Set([
  "eth_accounts",
  "eth_blobBaseFee",
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_coinbase",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getBlockTransactionCountByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getCode",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_maxPriorityFeePerGas",
  "eth_newBlockFilter",
  "eth_newFilter",
  "eth_newPendingTransactionFilter",
  "eth_pendingTransactions",
  "eth_sign",
  "eth_signTypedData_v4",
  "eth_syncing",
  "eth_uninstallFilter",
  "personal_sign",
  "net_listening",
  "net_version",
  "web3_clientVersion",
  "web3_sha3",
  "debug_traceCall",
  "debug_traceTransaction",
  "hardhat_getAutomine",
  "hardhat_metadata",
]);

/** Change the chain (or its clock, mempool or mining mode) deterministically: journaled, replayed. */
const JOURNALED_METHODS = new Set([
  "eth_sendRawTransaction",
  "eth_sendTransaction",
  "evm_increaseTime",
  "evm_mine",
  "evm_revert",
  "evm_setAutomine",
  "evm_setBlockGasLimit",
  "evm_setNextBlockTimestamp",
  "evm_snapshot",
  "hardhat_dropTransaction",
  "hardhat_impersonateAccount",
  "hardhat_mine",
  "hardhat_setBalance",
  "hardhat_setCode",
  "hardhat_setCoinbase",
  "hardhat_setNextBlockBaseFeePerGas",
  "hardhat_setNonce",
  "hardhat_setPrevRandao",
  "hardhat_setStorageAt",
  "hardhat_stopImpersonatingAccount",
]);

/** Offered by the EVM but refused here, with the reason a caller is told. */
const REFUSED_METHODS = new Map([
  [
    "evm_setIntervalMining",
    "interval mining makes blocks on a timer, which a journal replay cannot reproduce; mine with evm_mine or hardhat_mine",
  ],
  [
    "hardhat_reset",
    "resetting would discard the journaled chain; stop the devnet and move its data dir aside",
  ],
  ["eth_subscribe", "the devnet has no WebSocket endpoint; poll with eth_newFilter / eth_getFilterChanges"],
  ["eth_unsubscribe", "the devnet has no WebSocket endpoint; poll with eth_newFilter / eth_getFilterChanges"],
]);

export type MethodKind = "read" | "journaled" | "refused" | "unknown";

export function methodKind(method: string): MethodKind {
  if (READ_METHODS.has(method)) return "read";
  if (JOURNALED_METHODS.has(method)) return "journaled";
  if (REFUSED_METHODS.has(method)) return "refused";
  return "unknown";
}

export function isJournaledMethod(method: string): boolean {
  return JOURNALED_METHODS.has(method);
}

export function refusalReason(method: string): string | undefined {
  return REFUSED_METHODS.get(method);
}
