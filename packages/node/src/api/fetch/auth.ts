import { timingSafeEqual } from "node:crypto";
import { createGraphQLError } from "graphql-yoga";

/**
 * Who is asking the Fetch API: the vehicle the caller's token is for and the privileges it
 * carries (DIMO privilege ids). The auth issue plugs vehicle JWTs in through `Authorize`.
 */
export interface FetchPrincipal {
  vehicleTokenId: bigint;
  privileges: readonly number[];
}

/** Reads the caller from the request; throws fetchUnauthorizedError(…) when there is no valid token. */
export type Authorize = (request: Request) => FetchPrincipal | Promise<FetchPrincipal>;

/**
 * An Authorize function throws this for a missing or invalid token: HTTP 401 with a GraphQL error
 * body. (Created through graphql-yoga so that yoga recognises it whichever copy of `graphql`
 * the caller loaded.)
 */
export function fetchUnauthorizedError(message: string): Error {
  return createGraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * FOR TESTS AND LOCAL DEVELOPMENT ONLY: one static bearer token standing for one vehicle and a
 * set of privileges. Never the default: the node enables it only when configured explicitly.
 */
export function staticTestTokenAuthorizer(p: {
  token: string;
  vehicleTokenId: bigint;
  privileges: readonly number[];
}): Authorize {
  if (p.token.length < 16) throw new RangeError("the static test token must have at least 16 characters");
  const expected = Buffer.from(p.token);
  return (request) => {
    const given = Buffer.from(bearerToken(request) ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw fetchUnauthorizedError("unauthorized: missing or invalid bearer token");
    }
    return { vehicleTokenId: p.vehicleTokenId, privileges: p.privileges };
  };
}
