// The Fetch API (DIMO's raw-event GraphQL) over the node's raw archive.
export { createFetchApi, FETCH_SCHEMA, type FetchApiOptions } from "./api.ts";
export {
  type Authorize,
  bearerToken,
  type FetchPrincipal,
  fetchUnauthorizedError,
  staticTestTokenAuthorizer,
} from "./auth.ts";
