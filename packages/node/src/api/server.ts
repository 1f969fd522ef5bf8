import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServerAdapter } from "@whatwg-node/server";
import type { IdentityIndex } from "../identity/index.ts";
import { createTelemetrySchema } from "../telemetry/schema.ts";
import { WebhookEngine, type WebhookEngineOptions } from "../webhooks/engine.ts";
import { WebhookStore } from "../webhooks/store.ts";
import { type CorsOptions, corsLayer } from "./cors.ts";
import { ApiError } from "./errors.ts";
import type { ServerContext } from "./http.ts";
import { createIdentityHandler } from "./identity/handler.ts";
import { Router } from "./router.ts";
import { accessLogRoute } from "./routes/accessLog.ts";
import { authRoutes } from "./routes/auth.ts";
import { creditRoutes } from "./routes/credits.ts";
import { exchangeRoute } from "./routes/exchange.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { type ApiCoreOptions, type ApiServices, openApiServices } from "./services.ts";
import { SerialConnection } from "./sql.ts";
import { createTelemetryHandler, type TelemetryApi, type TelemetryApiOptions } from "./telemetry/handler.ts";

/** A WHATWG fetch-style handler, as the lead composes them (ingest, fetch API, …). */
export type FetchHandler = (request: Request, context?: ServerContext) => Promise<Response>;

export interface ApiServerOptions extends ApiCoreOptions {
  /** Other fetch handlers mounted under a path prefix (e.g. `{"/fetch": fetchApi}`), tried before a 404. */
  mounts?: Record<string, FetchHandler>;
  telemetry?: TelemetryApiOptions;
  /** Browser access (preflights, Access-Control-* headers); default: any origin, never credentials. */
  cors?: CorsOptions;
  /**
   * A node:http server to serve on, possibly already listening (the node binds its port before
   * it builds the API, so that with port 0 the tokens' issuer names the port it got); its
   * `request` listeners are replaced by the API's.
   */
  server?: Server;
  /** The chain index identity GraphQL answers from; `/identity/query` is not served without it. */
  identity?: IdentityIndex;
  webhooks?: {
    /** Allow http and private/loopback targets (development, tests); default false. */
    allowPrivateTargets?: boolean;
    /** Start polling for triggers and sweeping grants; default true. */
    start?: boolean;
    engine?: Partial<
      Omit<WebhookEngineOptions, "store" | "sql" | "chain" | "chainId" | "ledger" | "accessLog" | "metrics">
    >;
  };
}

export interface ApiServer {
  /** Every route as one fetch handler. */
  handler: FetchHandler;
  services: ApiServices;
  webhooks: WebhookEngine;
  telemetry: TelemetryApi;
  /** The node:http server (listening once `listen` resolves, or when one was passed in). */
  server: Server;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** Builds every app-facing route as a single fetch handler (no HTTP server). */
export async function createApiHandler(options: ApiServerOptions): Promise<{
  handler: FetchHandler;
  services: ApiServices;
  webhooks: WebhookEngine;
  telemetry: TelemetryApi;
}> {
  const cors = corsLayer(options.cors); // checks the origins before anything opens
  const services = await openApiServices(options);
  // The telemetry tables may not exist yet on a fresh node (ingest creates them too).
  await createTelemetrySchema(await options.database.connect());
  const webhookStore = await WebhookStore.open(services.sql);
  const webhookEngine = new WebhookEngine({
    source: services.issuer,
    logError: services.logError,
    ...options.webhooks?.engine,
    store: webhookStore,
    sql: await SerialConnection.open(options.database),
    chain: options.chain,
    chainId: options.chainId,
    ledger: services.ledger,
    accessLog: services.accessLog,
    metrics: services.metrics,
  });
  const hooks = webhookRoutes(services, webhookStore, {
    ...(options.identity ? { identity: options.identity } : {}),
    allowPrivateTargets: options.webhooks?.allowPrivateTargets ?? false,
  });
  const router = new Router(services.metrics, services.logError);
  const auth = authRoutes(services);
  const credits = creditRoutes(services);
  const telemetry = await createTelemetryHandler(services, options.telemetry);
  const identity = options.identity ? createIdentityHandler(services, options.identity) : undefined;
  router
    .on("GET", "/health", async () => Response.json({ status: "ok" }))
    .on("GET", "/metrics", () => services.metrics.response())
    .on("GET", "/keys", auth.keys)
    .on("GET", "/v1/node", async () =>
      Response.json({
        chainId: options.chainId,
        vehicleContract: options.chain.addresses.vehicleId,
        addresses: options.chain.addresses,
        issuer: services.issuer,
        jwks: "/keys",
      }),
    )
    .on("GET", "/.well-known/jwks.json", auth.keys)
    .on("POST", "/auth/web3/generate_challenge", (r, _p, c) => auth.generateChallenge(r, c))
    .on("POST", "/auth/web3/submit_challenge", (r, _p, c) => auth.submitChallenge(r, c))
    .on("POST", "/v1/tokens/exchange", (r, _p, c) => exchangeRoute(services)(r, c))
    .on("GET", "/v1/credits/prices", credits.prices)
    .on("GET", "/v1/credits/balance", credits.balance)
    .on("GET", "/v1/credits/usage", credits.usage)
    .on("POST", "/v1/credits/topup", credits.topUp)
    .on(["GET", "POST"], "/identity/query", async (r, _p, c) => {
      if (!identity) throw new ApiError(503, "identity_unavailable", "This node serves no identity index.");
      return identity(r, c);
    })
    .on(["GET", "POST"], "/telemetry/query", (r, _p, c) => telemetry.handle(r, c))
    .on("GET", "/v1/webhooks", hooks.list)
    .on("POST", "/v1/webhooks", hooks.create)
    .on("GET", "/v1/webhooks/signals", hooks.signalNames)
    .on("GET", "/v1/webhooks/vehicles/:tokenDID", hooks.forVehicle)
    .on("GET", "/v1/webhooks/:webhookId", hooks.subscribed)
    .on("PUT", "/v1/webhooks/:webhookId", hooks.update)
    .on("DELETE", "/v1/webhooks/:webhookId", hooks.remove)
    .on("POST", "/v1/webhooks/:webhookId/subscribe/all", hooks.subscribeAll)
    .on("POST", "/v1/webhooks/:webhookId/subscribe/:tokenDID", hooks.subscribe)
    .on("DELETE", "/v1/webhooks/:webhookId/unsubscribe/all", hooks.unsubscribeAll)
    .on("DELETE", "/v1/webhooks/:webhookId/unsubscribe/:tokenDID", hooks.unsubscribe)
    .on("GET", "/v1/vehicles/:tokenId/access-log", (r, p) =>
      accessLogRoute(services)(r, p as { tokenId: string }),
    );
  const mounts = Object.entries(options.mounts ?? {}).sort((a, b) => b[0].length - a[0].length);
  const routed: FetchHandler = async (request, context) => {
    if (mounts.length > 0) {
      const path = new URL(request.url).pathname;
      const mount = mounts.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
      if (mount) return mount[1](request, context);
    }
    return router.handle(request, context);
  };
  const handler: FetchHandler = cors((request, context) =>
    routed(request, context as ServerContext | undefined),
  );
  if (options.webhooks?.start ?? true) webhookEngine.start();
  return { handler, services, webhooks: webhookEngine, telemetry };
}

/**
 * All app-facing routes on one node:http server: sign-in, JWKS, token exchange, identity and
 * telemetry GraphQL, webhooks, credits, the owners' access log, `/health` and `/metrics`.
 */
export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { handler, services, webhooks, telemetry } = await createApiHandler(options);
  const adapter = createServerAdapter<ServerContext>((request, context) => handler(request, context));
  const server = options.server ?? createServer();
  server.removeAllListeners("request");
  server.on("request", adapter);
  return {
    handler,
    services,
    webhooks,
    telemetry,
    server,
    listen(port = 0, host = "127.0.0.1") {
      if (server.listening) return Promise.resolve(boundUrl(server));
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve(boundUrl(server)));
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
      await webhooks.stop();
      await telemetry.close();
      await services.close();
    },
  };
}

/** The URL and port a listening server is bound to. */
export function boundUrl(server: Server): { url: string; port: number } {
  const { address, port } = server.address() as AddressInfo;
  return { url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`, port };
}
