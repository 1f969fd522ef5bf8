/** The app-facing HTTP APIs: sign-in, exchange, identity and telemetry GraphQL, webhooks, credits, access log. */
export * from "../access-log/index.ts";
export * from "../auth/index.ts";
export * from "../billing/index.ts";
export * from "../webhooks/index.ts";
export type { CorsOptions } from "./cors.ts";
export { ApiError, errorResponse } from "./errors.ts";
export { bearerToken, clientIp, type ServerContext } from "./http.ts";
export { identitySchema } from "./identity/handler.ts";
export { IDENTITY_SDL } from "./identity/schema.ts";
export type { RateLimit } from "./rateLimit.ts";
export {
  type ApiServer,
  type ApiServerOptions,
  createApiHandler,
  createApiServer,
  type FetchHandler,
} from "./server.ts";
export type { ApiCoreOptions, ApiServices } from "./services.ts";
export { type TelemetryApi, type TelemetryApiOptions, telemetrySchema } from "./telemetry/handler.ts";
export { SignalRollups } from "./telemetry/rollups.ts";
export { TELEMETRY_SDL } from "./telemetry/schema.ts";
