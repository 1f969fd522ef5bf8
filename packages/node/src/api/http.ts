import { ApiError, badRequest } from "./errors.ts";

/** Largest request body any JSON or form endpoint accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(declared, limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(size, limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = (size: number, limit: number) =>
  new ApiError(413, "body_too_large", `Request body of ${size} bytes exceeds the ${limit}-byte limit.`);

/** Parses a JSON object body (bounded); a malformed body is a 400 naming the problem. */
export async function readJsonObject(
  request: Request,
  limit = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const text = await readBody(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "The request body is not valid JSON; send a JSON object.");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("invalid_json", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * OAuth-style parameters: the query string merged with a form-encoded (or JSON) body, as DIMO's
 * auth server accepts them in either place.
 */
export async function readParams(request: Request): Promise<URLSearchParams> {
  const params = new URL(request.url).searchParams;
  const type = request.headers.get("content-type") ?? "";
  if (request.method === "GET" || request.method === "HEAD") return params;
  const text = await readBody(request, MAX_BODY_BYTES);
  if (!text) return params;
  if (type.includes("application/json")) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest("invalid_json", "The request body is not valid JSON.");
    }
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (typeof v === "string" || typeof v === "number") params.set(k, String(v));
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

/** The bearer token of the Authorization header, or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** What the node:http adapter passes beside the Request: the raw socket gives the peer address. */
export interface ServerContext {
  req?: { socket?: { remoteAddress?: string | undefined } };
}

/**
 * The caller's IP: the socket's peer address, or — only when the operator says the node sits
 * behind a proxy — the first X-Forwarded-For hop (a client could forge it otherwise).
 */
export function clientIp(request: Request, context: ServerContext | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return context?.req?.socket?.remoteAddress ?? "unknown";
}
