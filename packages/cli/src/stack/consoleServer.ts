/**
 * Serves the web console on the devnet: its built static files, `GET /config.json` (which
 * network it talks to), and the node's API and the chain's JSON-RPC under the same origin
 * (`/node/…`, `/rpc`), so the browser needs no CORS from either and the console works from any
 * host that can reach this one port.
 */
import { createReadStream, realpathSync, statSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";

/** What `GET /config.json` answers (the console's `parseConsoleConfig` reads it). */
export interface ConsoleConfigJson {
  chainId: number;
  rpcUrl: string;
  nodeUrl: string;
  addresses: Record<string, string>;
  hardware?: Record<string, string>;
  rewards?: Record<string, string>;
  payments?: Record<string, string>;
  demoMnemonic?: string;
  startBlock?: number;
}

export interface ConsoleServerOptions {
  /** The console's built files (index.html and assets/). */
  dir: string;
  host: string;
  port: number;
  config: ConsoleConfigJson;
  /** Proxied at `/node/…`. */
  nodeUrl: string;
  /** Proxied at `/rpc`. */
  rpcUrl: string;
}

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".webmanifest": "application/manifest+json",
};

/** Headers that describe one hop of a connection, not the message: never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
]);

function sendError(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(`${JSON.stringify({ code: status, error, message })}\n`);
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(answer.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on("error", (error) =>
    sendError(res, 502, "upstream_unavailable", `${target.origin} did not answer: ${error.message}`),
  );
  req.pipe(upstream);
}

/**
 * Resolves a URL path to a file inside `root`, or undefined: `..` segments, encoded separators,
 * NUL bytes and symbolic links leading out of the root are all refused.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.includes("\\")) return undefined;
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return undefined;
  const candidate = join(root, ...segments);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return undefined;
  }
  if (real !== root && !real.startsWith(root + sep)) return undefined;
  const stat = statSync(real);
  if (stat.isDirectory()) return resolveStaticPath(root, `${segments.join("/")}/index.html`);
  return stat.isFile() ? real : undefined;
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const root = realpathSync(o.dir);
  const config = `${JSON.stringify(o.config)}\n`;
  const nodeBase = new URL(o.nodeUrl);
  const rpc = new URL(o.rpcUrl);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const path = url.pathname;
    if (path === "/node" || path.startsWith("/node/")) {
      const target = new URL(path.slice("/node".length) || "/", nodeBase);
      target.search = url.search;
      forward(req, res, target);
      return;
    }
    if (path === "/rpc") {
      forward(req, res, rpc);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendError(
        res,
        405,
        "method_not_allowed",
        `${req.method} is not served here; the console is static files.`,
      );
      return;
    }
    if (path === "/config.json") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : config);
      return;
    }
    const file = resolveStaticPath(root, path);
    if (!file) {
      sendError(res, 404, "not_found", `No file ${JSON.stringify(path)} in the console.`);
      return;
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
    res.writeHead(200, {
      "content-type": type,
      "content-length": statSync(file).size,
      "x-content-type-options": "nosniff",
      // Vite fingerprints assets; index.html must be fetched fresh to find the new ones.
      "cache-control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else
      createReadStream(file)
        .on("error", () => res.destroy())
        .pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
