import { errorResponse, forbidden } from "./errors.ts";

export interface CorsOptions {
  /**
   * Origins whose pages may call the API from a browser (`https://console.example`, exact
   * match), or `"*"` for any page. Default `"*"`: see `withCors`.
   */
  allowedOrigins?: "*" | readonly string[];
  /** How long a browser may cache a preflight answer, seconds; default 600. */
  maxAgeSeconds?: number;
}

const METHODS = "GET, POST, PUT, DELETE, OPTIONS";
const REQUEST_HEADERS = "authorization, content-type, x-estimate-cost, x-request-id, idempotency-key";
const EXPOSED_HEADERS = "x-credits-charged, x-estimate-cost, retry-after, x-request-id";

/**
 * Answers browser preflights and marks responses readable cross-origin (a wrapper of the API's
 * fetch handler; the origins are checked when the layer is made).
 *
 * Why `*` is the safe default here: every endpoint authenticates with a bearer token the caller
 * sends explicitly (`Authorization`), never with cookies or other ambient credentials, and the
 * node never answers `Access-Control-Allow-Credentials`. A page on another origin can therefore
 * do exactly what a script with the same token could do with curl, and nothing with a visitor's
 * session (there is none to ride on): CORS adds no reach, it only lets browser apps (the console,
 * an app's own front end) call the node at all. An operator who wants fewer origins lists them;
 * a page from any other origin then gets a 403 to its preflight and no CORS headers.
 */
export function corsLayer(options: CorsOptions = {}) {
  const allowed = options.allowedOrigins ?? "*";
  for (const origin of allowed === "*" ? [] : allowed) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new TypeError(
        `CORS origin ${JSON.stringify(origin)} must be a scheme and host (and port), like https://console.example.com`,
      );
    }
  }
  const maxAge = String(options.maxAgeSeconds ?? 600);
  // Which value goes in Access-Control-Allow-Origin for this request's Origin, if any.
  const allowOrigin = (origin: string | null): string | undefined => {
    if (origin === null) return undefined;
    if (allowed === "*") return "*";
    return allowed.includes(origin) ? origin : undefined;
  };
  return (handler: (request: Request, context?: unknown) => Promise<Response>) =>
    async (request: Request, context?: unknown): Promise<Response> => {
      const origin = request.headers.get("origin");
      const allow = allowOrigin(origin);
      if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
        if (!allow) {
          return errorResponse(
            forbidden("origin_not_allowed", `This node does not serve pages from ${origin ?? "no origin"}.`),
          );
        }
        return new Response(null, {
          status: 204,
          headers: {
            "access-control-allow-origin": allow,
            "access-control-allow-methods": METHODS,
            "access-control-allow-headers": REQUEST_HEADERS,
            "access-control-max-age": maxAge,
            ...(allow === "*" ? {} : { vary: "Origin" }),
          },
        });
      }
      const response = await handler(request, context);
      if (!allow) return response;
      const headers = new Headers(response.headers);
      headers.set("access-control-allow-origin", allow);
      headers.set("access-control-expose-headers", EXPOSED_HEADERS);
      if (allow !== "*") headers.append("vary", "Origin");
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    };
}
