/**
 * The fetch-style face of the device services: `(request) => Promise<Response | undefined>`,
 * undefined when no route of ours matches (so the node's API server can try its own). Errors are
 * JSON `{code, error, message, details?}` like the rest of the node's API.
 */
import { timingSafeEqual } from "node:crypto";
import { DeviceServiceError, DeviceServiceForbiddenError, FirmwareReleaseError } from "./errors.ts";

export type DeviceServicesHandler = (request: Request) => Promise<Response | undefined>;

export type RouteParams = Record<string, string>;
export type Route = {
  method: string;
  pattern: string;
  handle: (request: Request, params: RouteParams) => Promise<Response>;
};

/** Matches `/v1/x/:name` patterns; answers 405 for a known path with another method. */
export function routeHandler(
  routes: readonly Route[],
  onError?: (error: unknown) => void,
): DeviceServicesHandler {
  const compiled = routes.map((r) => ({ ...r, parts: r.pattern.split("/").filter(Boolean) }));
  return async (request) => {
    const segments = new URL(request.url).pathname.split("/").filter(Boolean);
    const matches = compiled.flatMap((r) => {
      const params = match(r.parts, segments);
      return params ? [{ r, params }] : [];
    });
    if (matches.length === 0) return undefined;
    const found = matches.find((m) => m.r.method === request.method);
    try {
      if (!found) {
        const allow = [...new Set(matches.map((m) => m.r.method))].join(", ");
        return Response.json(
          {
            code: 405,
            error: "method_not_allowed",
            message: `${request.method} is not supported here; use ${allow}.`,
          },
          { status: 405, headers: { allow } },
        );
      }
      return await found.r.handle(request, found.params);
    } catch (error) {
      return errorResponse(error, onError);
    }
  };
}

function match(parts: string[], segments: string[]): RouteParams | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: RouteParams = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(s);
      } catch {
        return undefined;
      }
    } else if (p !== s) return undefined;
  }
  return params;
}

/** Snake-case name of an error class: InvalidDeviceConfigError → invalid_device_config. */
function errorName(error: DeviceServiceError): string {
  if (error instanceof FirmwareReleaseError) return error.reason;
  return error.name
    .replace(/Error$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

export function errorResponse(error: unknown, onError?: (error: unknown) => void): Response {
  if (error instanceof DeviceServiceError) {
    return Response.json(
      {
        code: error.status,
        error: errorName(error),
        message: error.shortMessage,
        ...(error.details !== undefined && { details: error.details }),
      },
      { status: error.status },
    );
  }
  // The API's errors (ApiError: a bad bearer token) and the command service's carry their own JSON.
  if (error instanceof Error && typeof (error as { status?: unknown }).status === "number") {
    const e = error as Error & { status: number; toJSON?: () => unknown; headers?: Record<string, string> };
    if (typeof e.toJSON === "function" && e.status >= 400 && e.status < 500) {
      return Response.json(e.toJSON(), { status: e.status, headers: e.headers ?? {} });
    }
  }
  onError?.(error);
  return Response.json(
    { code: 500, error: "internal_error", message: "The node failed to handle this request; it was logged." },
    { status: 500 },
  );
}

/** Reads a body of at most `limit` bytes (declared or streamed). */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  const tooLarge = (size: number) =>
    new DeviceServiceError(`The request body of ${size} bytes exceeds the ${limit}-byte limit.`);
  if (declared > limit) throw tooLarge(declared);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(size);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export async function readJson(request: Request, limit = 4 * 1024 * 1024): Promise<unknown> {
  const bytes = await readBytes(request, limit);
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new DeviceServiceError("The request body is not valid JSON.");
  }
}

/** Checks `Authorization: Bearer <operator token>` in constant time. */
export function requireOperator(request: Request, operatorToken: string | undefined): void {
  if (!operatorToken) {
    throw new DeviceServiceForbiddenError(
      "Managing device configuration over HTTP is not enabled on this node.",
      {
        details: "Start the node with an operator token for the device services.",
      },
    );
  }
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "");
  const expected = Buffer.from(operatorToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DeviceServiceForbiddenError("This needs the node operator's bearer token.");
  }
}

/** The base URL devices reach the node at: configured, else the request's own origin. */
export function baseUrlOf(request: Request, publicUrl: string | undefined): string {
  return publicUrl ?? new URL(request.url).origin;
}
