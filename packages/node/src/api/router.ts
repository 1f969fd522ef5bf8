import { ApiError, errorResponse } from "./errors.ts";
import type { ServerContext } from "./http.ts";
import type { ApiMetrics } from "./metrics.ts";

export type RouteHandler = (
  request: Request,
  params: Record<string, string>,
  context?: ServerContext,
) => Promise<Response>;

interface Route {
  method: string;
  pattern: string;
  parts: string[];
  handler: RouteHandler;
}

/**
 * A small path router: `/v1/webhooks/:id` style patterns, a JSON 404/405 for everything else,
 * every thrown ApiError as JSON, and a metric per route (by pattern, never by raw path).
 */
export class Router {
  private readonly routes: Route[] = [];

  constructor(
    private readonly metrics: ApiMetrics,
    private readonly logError: (error: unknown, context: Record<string, unknown>) => void,
  ) {}

  on(method: string | string[], pattern: string, handler: RouteHandler): this {
    for (const m of Array.isArray(method) ? method : [method]) {
      this.routes.push({ method: m, pattern, parts: pattern.split("/").filter(Boolean), handler });
    }
    return this;
  }

  handle = async (request: Request, context?: ServerContext): Promise<Response> => {
    const started = performance.now();
    const path = new URL(request.url).pathname;
    const segments = path.split("/").filter(Boolean);
    let pattern = "unmatched";
    let response: Response;
    try {
      const matches = this.routes
        .map((r) => ({ r, params: match(r.parts, segments) }))
        .filter((m) => m.params !== undefined);
      const found = matches.find((m) => m.r.method === request.method);
      if (found) {
        pattern = found.r.pattern;
        response = await found.r.handler(request, found.params!, context);
      } else if (matches.length > 0) {
        pattern = matches[0]!.r.pattern;
        const allowed = [...new Set(matches.map((m) => m.r.method))].join(", ");
        throw new ApiError(
          405,
          "method_not_allowed",
          `${request.method} ${path} is not supported; use ${allowed}.`,
          {},
          { allow: allowed },
        );
      } else {
        throw new ApiError(404, "not_found", `No route ${request.method} ${path}.`);
      }
    } catch (error) {
      response = errorResponse(error, (e) => this.logError(e, { route: pattern, method: request.method }));
    }
    this.metrics.requests.inc({ route: pattern, status: String(response.status) });
    this.metrics.duration.observe({ route: pattern }, (performance.now() - started) / 1000);
    return response;
  };
}

function match(parts: string[], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
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
