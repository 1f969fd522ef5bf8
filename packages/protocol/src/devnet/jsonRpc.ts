/**
 * JSON-RPC 2.0 as the devnet speaks it: the message shapes, the standard error codes, and the
 * validation of a request that came from outside (an HTTP body or an in-process caller).
 */

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  /** Absent for a notification, which gets no response. */
  id?: JsonRpcId;
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: JsonRpcErrorObject };

/** The error codes of JSON-RPC 2.0 and EIP-1193/EIP-1474 that the devnet itself produces. */
export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Generic server error, the range EDR uses for a failed execution. */
  serverError: -32000,
  /** EIP-1474: the method exists but this node does not offer it. */
  methodNotSupported: -32004,
  /** EIP-1193: the provider is disconnected from all chains (here: it was closed). */
  disconnected: 4900,
} as const;

/** A JSON-RPC error as an exception: what an EIP-1193 `request` throws (viem reads `code`, `data`). */
export class DevnetRpcError extends Error {
  override name = "DevnetRpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export const MAX_METHOD_NAME_LENGTH = 128;

/**
 * Checks that `value` is a JSON-RPC 2.0 request. Returns the request, or the error to answer with
 * (and the id to answer it under, when one could be read).
 */
export function parseJsonRpcRequest(
  value: unknown,
): { request: JsonRpcRequest } | { error: JsonRpcErrorObject; id: JsonRpcId } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(null, "a JSON-RPC request must be a JSON object");
  }
  const record = value as Record<string, unknown>;
  const id = record.id;
  const hasId = "id" in record;
  if (hasId && !(typeof id === "string" || typeof id === "number" || id === null)) {
    return invalid(null, "id must be a string, a number or null");
  }
  const answerId = hasId ? (id as JsonRpcId) : null;
  if (record.jsonrpc !== "2.0") return invalid(answerId, 'jsonrpc must be "2.0"');
  const method = record.method;
  if (typeof method !== "string" || method.length === 0 || method.length > MAX_METHOD_NAME_LENGTH) {
    return invalid(
      answerId,
      `method must be a non-empty string of at most ${MAX_METHOD_NAME_LENGTH} characters`,
    );
  }
  const params = record.params;
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    return invalid(answerId, "params must be an array or an object when present");
  }
  const request: JsonRpcRequest = { jsonrpc: "2.0", method };
  if (hasId) request.id = id as JsonRpcId;
  if (params !== undefined) request.params = params as unknown[] | Record<string, unknown>;
  return { request };
}

function invalid(id: JsonRpcId, message: string): { error: JsonRpcErrorObject; id: JsonRpcId } {
  return { id, error: { code: RpcErrorCode.invalidRequest, message: `Invalid request: ${message}` } };
}

export function errorResponse(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error };
}
