import { buildSchema, GraphQLError } from "graphql";
import type { IdentityIndex } from "../../identity/index.ts";
import { DocumentCache, graphQLResponse, readGraphQLRequest, run } from "../graphql/http.ts";
import { clientIp, type ServerContext } from "../http.ts";
import type { ApiServices } from "../services.ts";
import { attachIdentityResolvers, type IdentityContext } from "./resolvers.ts";
import { IDENTITY_SDL } from "./schema.ts";

export function identitySchema() {
  const schema = buildSchema(IDENTITY_SDL);
  attachIdentityResolvers(schema);
  return schema;
}

/**
 * Identity GraphQL (DIMO's identity-api): public, free, rate limited per IP; answers from the
 * node's chain index. Queries with inlined literals (as the data-sdk sends) and with variables
 * both work; a missing entity is an error with `extensions.code: "NOT_FOUND"`.
 */
export function createIdentityHandler(s: ApiServices, index: IdentityIndex) {
  const schema = identitySchema();
  const documents = new DocumentCache(schema);
  const trustProxy = s.options.rateLimits?.trustProxy ?? false;
  const base: IdentityContext = { index, chainId: s.options.chainId, addresses: s.options.chain.addresses };
  return async (request: Request, context?: ServerContext): Promise<Response> => {
    s.ipLimiter.take(clientIp(request, context, trustProxy));
    const gql = await readGraphQLRequest(request);
    const prepared = documents.prepare(gql.query);
    if ("errors" in prepared) return graphQLResponse({ errors: prepared.errors }, 400);
    const result = await run(schema, prepared.document, gql, { ...base });
    const errors = result.errors?.map((e) => {
      const internal = e.originalError !== undefined && !(e.originalError instanceof GraphQLError);
      if (internal) s.logError(e.originalError, { route: "identity" });
      return internal ? { ...e.toJSON(), message: "internal error while resolving this field" } : e.toJSON();
    });
    return graphQLResponse(errors ? { ...result, errors } : result);
  };
}
