import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DevnetAccount } from "./accounts.ts";
import { InvalidDevnetOptionError } from "./errors.ts";
import { errorResponse, type JsonRpcResponse, parseJsonRpcRequest, RpcErrorCode } from "./jsonRpc.ts";
import { createDevnetProvider, type DevnetProvider, type DevnetProviderOptions } from "./provider.ts";

export interface StartDevnetOptions extends DevnetProviderOptions {
  /** Interface to listen on. Default 127.0.0.1: the unlocked accounts must not face a network. */
  host?: string;
  /** TCP port. Default 8545; 0 picks a free one (see `rpcUrl`). */
  port?: number;
  /** Largest request body accepted, in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Most requests in one JSON-RPC batch. Default 1000. */
  maxBatchSize?: number;
}

export interface RunningDevnet {
  /** Where standard JSON-RPC is served, e.g. http://127.0.0.1:8545/ */
  rpcUrl: string;
  chainId: number;
  /** The same chain in-process (EIP-1193): faster than HTTP for code in this process. */
  provider: DevnetProvider;
  accounts: readonly DevnetAccount[];
  /** Stops the server, waits for calls in progress, closes the journal and frees the data dir. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 2 ** 20;
export const DEFAULT_MAX_BATCH_SIZE = 1000;

/**
 * Starts a devnet and serves it as standard Ethereum JSON-RPC over HTTP, so viem, cast, ethers
 * or a browser wallet can connect. `GET /health` answers with the chain id and head block.
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<RunningDevnet> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8545;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidDevnetOptionError("port", port, "an integer from 0 to 65535");
  }
  const limits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
  };
  if (!Number.isSafeInteger(limits.maxBodyBytes) || limits.maxBodyBytes < 1024) {
    throw new InvalidDevnetOptionError("maxBodyBytes", limits.maxBodyBytes, "an integer of at least 1024");
  }
  if (!Number.isSafeInteger(limits.maxBatchSize) || limits.maxBatchSize < 1) {
    throw new InvalidDevnetOptionError("maxBatchSize", limits.maxBatchSize, "a positive integer");
  }
  const provider = await createDevnetProvider(options);
  const server = createServer((req, res) => {
    serve(provider, limits, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorResponse(null, internal(error)));
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.on("clientError", (_error, socket) => socket.destroy());
  try {
    await listen(server, host, port);
  } catch (error) {
    await provider.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    rpcUrl: `http://${urlHost}:${address.port}/`,
    chainId: provider.chainId,
    provider,
    accounts: provider.accounts,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await provider.close();
      })();
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

// Browser wallets and dapps on other origins call the devnet directly, as they do Hardhat's and
// Anvil's nodes; this is why it listens on loopback only by default.
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, GET, OPTIONS",
  "access-control-allow-headers": "content-type, authorization",
  "access-control-max-age": "600",
};

async function serve(
  provider: DevnetProvider,
  limits: { maxBodyBytes: number; maxBatchSize: number },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS).end();
    return;
  }
  if (req.method === "GET" && path === "/health") {
    const head = await provider.handle({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" });
    const ok = "result" in head;
    send(res, ok ? 200 : 503, {
      status: ok ? "ok" : "unavailable",
      chainId: provider.chainId,
      blockNumber: ok ? Number(head.result) : null,
    });
    return;
  }
  if (path !== "/") {
    send(res, 404, {
      error: `Not found: ${req.method} ${path?.slice(0, 100)}; JSON-RPC is served by POST /`,
    });
    return;
  }
  if (req.method !== "POST") {
    res.setHeader("allow", "POST, GET, OPTIONS");
    send(
      res,
      405,
      errorResponse(null, { code: RpcErrorCode.invalidRequest, message: "JSON-RPC requests must be POSTed" }),
    );
    return;
  }
  const body = await readBody(req, limits.maxBodyBytes);
  if (body === undefined) {
    send(
      res,
      413,
      errorResponse(null, {
        code: RpcErrorCode.invalidRequest,
        message: `Request body exceeds the limit of ${limits.maxBodyBytes} bytes`,
      }),
    );
    // The rest of the body is not read: close the connection rather than drain it.
    res.once("finish", () => req.socket.destroy());
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    send(
      res,
      200,
      errorResponse(null, {
        code: RpcErrorCode.parseError,
        message: `Parse error: ${(error as Error).message}`,
      }),
    );
    return;
  }
  if (!Array.isArray(parsed)) {
    const response = await answer(provider, parsed);
    if (response) send(res, 200, response);
    else res.writeHead(204, CORS).end();
    return;
  }
  if (parsed.length === 0 || parsed.length > limits.maxBatchSize) {
    const message =
      parsed.length === 0
        ? "Invalid request: empty batch"
        : `Invalid request: a batch holds at most ${limits.maxBatchSize} requests`;
    send(res, 200, errorResponse(null, { code: RpcErrorCode.invalidRequest, message }));
    return;
  }
  // In order, one after another: a later request in a batch sees the effects of earlier ones.
  const responses: JsonRpcResponse[] = [];
  for (const item of parsed) {
    const response = await answer(provider, item);
    if (response) responses.push(response);
  }
  if (responses.length > 0) send(res, 200, responses);
  else res.writeHead(204, CORS).end();
}

/** The response to one request, or undefined for a notification (a request without an id). */
async function answer(provider: DevnetProvider, value: unknown): Promise<JsonRpcResponse | undefined> {
  const parsed = parseJsonRpcRequest(value);
  if ("error" in parsed) return errorResponse(parsed.id, parsed.error);
  const response = await provider.handle(parsed.request);
  return "id" in parsed.request ? response : undefined;
}

/** Reads the body, or returns undefined as soon as it grows past `limit` (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.pause();
      resolve(undefined);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    ...CORS,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  };
  if (status === 413) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

function internal(error: unknown): { code: number; message: string } {
  return {
    code: RpcErrorCode.internalError,
    message: `Internal error: ${error instanceof Error ? error.message : String(error)}`,
  };
}
