import { type Coordinates, findSignal, SIGNALS } from "@dimo-open/signals";
import {
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { cellToLatLng, latLngToCell } from "h3-js";
import type { VehicleGrant } from "../../auth/tokens.ts";
import { selectedFields } from "../graphql/selection.ts";
import { parseInterval, parseTime } from "./interval.ts";
import { canRead, requirePrivilege, requireSignal } from "./privileges.ts";
import type { AggregationRequest, LatestValue, SignalStore } from "./store.ts";

export interface TelemetryContext {
  grant: VehicleGrant;
  subject: string;
  store: SignalStore;
  /** Signal names the query reads (for the owner's access log). */
  touched: Set<string>;
}

export const APPROXIMATE = "currentLocationApproximateCoordinates";
const EXACT = "currentLocationCoordinates";
/** H3 resolution of the approximate location (cells of ~36 km²), as DIMO. */
export const APPROXIMATE_RESOLUTION = 6;
export const MAX_BUCKETS = 10_000;
export const MAX_EVENTS = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

/** The centre of the H3 resolution-6 cell holding the true position: what approximate location reveals. */
export function approximate(c: Coordinates): Coordinates {
  const [latitude, longitude] = cellToLatLng(latLngToCell(c.latitude, c.longitude, APPROXIMATE_RESOLUTION));
  return { latitude, longitude, hdop: 0 };
}

function checkVehicle(ctx: TelemetryContext, tokenId: unknown) {
  if (BigInt(tokenId as number) !== ctx.grant.tokenId) {
    throw new GraphQLError(
      `unauthorized: the token is for vehicle ${ctx.grant.tokenId}, not ${tokenId}; exchange a token for vehicle ${tokenId}.`,
      { extensions: { code: "UNAUTHORIZED" } },
    );
  }
}

function fieldsOf(info: GraphQLResolveInfo, type: GraphQLObjectType) {
  return info.fieldNodes.flatMap((node) =>
    selectedFields(node.selectionSet, type, info.fragments, info.variableValues),
  );
}

function withHdop(c: Coordinates | null | undefined): Coordinates | null {
  if (!c || c.latitude === null || c.latitude === undefined) return null;
  return { latitude: c.latitude, longitude: c.longitude, hdop: c.hdop ?? 0 };
}

/** Wires resolvers into the schema built from TELEMETRY_SDL. */
export function attachTelemetryResolvers(schema: GraphQLSchema): void {
  const query = schema.getQueryType()!;
  const aggregations = schema.getType("SignalAggregations") as GraphQLObjectType;
  const collection = schema.getType("SignalCollection") as GraphQLObjectType;
  const q = query.getFields();

  q.signals!.resolve = (async (_root, args, ctx: TelemetryContext, info) => {
    checkVehicle(ctx, args.tokenId);
    const fromMs = parseTime("from", args.from);
    const toMs = parseTime("to", args.to);
    const intervalMs = parseInterval(String(args.interval));
    if (toMs <= fromMs)
      throw new GraphQLError("`to` must be after `from`.", { extensions: { code: "BAD_REQUEST" } });
    if ((toMs - fromMs) / intervalMs > MAX_BUCKETS) {
      throw new GraphQLError(
        `The range holds more than ${MAX_BUCKETS} buckets; widen the interval or narrow the range.`,
        {
          extensions: { code: "BAD_REQUEST" },
        },
      );
    }
    const requests: AggregationRequest[] = [];
    const approximateKeys = new Set<string>();
    for (const f of fieldsOf(info, aggregations)) {
      const signal = findSignal(f.name);
      if (!signal || !canRead(f.name, ctx.grant.privileges)) continue; // the field's resolver reports it
      ctx.touched.add(f.name);
      const agg = f.args.agg as never;
      if (f.name === APPROXIMATE) {
        if (f.args.filter) {
          throw new GraphQLError(
            `${APPROXIMATE} takes no location filter: it would reveal the exact position.`,
            {
              extensions: { code: "BAD_REQUEST" },
            },
          );
        }
        requests.push({ key: f.key, signal: EXACT, type: "location", agg });
        approximateKeys.add(f.key);
      } else {
        requests.push({
          key: f.key,
          signal: f.name,
          type: signal.dataType,
          agg,
          filter: f.args.filter as never,
        });
      }
    }
    const buckets = await ctx.store.aggregate({
      vehicleId: ctx.grant.tokenId,
      subject: ctx.subject,
      fromMs,
      toMs,
      intervalMs,
      source: (args.filter as { source?: string } | undefined)?.source,
      fields: requests,
    });
    const locations = requests.filter((r) => r.type === "location");
    for (const b of buckets) {
      for (const r of locations) {
        const c = withHdop(b.values[r.key] as Coordinates | null);
        b.values[r.key] = c && r.signal === EXACT && approximateKeys.has(r.key) ? approximate(c) : c;
      }
    }
    return buckets.map((b) => ({ timestamp: iso(b.start), values: b.values }));
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;

  for (const s of SIGNALS) {
    // Values arrive final from the \`signals\` resolver (one per requested, permitted field, null
    // when the bucket has none); a missing key means the field was refused.
    aggregations.getFields()[s.name]!.resolve = (
      bucket: { values: Record<string, unknown> },
      _args,
      ctx: TelemetryContext,
      info,
    ) => {
      const value = bucket.values[info.path.key as string];
      if (value !== undefined) return value;
      requireSignal(s.name, ctx.grant.privileges);
      return null;
    };
    collection.getFields()[s.name]!.resolve = (
      latest: { values: Map<string, LatestValue> },
      _args,
      ctx: TelemetryContext,
    ) => {
      requireSignal(s.name, ctx.grant.privileges);
      const found = latest.values.get(s.name === APPROXIMATE ? EXACT : s.name);
      if (!found) return null;
      let value = found.value;
      if (s.dataType === "location") {
        const c = withHdop(value as Coordinates);
        if (!c) return null;
        value = s.name === APPROXIMATE ? approximate(c) : c;
      }
      return { timestamp: iso(found.timestamp), value };
    };
  }

  q.signalsLatest!.resolve = (async (_root, args, ctx: TelemetryContext, info) => {
    checkVehicle(ctx, args.tokenId);
    const names = new Set<string>();
    let lastSeen = false;
    for (const f of fieldsOf(info, collection)) {
      if (f.name === "lastSeen") lastSeen = true;
      if (f.name === "lastSeen" || !findSignal(f.name) || !canRead(f.name, ctx.grant.privileges)) continue;
      ctx.touched.add(f.name);
      names.add(f.name === APPROXIMATE ? EXACT : f.name);
    }
    const latest = await ctx.store.latest({
      subject: ctx.subject,
      names: [...names],
      source: (args.filter as { source?: string } | undefined)?.source,
      lastSeen,
    });
    return { lastSeen: latest.lastSeen === undefined ? null : iso(latest.lastSeen), values: latest.values };
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;

  /** Names the holder may read: a signal it cannot read is not even listed. */
  const readable = (names: string[], ctx: TelemetryContext) => {
    const out = names.filter((n) => findSignal(n) && canRead(n, ctx.grant.privileges));
    if (names.includes(EXACT) && canRead(APPROXIMATE, ctx.grant.privileges)) out.push(APPROXIMATE);
    return [...new Set(out)].sort();
  };

  q.availableSignals!.resolve = (async (_root, args, ctx: TelemetryContext) => {
    checkVehicle(ctx, args.tokenId);
    const rows = await ctx.store.summary(
      ctx.subject,
      (args.filter as { source?: string } | undefined)?.source,
    );
    return readable(
      rows.map((r) => r.name),
      ctx,
    );
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;

  q.dataSummary!.resolve = (async (_root, args, ctx: TelemetryContext) => {
    checkVehicle(ctx, args.tokenId);
    const rows = await ctx.store.summary(
      ctx.subject,
      (args.filter as { source?: string } | undefined)?.source,
    );
    const names = new Set(
      readable(
        rows.map((r) => r.name),
        ctx,
      ),
    );
    const shown = rows.filter((r) => names.has(r.name));
    return {
      numberOfSignals: shown.reduce((n, r) => n + r.count, 0),
      availableSignals: [...names],
      firstSeen: shown.length ? iso(Math.min(...shown.map((r) => r.first))) : null,
      lastSeen: shown.length ? iso(Math.max(...shown.map((r) => r.last))) : null,
      signalDataSummary: shown.map((r) => ({
        name: r.name,
        numberOfSignals: r.count,
        firstSeen: iso(r.first),
        lastSeen: iso(r.last),
      })),
    };
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;

  q.events!.resolve = (async (_root, args, ctx: TelemetryContext) => {
    checkVehicle(ctx, args.tokenId);
    requirePrivilege(1, ctx.grant.privileges);
    ctx.touched.add("events");
    const filter = (args.filter ?? {}) as { name?: never; source?: never };
    const events = await ctx.store.events({
      subject: ctx.subject,
      fromMs: parseTime("from", args.from),
      toMs: parseTime("to", args.to),
      name: filter.name,
      source: filter.source,
      limit: MAX_EVENTS,
    });
    return events.map((e) => ({ ...e, timestamp: iso(e.timestamp) }));
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;

  q.vinVCLatest!.resolve = (async (_root, args, ctx: TelemetryContext) => {
    checkVehicle(ctx, args.tokenId);
    requirePrivilege(5, ctx.grant.privileges);
    ctx.touched.add("vinVCLatest");
    const vin = await ctx.store.latestVin(ctx.subject);
    if (!vin) return null;
    return {
      ...vin,
      recordedAt: iso(vin.recordedAt),
      vehicleTokenId: Number(ctx.grant.tokenId),
      vehicleDID: ctx.subject,
    };
  }) as GraphQLFieldResolver<unknown, TelemetryContext>;
}
