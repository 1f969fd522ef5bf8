import { erc721Did } from "@dimo-open/protocol";
import { buildSchema, type ExecutionResult, GraphQLError, type GraphQLFormattedError } from "graphql";
import { verifyVehicleToken } from "../../auth/tokens.ts";
import { queryPrice } from "../../billing/prices.ts";
import { ApiError } from "../errors.ts";
import {
  DocumentCache,
  type GraphQLBody,
  graphQLResponse,
  readGraphQLRequest,
  run,
} from "../graphql/http.ts";
import { bearerToken, clientIp, type ServerContext } from "../http.ts";
import { requestIdOf } from "../requestId.ts";
import type { ApiServices } from "../services.ts";
import { SerialConnection } from "../sql.ts";
import { queryComplexity } from "./cost.ts";
import { attachTelemetryResolvers, type TelemetryContext } from "./resolvers.ts";
import { SignalRollups } from "./rollups.ts";
import { TELEMETRY_SDL } from "./schema.ts";
import { SignalStore } from "./store.ts";

export interface TelemetryApiOptions {
  /** Largest complexity a query may have (buckets × signals, …); default 50,000. */
  maxComplexity?: number;
  /** How often new rows are rolled into minute partials; default 1,000 ms; 0 turns rollups off. */
  rollupIntervalMs?: number;
}

export interface TelemetryApi {
  handle(request: Request, context?: ServerContext): Promise<Response>;
  /** Rolls every row appended so far into the minute partials (the loop does this on its own). */
  rollUp(p?: { compact?: boolean }): Promise<number>;
  close(): Promise<void>;
}

export function telemetrySchema() {
  const schema = buildSchema(TELEMETRY_SDL);
  attachTelemetryResolvers(schema);
  return schema;
}

/**
 * Telemetry GraphQL (DIMO's telemetry-api) behind a vehicle token: the token must be for the
 * queried vehicle; each field checks its privilege; the query's complexity is bounded, priced
 * and charged to the licence (402 when short) before it runs; every query lands in the owner's
 * access log. `X-Estimate-Cost: true` returns the cost without running or charging.
 */
export async function createTelemetryHandler(
  s: ApiServices,
  options: TelemetryApiOptions = {},
): Promise<TelemetryApi> {
  const schema = telemetrySchema();
  const documents = new DocumentCache(schema);
  const rollupEvery = options.rollupIntervalMs ?? 1000;
  // Rolling and reading use their own connections: a long roll never queues a query.
  const prefix = `did:erc721:${s.options.chainId}:${s.options.chain.addresses.vehicleId}:`;
  const roller =
    rollupEvery > 0
      ? await SignalRollups.open(await SerialConnection.open(s.options.database), prefix)
      : undefined;
  const reader = roller
    ? await SignalRollups.open(await SerialConnection.open(s.options.database), prefix)
    : undefined;
  let timer: NodeJS.Timeout | undefined;
  let rolling: Promise<number> = Promise.resolve(0);
  let closed = false;
  /** When a catch-up last finished (every row appended before it started is rolled). */
  let caughtUpAt = Number.NEGATIVE_INFINITY;
  const rollUp = (p: { compact?: boolean } = {}) => {
    rolling = rolling
      .catch(() => 0)
      .then(async () => {
        const n = (await roller?.catchUp(p)) ?? 0;
        caughtUpAt = performance.now();
        return n;
      });
    return rolling;
  };
  // Before a rollup-backed read: roll what arrived since the last roll, unless the loop caught up
  // less than one interval ago. Reads find the rows of that last moment among the unrolled rows
  // they scan anyway (recent timestamps); only a late row with an old timestamp shows from the
  // next roll on, as documented. Checking for new rows costs a catalogue query (~5 ms) per read.
  const store = new SignalStore(await SerialConnection.open(s.options.database), reader, () =>
    performance.now() - caughtUpAt < rollupEvery ? Promise.resolve(0) : rollUp({ compact: false }),
  );
  const loop = () => {
    timer = setTimeout(async () => {
      try {
        await rollUp();
      } catch (error) {
        s.logError(error, { component: "rollups" });
      }
      if (!closed) loop();
    }, rollupEvery);
  };
  if (roller) loop();
  const maxComplexity = options.maxComplexity ?? 50_000;
  const trustProxy = s.options.rateLimits?.trustProxy ?? false;

  const handle = async (request: Request, context?: ServerContext): Promise<Response> => {
    s.ipLimiter.take(clientIp(request, context, trustProxy));
    const grant = await verifyVehicleToken(s.keys, s.issuer, bearerToken(request));
    s.licenseLimiter.take(grant.grantee);
    const requestId = requestIdOf(request);
    const gql = await readGraphQLRequest(request);
    const prepared = documents.prepare(gql.query);
    if ("errors" in prepared) return graphQLResponse({ errors: prepared.errors }, 400);
    let complexity: number;
    try {
      complexity = queryComplexity(schema, prepared.document, gql.operationName, gql.variables);
    } catch (error) {
      return graphQLResponse({ errors: [asError(error)] }, 400);
    }
    const credits = queryPrice(complexity);
    const cost = { complexity, maxComplexity, credits };
    if (request.headers.get("x-estimate-cost") === "true") {
      return graphQLResponse({ extensions: { cost } }, 200, { "x-estimate-cost": String(complexity) });
    }
    if (complexity > maxComplexity) {
      return graphQLResponse(
        {
          errors: [
            {
              message: `operation has complexity ${complexity}, which exceeds the limit of ${maxComplexity}; narrow the range, widen the interval or select fewer signals`,
              extensions: { code: "COMPLEXITY_LIMIT_EXCEEDED", ...cost },
            },
          ],
        },
        400,
      );
    }
    const entry = {
      at: Date.now(),
      vehicleId: grant.tokenId,
      grantee: grant.grantee,
      licenseId: grant.licenseId,
      operation: "telemetry_query" as const,
      requestId,
    };
    // An owner reading their own vehicle pays nothing; apps pay by the price list.
    const charged = grant.owner ? 0 : credits;
    try {
      if (charged > 0)
        await s.ledger.charge({
          requestId,
          licenseId: grant.licenseId,
          vehicleId: grant.tokenId,
          operation: "telemetry_query",
          credits,
        });
    } catch (error) {
      s.accessLog.record({
        ...entry,
        fields: [],
        outcome: error instanceof ApiError ? error.error : "error",
      });
      throw error;
    }
    if (charged > 0) s.metrics.credits.inc({ operation: "telemetry_query" }, charged);
    const ctx: TelemetryContext = {
      grant,
      subject: erc721Did(s.options.chainId, grant.vehicleContract, grant.tokenId),
      store,
      touched: new Set(),
    };
    const result = await run(schema, prepared.document, gql, ctx);
    s.accessLog.record({
      ...entry,
      fields: [...ctx.touched].sort(),
      outcome: result.errors?.length ? "partial" : "ok",
    });
    for (const e of result.errors ?? []) if (isInternal(e)) s.logError(e.originalError, { requestId });
    return graphQLResponse(compactErrors(result), 200, { "x-credits-charged": String(charged) });
  };
  return {
    handle,
    rollUp,
    async close() {
      closed = true;
      clearTimeout(timer);
      await rolling.catch(() => undefined);
    },
  };
}

/**
 * One refusal per field rather than one per bucket: errors that differ only in the list index of
 * their path are reported once (the first path kept). Unexpected errors lose their internals.
 */
function compactErrors(result: ExecutionResult): GraphQLBody {
  if (!result.errors) return result;
  const seen = new Set<string>();
  const errors: GraphQLFormattedError[] = [];
  for (const e of result.errors) {
    const key = `${e.message}|${(e.path ?? []).filter((p) => typeof p === "string").join(".")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(
      isInternal(e) ? { ...e.toJSON(), message: "internal error while resolving this field" } : e.toJSON(),
    );
  }
  return { ...result, errors };
}

function asError(error: unknown): GraphQLFormattedError {
  const e = error as GraphQLError;
  return { message: e.message, extensions: { code: "BAD_REQUEST" } };
}

/** A resolver failure that is not one of our GraphQL errors: its message may carry internals. */
function isInternal(e: GraphQLError): boolean {
  return e.originalError !== undefined && !(e.originalError instanceof GraphQLError);
}
