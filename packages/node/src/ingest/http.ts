/**
 * HTTPS ingest: devices (or gateways) POST events, one or a batch.
 *
 *   POST /v1/events                      the signer is named by the event (v2 dimosigner,
 *                                        did:ethr producer, AutoPi subject)
 *   POST /v1/devices/<address>/events    the signature must recover to <address> (needed for
 *                                        legacy signatures from did:erc721 producers)
 *
 * Body: one event in any codec the stream package reads (Content-Type / Content-Encoding), or a
 * CloudEvents JSON batch (`application/cloudevents-batch+json`). The answer comes only after the
 * events are committed: 200 when every event was accepted or already stored, 207 with per-event
 * results when some were refused, the refusal's status (400/401/403/413/415/422) for a single
 * event, 503 with Retry-After when the node is overloaded or its store failed (nothing refused
 * for a reason of its own was acknowledged then: send again).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from "node:https";
import { type Address, getAddress, isAddress } from "viem";
import type { MessageOrigin } from "./admit.ts";
import { CLOUDEVENTS_BATCH, splitJsonArray } from "./batch.ts";
import { asRejection, httpStatusOf, IngestCommitError, IngestRejectedError } from "./errors.ts";
import type { Ingest, IngestOutcome } from "./ingest.ts";

export interface IngestServerOptions {
  ingest: Ingest;
  port?: number;
  host?: string;
  /** TLS key and certificate: serve HTTPS (devices should never send over plain HTTP in production). */
  tls?: HttpsOptions;
  /** Largest request body (default 4 MiB). Single events are also bounded by the stream limits. */
  maxBodyBytes?: number;
  /** Most events in one batch (default 1000). */
  maxBatchEvents?: number;
  /** Extra routes (e.g. `/metrics`) served by the same server. */
  routes?: Record<string, (request: IncomingMessage, response: ServerResponse) => void | Promise<void>>;
}

export interface IngestServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const DEVICE_PATH = /^\/v1\/devices\/([^/]+)\/events$/;

export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxBatch = options.maxBatchEvents ?? 1000;
  const { ingest } = options;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0]!;
    const extra = options.routes?.[path];
    if (extra && request.method === "GET") return extra(request, response);
    if (path === "/health") return reply(response, 200, { status: "ok" });
    let deviceAddress: Address | undefined;
    const match = DEVICE_PATH.exec(path);
    if (match) {
      if (!isAddress(match[1]!, { strict: false })) {
        return reply(response, 404, { status: "error", message: `${match[1]} is not a device address.` });
      }
      deviceAddress = getAddress(match[1]!);
    } else if (path !== "/v1/events") {
      return reply(response, 404, { status: "error", message: `No route ${path}.` });
    }
    if (request.method !== "POST") {
      response.setHeader("allow", "POST");
      return reply(response, 405, { status: "error", message: "Use POST." });
    }
    const origin: MessageOrigin = {
      transport: "http",
      contentType: request.headers["content-type"],
      contentEncoding: request.headers["content-encoding"],
      deviceAddress,
    };
    if (ingest.overloaded) return overloaded(response, origin);
    const body = await readBody(request, maxBody);
    if (!body) {
      const refusal = new IngestRejectedError("oversized", `The request body exceeds ${maxBody} bytes.`, {
        details: "Send fewer events per request.",
      });
      response.setHeader("connection", "close");
      return replyRejected(response, ingest.countRejection(origin, refusal));
    }
    const mediaType = (origin.contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType === CLOUDEVENTS_BATCH) return handleBatch(response, body, origin);
    return replyOne(response, await ingest.submit(body, origin));
  }

  async function handleBatch(response: ServerResponse, body: Buffer, origin: MessageOrigin): Promise<void> {
    let items: string[];
    try {
      if (origin.contentEncoding && origin.contentEncoding.toLowerCase() !== "identity") {
        throw new IngestRejectedError("unsupported_content_type", "A batch must not be content-encoded.", {
          details: "Compress single events, or send the batch as identity-encoded JSON.",
        });
      }
      items = splitJsonArray(new TextDecoder("utf-8", { fatal: true }).decode(body), maxBatch);
    } catch (error) {
      return replyRejected(response, ingest.countRejection(origin, asRejection(decodeError(error))));
    }
    const itemOrigin = { ...origin, contentType: "application/cloudevents+json", contentEncoding: undefined };
    const settled = await Promise.allSettled(
      items.map((text) => ingest.submit(Buffer.from(text), itemOrigin)),
    );
    const results = settled.map((s) =>
      s.status === "fulfilled"
        ? s.value
        : { status: "error" as const, message: (s.reason as Error).message.split("\n")[0] },
    );
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const summary = {
      accepted: count("accepted"),
      duplicates: count("duplicate"),
      rejected: count("rejected"),
      errors: count("error"),
      results,
    };
    if (summary.errors > 0) {
      response.setHeader("retry-after", "1");
      return reply(response, 503, summary);
    }
    return reply(response, summary.rejected > 0 ? 207 : 200, summary);
  }

  function overloaded(response: ServerResponse, origin: MessageOrigin): void {
    const refusal = new IngestRejectedError("overloaded", "The node is overloaded; nothing was stored.", {
      details: "Retry after the delay in Retry-After.",
    });
    response.setHeader("retry-after", "1");
    replyRejected(response, ingest.countRejection(origin, refusal));
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof IngestCommitError) {
        response.setHeader("retry-after", "1");
        return reply(response, 503, { status: "error", message: error.shortMessage, details: error.details });
      }
      reply(response, 500, { status: "error", message: "Internal error; nothing was acknowledged." });
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : (options.port ?? 0),
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function decodeError(error: unknown): unknown {
  return error instanceof TypeError
    ? new IngestRejectedError("malformed", "The batch is not valid UTF-8.", { cause: error })
    : error;
}

/** The body, or undefined when it exceeds `limit` bytes (then the rest is not read). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limit) {
    request.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners("data");
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function replyOne(response: ServerResponse, outcome: IngestOutcome): void {
  if (outcome.status === "rejected") replyRejected(response, outcome);
  else reply(response, 200, outcome);
}

function replyRejected(response: ServerResponse, outcome: IngestOutcome): void {
  reply(response, outcome.status === "rejected" ? httpStatusOf(outcome.reason) : 200, outcome);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
