import { erc721Did, type ProtocolAddresses, permissionsToHex } from "@dimo-open/protocol";
import { GraphQLError, type GraphQLObjectType, type GraphQLSchema } from "graphql";
import { type Address, formatUnits, getAddress, isAddress } from "viem";
import {
  type AftermarketDevice,
  type Grant,
  type IdentityIndex,
  InvalidIdentityQueryError,
  type Manufacturer,
  type Page,
  type PageArgs,
  type RewardClaim,
  type Vehicle,
} from "../../identity/index.ts";

export interface IdentityContext {
  index: IdentityIndex;
  chainId: number;
  addresses: ProtocolAddresses;
}

const MAX_PAGE = 100;
const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
/** Chain deadlines are uint64 seconds; beyond what a Date holds they read as the far future. */
const isoSeconds = (s: bigint) =>
  new Date(Number(s > 8_640_000_000_000n ? 8_640_000_000_000n : s) * 1000).toISOString();

export function notFound(what: string): GraphQLError {
  return new GraphQLError(`${what} not found`, { extensions: { code: "NOT_FOUND" } });
}

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } });
}

/** DIMO's rule: exactly one of first/last, at most 100. */
function pageArgs(args: Record<string, unknown>): PageArgs {
  const { first, last, after, before } = args as {
    first?: number;
    last?: number;
    after?: string;
    before?: string;
  };
  if ((first == null) === (last == null)) throw badRequest("Pass exactly one of `first` and `last`.");
  const size = (first ?? last)!;
  if (size < 0 || size > MAX_PAGE)
    throw badRequest(`\`first\`/\`last\` must be between 0 and ${MAX_PAGE}; got ${size}.`);
  return {
    ...(first != null ? { first } : { last: last! }),
    ...(after != null ? { after } : {}),
    ...(before != null ? { before } : {}),
  };
}

function connection<T>(page: Page<T>) {
  return {
    totalCount: page.totalCount,
    nodes: page.nodes,
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    pageInfo: {
      startCursor: page.pageInfo.startCursor ?? null,
      endCursor: page.pageInfo.endCursor ?? null,
      hasNextPage: page.pageInfo.hasNextPage,
      hasPreviousPage: page.pageInfo.hasPreviousPage,
    },
  };
}

/** Relay pagination over a short in-memory list (a vehicle's grants), cursors naming the item. */
function pageOf<T>(items: T[], keyOf: (item: T) => string, args: PageArgs): Page<T> {
  const cursors = items.map((i) => Buffer.from(keyOf(i)).toString("base64url"));
  let start = 0;
  let end = items.length;
  if (args.after !== undefined) start = cursors.indexOf(args.after) + 1;
  if (args.before !== undefined) end = Math.max(0, cursors.indexOf(args.before));
  if (
    (args.after !== undefined && start === 0) ||
    (args.before !== undefined && end === 0 && !cursors.includes(args.before))
  ) {
    throw badRequest("Unknown cursor: use one from an earlier page.");
  }
  if (args.first !== undefined) end = Math.min(end, start + args.first);
  else if (args.last !== undefined) start = Math.max(start, end - args.last);
  return {
    nodes: items.slice(start, end),
    cursors: cursors.slice(start, end),
    totalCount: items.length,
    pageInfo: {
      startCursor: cursors[start],
      endCursor: cursors[end - 1],
      hasPreviousPage: start > 0,
      hasNextPage: end < items.length,
    },
  };
}

function addressArg(name: string, value: unknown): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw badRequest(`\`${name}\` ${JSON.stringify(value)} is not a 20-byte hex address.`);
  }
  return getAddress(value);
}

/** Exactly one key of a `by` input. */
function oneOf(by: Record<string, unknown>, what: string): [string, unknown] {
  const set = Object.entries(by).filter(([, v]) => v !== null && v !== undefined);
  if (set.length !== 1) throw badRequest(`Pass exactly one field of \`by\` to look up a ${what}.`);
  return set[0]!;
}

async function activeGrants(ctx: IdentityContext, tokenId: bigint): Promise<Grant[]> {
  return (await ctx.index.listGrants({ tokenId })).filter((g) => g.status === "active");
}

type R = Record<string, (parent: never, args: never, ctx: IdentityContext) => unknown>;

/** DIMO amounts (wei) as exact decimal DIMO. */
const tokens = (wei: bigint) => formatUnits(wei, 18);

/** Totals and a Relay-paged history over a list of claims (a user's or a vehicle's: short lists). */
function earnings(claims: RewardClaim[]) {
  return {
    totalTokens: tokens(claims.reduce((sum, c) => sum + c.amount, 0n)),
    history: (a: Record<string, unknown>) =>
      connection(
        pageOf(
          claims,
          (c) => `e:${c.week}:${c.vehicleId}`,
          a.first == null && a.last == null ? { first: MAX_PAGE, ...pageArgsLoose(a) } : pageArgs(a),
        ),
      ),
  };
}

/** Cursors without a size: DIMO's default page. */
function pageArgsLoose(a: Record<string, unknown>): PageArgs {
  return {
    ...(a.after != null ? { after: a.after as string } : {}),
    ...(a.before != null ? { before: a.before as string } : {}),
  };
}

export function attachIdentityResolvers(schema: GraphQLSchema): void {
  const resolvers: Record<string, R> = {
    Query: {
      vehicle: async (_: never, a: { tokenId: number }, ctx) =>
        (await ctx.index.getVehicle(BigInt(a.tokenId))) ?? Promise.reject(notFound(`vehicle ${a.tokenId}`)),
      vehicles: async (_: never, a: Record<string, never>, ctx) => {
        const f = (a.filterBy ?? {}) as Record<string, unknown>;
        return connection(
          await ctx.index.listVehicles({
            ...pageArgs(a),
            ...(f.owner != null ? { owner: addressArg("owner", f.owner) } : {}),
            ...(f.privileged != null ? { privileged: addressArg("privileged", f.privileged) } : {}),
            ...(f.make != null ? { make: f.make as string } : {}),
            ...(f.model != null ? { model: f.model as string } : {}),
            ...(f.year != null ? { year: f.year as number } : {}),
            ...(f.manufacturerTokenId != null
              ? { manufacturerId: BigInt(f.manufacturerTokenId as number) }
              : {}),
          }),
        );
      },
      aftermarketDevice: async (_: never, a: { by: Record<string, unknown> }, ctx) => {
        const [key, value] = oneOf(a.by, "device");
        const by =
          key === "tokenId"
            ? { tokenId: BigInt(value as number) }
            : key === "address"
              ? { address: addressArg("address", value) }
              : { serial: String(value) };
        return (
          (await ctx.index.getDevice(by)) ?? Promise.reject(notFound(`aftermarket device ${key} ${value}`))
        );
      },
      aftermarketDevices: async (_: never, a: Record<string, never>, ctx) => {
        const f = (a.filterBy ?? {}) as Record<string, unknown>;
        return connection(
          await ctx.index.listDevices({
            ...pageArgs(a),
            ...(f.owner != null ? { owner: addressArg("owner", f.owner) } : {}),
            ...(f.manufacturerId != null ? { manufacturerId: BigInt(f.manufacturerId as number) } : {}),
          }),
        );
      },
      manufacturer: async (_: never, a: { by: Record<string, unknown> }, ctx) => {
        const [key, value] = oneOf(a.by, "manufacturer");
        const by = key === "tokenId" ? { tokenId: BigInt(value as number) } : { name: String(value) };
        return (
          (await ctx.index.getManufacturer(by)) ?? Promise.reject(notFound(`manufacturer ${key} ${value}`))
        );
      },
      manufacturers: async (_: never, _a: never, ctx) => {
        const all = await ctx.index.listManufacturers();
        return connection(pageOf(all, (m) => `m:${m.tokenId}`, { first: all.length }));
      },
      rewards: async (_: never, a: { user: unknown }, ctx) =>
        earnings(await ctx.index.listRewardClaims({ beneficiary: addressArg("user", a.user) })),
      rewardsWeek: async (_: never, a: { week: number }, ctx) => {
        if (!Number.isSafeInteger(a.week) || a.week < 0)
          throw badRequest(`\`week\` ${a.week} is not a week number.`);
        const w = await ctx.index.getRewardsWeek(BigInt(a.week));
        if (!w) throw notFound(`rewards week ${a.week}`);
        return {
          week: Number(w.week),
          root: w.root,
          totalTokens: tokens(w.total),
          claimedTokens: tokens(w.claimed),
          claims: w.claims,
          inputsHash: w.inputsHash,
          inputsURI: w.inputsUri,
          publisher: w.publisher,
          publishedAt: iso(w.publishedAt),
          finalAt: iso(w.finalAt),
          status: w.status,
        };
      },
      developerLicense: async (_: never, a: { by: Record<string, unknown> }, ctx) => {
        const [key, value] = oneOf(a.by, "developer licence");
        const by =
          key === "tokenId"
            ? { tokenId: BigInt(value as number) }
            : key === "clientId"
              ? { clientId: addressArg("clientId", value) }
              : { alias: String(value) };
        return (
          (await ctx.index.getDevLicense(by)) ?? Promise.reject(notFound(`developer license ${key} ${value}`))
        );
      },
    },
    Vehicle: {
      earnings: async (v: Vehicle, _a, ctx) =>
        earnings(await ctx.index.listRewardClaims({ vehicleId: v.tokenId })),
      id: (v: Vehicle) => `V_${v.tokenId}`,
      tokenId: (v: Vehicle) => Number(v.tokenId),
      tokenDID: (v: Vehicle, _a, ctx) => erc721Did(ctx.chainId, ctx.addresses.vehicleId, v.tokenId),
      mintedAt: (v: Vehicle) => iso(v.mintedAt),
      manufacturer: (v: Vehicle, _a, ctx) => ctx.index.getManufacturer({ tokenId: v.manufacturerId }),
      aftermarketDevice: (v: Vehicle, _a, ctx) =>
        v.aftermarketDeviceId === undefined ? null : ctx.index.getDevice({ tokenId: v.aftermarketDeviceId }),
      definition: (v: Vehicle) => ({
        id: v.definitionUri || null,
        make: v.make,
        model: v.model,
        year: v.year,
      }),
      sacds: async (v: Vehicle, a: Record<string, never>, ctx) => {
        const grants = await activeGrants(ctx, v.tokenId);
        return connection(
          pageOf(
            grants.map((g) => ({
              grantee: g.grantee,
              permissions: permissionsToHex(g.permissions),
              source: g.source,
              createdAt: iso(g.createdAt),
              expiresAt: isoSeconds(g.expiresAt),
              template: g.templateId === undefined ? null : g.templateId.toString(),
            })),
            (s) => `g:${s.grantee}`,
            pageArgs(a),
          ),
        );
      },
      privileges: async (v: Vehicle, a: Record<string, never>, ctx) => {
        const filter = (a.filterBy ?? {}) as { user?: string; privilegeId?: number };
        const user = filter.user == null ? undefined : addressArg("user", filter.user);
        const rows = (await activeGrants(ctx, v.tokenId))
          .filter((g) => user === undefined || g.grantee === user)
          .flatMap((g) =>
            g.privileges
              .filter((id) => filter.privilegeId == null || id === filter.privilegeId)
              .map((id) => ({
                id,
                user: g.grantee,
                setAt: iso(g.createdAt),
                expiresAt: isoSeconds(g.expiresAt),
              })),
          );
        return connection(pageOf(rows, (p) => `p:${p.user}:${p.id}`, pageArgs(a)));
      },
    },
    UserRewards: {
      history: (r: ReturnType<typeof earnings>, a: Record<string, unknown>) => r.history(a),
    },
    VehicleEarnings: {
      history: (r: ReturnType<typeof earnings>, a: Record<string, unknown>) => r.history(a),
    },
    Earning: {
      week: (c: RewardClaim) => Number(c.week),
      tokens: (c: RewardClaim) => tokens(c.amount),
      sentAt: (c: RewardClaim) => iso(c.claimedAt),
      vehicle: (c: RewardClaim, _a, ctx) => ctx.index.getVehicle(c.vehicleId),
    },
    AftermarketDevice: {
      id: (d: AftermarketDevice) => `AD_${d.tokenId}`,
      tokenId: (d: AftermarketDevice) => Number(d.tokenId),
      tokenDID: (d: AftermarketDevice, _a, ctx) =>
        erc721Did(ctx.chainId, ctx.addresses.aftermarketDeviceId, d.tokenId),
      manufacturer: (d: AftermarketDevice, _a, ctx) =>
        ctx.index.getManufacturer({ tokenId: d.manufacturerId }),
      serial: (d: AftermarketDevice) => d.serial || null,
      mintedAt: (d: AftermarketDevice) => iso(d.mintedAt),
      claimedAt: () => null,
      pairedAt: (d: AftermarketDevice) => iso(d.installedAt),
      vehicle: (d: AftermarketDevice, _a, ctx) =>
        d.vehicleId === undefined ? null : ctx.index.getVehicle(d.vehicleId),
    },
    Manufacturer: {
      id: (m: Manufacturer) => `M_${m.tokenId}`,
      tokenId: (m: Manufacturer) => Number(m.tokenId),
      tokenDID: (m: Manufacturer, _a, ctx) => erc721Did(ctx.chainId, ctx.addresses.manufacturerId, m.tokenId),
      mintedAt: (m: Manufacturer) => iso(m.mintedAt),
    },
    DeveloperLicense: {
      tokenId: (l: { tokenId: bigint }) => Number(l.tokenId),
      tokenDID: (l: { tokenId: bigint }, _a, ctx) =>
        erc721Did(ctx.chainId, ctx.addresses.devLicense, l.tokenId),
      mintedAt: (l: { issuedAt: Date }) => iso(l.issuedAt),
      alias: (l: { alias?: string }) => l.alias ?? null,
      redirectURIs: (l: { redirectUris: string[] }) => l.redirectUris.map((uri) => ({ uri })),
      signers: (l: { signers: { address: Address; expiresAt: bigint; enabledAt: Date }[] }) =>
        l.signers.map((s) => ({
          address: s.address,
          expiresAt: isoSeconds(s.expiresAt),
          enabledAt: iso(s.enabledAt),
        })),
    },
  };
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = type.getFields()[fieldName]!;
      field.resolve = async (parent, args, ctx, _info) => {
        try {
          return await (resolve as (p: unknown, a: unknown, c: unknown) => unknown)(parent, args, ctx);
        } catch (error) {
          if (error instanceof InvalidIdentityQueryError) throw badRequest(error.message);
          throw error;
        }
      };
    }
  }
}
