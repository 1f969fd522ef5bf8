export { ApiError, errorResponse } from "./errors.ts";
export type { RateLimit } from "./rateLimit.ts";
export {
  type ApiServer,
  type ApiServerOptions,
  createApiHandler,
  createApiServer,
  type FetchHandler,
} from "./server.ts";
export type { ApiCoreOptions, ApiServices } from "./services.ts";
