/**
 * The Fetch API: DIMO's raw-event GraphQL (latestIndex, indexes, latestCloudEvent, cloudEvents,
 * availableCloudEventTypes) over the node's raw archive, at `/query` as DIMO serves it.
 * A caller reads only the vehicle its token is for, and only with GetRawData (7) or both
 * GetNonLocationHistory (1) and GetLocationHistory (4): raw events hold locations.
 */
import { parseDid } from "@dimo-open/protocol";
import { createGraphQLError, createSchema, createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Address } from "viem";
import {
  type ArchivedEvent,
  type CloudEventFilter,
  MAX_ARCHIVE_LIMIT,
  type RawArchive,
} from "../../telemetry/archive.ts";
import type { Authorize, FetchPrincipal } from "./auth.ts";

export const FETCH_SCHEMA = /* GraphQL */ `
  "A point in time, encoded per RFC 3339."
  scalar Time
  "Arbitrary JSON value, serialised as JSON (not an escaped string)."
  scalar JSON

  type CloudEvent {
    header: CloudEventHeader!
    data: JSON
    dataBase64: String
    dataUrl: String
  }

  type CloudEventHeader {
    specversion: String!
    type: String!
    source: String!
    subject: String!
    id: String!
    time: Time!
    datacontenttype: String
    dataschema: String
    dataversion: String
    producer: String!
    signature: String
    tags: [String!]!
  }

  type CloudEventIndex {
    header: CloudEventHeader!
    indexKey: String!
  }

  type CloudEventTypeSummary {
    type: String!
    count: Int!
    firstSeen: Time!
    lastSeen: Time!
  }

  input CloudEventFilter {
    id: String
    type: String
    dataversion: String
    source: String
    producer: String
    before: Time
    after: Time
  }

  type Query {
    latestIndex(did: String!, filter: CloudEventFilter): CloudEventIndex!
    indexes(did: String!, limit: Int = 10, filter: CloudEventFilter): [CloudEventIndex!]!
    latestCloudEvent(did: String!, filter: CloudEventFilter): CloudEvent!
    cloudEvents(did: String!, limit: Int = 10, filter: CloudEventFilter): [CloudEvent!]!
    availableCloudEventTypes(did: String!, filter: CloudEventFilter): [CloudEventTypeSummary!]!
  }
`;

export interface FetchApiOptions {
  archive: RawArchive;
  /** Reads the caller from the request (vehicle token). No default: the node must choose one. */
  authorize: Authorize;
  chainId: number;
  vehiclesContract: Address;
  graphqlEndpoint?: string;
}

type Context = {
  principal: FetchPrincipal;
};

const RAW_DATA = 7;
const NON_LOCATION_HISTORY = 1;
const LOCATION_HISTORY = 4;

function parseTime(value: unknown): Date {
  const date = typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw createGraphQLError(`Time must be an RFC 3339 string, got ${JSON.stringify(value)}`);
  return date;
}

// Scalars as graphql-tools resolver objects (no GraphQLScalarType: see auth.ts on graphql copies).
const TimeScalar = {
  __serialize: (value: unknown) => (value instanceof Date ? value.toISOString() : String(value)),
  __parseValue: parseTime,
  __parseLiteral: (ast: { kind: string; value?: string }) =>
    parseTime(ast.kind === "StringValue" ? ast.value : undefined),
};

const JsonScalar = { __serialize: (value: unknown) => value };

function notFound(did: string): Error {
  return createGraphQLError(`No cloud event found for ${did} with this filter.`, {
    extensions: { code: "NOT_FOUND" },
  });
}

export function createFetchApi(
  options: FetchApiOptions,
): YogaServerInstance<Record<string, unknown>, Context> {
  const { archive } = options;

  /** The subject DID the caller may read, or an error saying why not. */
  function authorizeSubject(did: string, principal: FetchPrincipal): string {
    let parsed: ReturnType<typeof parseDid>;
    try {
      parsed = parseDid(did);
    } catch (error) {
      throw createGraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT" } });
    }
    const isVehicle =
      parsed.method === "erc721" &&
      parsed.chainId === options.chainId &&
      parsed.contract.toLowerCase() === options.vehiclesContract.toLowerCase();
    if (parsed.method !== "erc721" || !isVehicle || parsed.tokenId !== principal.vehicleTokenId) {
      throw createGraphQLError(`unauthorized: the token is not for ${did}`, {
        extensions: { code: "FORBIDDEN" },
      });
    }
    const held = new Set(principal.privileges);
    if (!held.has(RAW_DATA) && !(held.has(NON_LOCATION_HISTORY) && held.has(LOCATION_HISTORY))) {
      throw createGraphQLError(
        "unauthorized: missing required privilege(s) privilege:GetRawData (or both privilege:GetNonLocationHistory and privilege:GetLocationHistory)",
        { extensions: { code: "FORBIDDEN" } },
      );
    }
    // Stored subjects are canonical DIDs (checksummed contract).
    return `did:erc721:${parsed.chainId}:${parsed.contract}:${parsed.tokenId}`;
  }

  function filterOf(filter: Record<string, unknown> | null | undefined): CloudEventFilter {
    if (!filter) return {};
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    return {
      id: str(filter.id),
      type: str(filter.type),
      dataversion: str(filter.dataversion),
      source: str(filter.source),
      producer: str(filter.producer),
      before: filter.before instanceof Date ? filter.before.getTime() : null,
      after: filter.after instanceof Date ? filter.after.getTime() : null,
    };
  }

  function limitOf(limit: number | null | undefined): number {
    const n = limit ?? 10;
    if (!Number.isInteger(n) || n < 1 || n > MAX_ARCHIVE_LIMIT) {
      throw createGraphQLError(`limit must be from 1 to ${MAX_ARCHIVE_LIMIT}, got ${n}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return n;
  }

  const toIndex = (e: ArchivedEvent) => ({ header: e.header, indexKey: e.indexKey });
  const toCloudEvent = (e: ArchivedEvent) => ({
    header: e.header,
    data: JSON.parse(e.data),
    dataBase64: null,
    dataUrl: null,
  });

  type Args = { did: string; limit?: number | null; filter?: Record<string, unknown> | null };

  const schema = createSchema<Context & Record<string, unknown>>({
    typeDefs: FETCH_SCHEMA,
    resolvers: {
      Time: TimeScalar,
      JSON: JsonScalar,
      Query: {
        async latestIndex(_: unknown, args: Args, ctx: Context) {
          const subject = authorizeSubject(args.did, ctx.principal);
          const event = await archive.latest(subject, filterOf(args.filter));
          if (!event) throw notFound(args.did);
          return toIndex(event);
        },
        async indexes(_: unknown, args: Args, ctx: Context) {
          const subject = authorizeSubject(args.did, ctx.principal);
          return (await archive.list(subject, filterOf(args.filter), limitOf(args.limit))).map(toIndex);
        },
        async latestCloudEvent(_: unknown, args: Args, ctx: Context) {
          const subject = authorizeSubject(args.did, ctx.principal);
          const event = await archive.latest(subject, filterOf(args.filter));
          if (!event) throw notFound(args.did);
          return toCloudEvent(event);
        },
        async cloudEvents(_: unknown, args: Args, ctx: Context) {
          const subject = authorizeSubject(args.did, ctx.principal);
          return (await archive.list(subject, filterOf(args.filter), limitOf(args.limit))).map(toCloudEvent);
        },
        async availableCloudEventTypes(_: unknown, args: Args, ctx: Context) {
          const subject = authorizeSubject(args.did, ctx.principal);
          return archive.types(subject, filterOf(args.filter));
        },
      },
    },
  });

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: options.graphqlEndpoint ?? "/query",
    landingPage: false,
    graphiql: false,
    maskedErrors: true,
    context: async ({ request }) => ({ principal: await options.authorize(request) }),
  });
}
