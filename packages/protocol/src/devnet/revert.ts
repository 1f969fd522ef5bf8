import { decodeErrorResult, type Hex, isHex } from "viem";
import { type JsonRpcErrorObject, RpcErrorCode } from "./jsonRpc.ts";

/** EIP-1474 / geth: "execution reverted", with the revert data as `data`. */
export const EXECUTION_REVERTED = 3;

/**
 * EDR reports a reverted `eth_call` / `eth_estimateGas` as -32000 with the revert data nested in
 * an object. Clients (viem, ethers, wallets) expect geth's shape — code 3, message "execution
 * reverted[: reason]", `data` the raw revert bytes — so the devnet answers in that shape and code
 * written against the devnet behaves the same against any other node.
 */
export function asExecutionReverted(error: JsonRpcErrorObject): JsonRpcErrorObject {
  const revertData = (error.data as { data?: unknown } | undefined)?.data;
  if (error.code !== RpcErrorCode.serverError || typeof revertData !== "string" || !isHex(revertData))
    return error;
  return { code: EXECUTION_REVERTED, message: `execution reverted${reasonOf(revertData)}`, data: revertData };
}

function reasonOf(data: Hex): string {
  // Only Error(string) carries a human reason; custom errors and panics are decoded by the caller's ABI.
  if (!data.startsWith("0x08c379a0")) return "";
  try {
    const decoded = decodeErrorResult({ data });
    return `: ${String(decoded.args?.[0] ?? "")}`;
  } catch {
    return "";
  }
}
