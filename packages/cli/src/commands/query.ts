/**
 * `dimo query latest|signals|raw`: read a vehicle's data as an app does, through the SDK — sign
 * in with a licence signer (EIP-4361 challenge), exchange for a vehicle token (the node checks
 * the owner's grant on chain), then query telemetry GraphQL, or the raw archive (Fetch API).
 */
import { erc721Did, getGrantedPrivileges, type PrivilegeId } from "@dimo-open/protocol";
import { DimoClient, type SignalField, type VehicleToken } from "@dimo-open/sdk";
import { getSignal, isKnownSignal } from "@dimo-open/signals";
import { type Command, InvalidArgumentError } from "commander";
import type { Address } from "viem";
import { address, integer, privilegeNames, privileges, tokenId } from "../args.ts";
import { CliError, ExitCode } from "../errors.ts";
import { keyOptions } from "../keys.ts";
import { requireNode } from "../network.ts";
import { table } from "../output.ts";
import { type CommonOptions, type Context, context, readCommand } from "./common.ts";

interface QueryOptions extends CommonOptions {
  vehicle: bigint;
  clientId?: Address;
  domain?: string;
  privileges?: PrivilegeId[];
}

function queryCommand(command: Command): Command {
  return keyOptions(readCommand(command))
    .requiredOption("--vehicle <id>", "the vehicle's token id", tokenId)
    .option("--client-id <address>", "the app's licence client id (devnet default: the demo app)", address)
    .option("--domain <uri>", "one of the licence's redirect URIs (devnet default: the demo app's first)")
    .option(
      "--privileges <names>",
      "privileges to ask for at exchange (default: every one the grant holds)",
      privileges,
    )
    .addHelpText(
      "after",
      "\nSigns in with the licence signer's key (DIMO_PRIVATE_KEY, --keystore, or on the devnet --devnet-account developer).",
    );
}

/** Signs in as the app and exchanges a vehicle token; returns the client and the token. */
async function signedIn(ctx: Context, o: QueryOptions): Promise<{ client: DimoClient; token: VehicleToken }> {
  const developer = ctx.network.devnet?.record.developer;
  const clientId = o.clientId ?? developer?.clientId;
  const domain = o.domain ?? developer?.redirectUris[0];
  if (!clientId || !domain)
    throw new CliError(
      "name the app: --client-id <licence client id> and --domain <one of its redirect URIs>.",
      ExitCode.Usage,
    );
  const signer = await ctx.signer("signing in as the app");
  const client = new DimoClient({ baseUrl: requireNode(ctx.network) });
  try {
    await client.signIn({ clientId, domain, signer });
  } catch (error) {
    throw new CliError(
      `sign-in as ${clientId} failed: ${(error as Error).message}. Is ${signer.address} an enabled signer of the licence, and ${domain} one of its redirect URIs?`,
      ExitCode.Refused,
    );
  }
  let wanted = o.privileges;
  if (!wanted) {
    const granted = ctx.network.rpcUrl
      ? await getGrantedPrivileges(await ctx.reader(), { tokenId: o.vehicle, grantee: clientId })
      : [1, 4];
    if (granted.length === 0)
      throw new CliError(
        `the app ${clientId} holds no grant over vehicle ${o.vehicle}; its owner grants one with \`dimo grant add\`.`,
        ExitCode.Refused,
      );
    wanted = granted as PrivilegeId[];
  }
  try {
    return { client, token: await client.exchange({ tokenId: o.vehicle, privileges: wanted }) };
  } catch (error) {
    throw new CliError(
      `token exchange for vehicle ${o.vehicle} refused: ${(error as Error).message}`,
      ExitCode.Refused,
    );
  }
}

/** "speed", "speed:MAX", "currentLocationCoordinates:LAST" → fields keyed by alias. */
function signalFields(value: string): Record<string, SignalField> {
  const fields: Record<string, SignalField> = {};
  for (const spec of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, agg] = spec.split(":");
    if (!name || !isKnownSignal(name))
      throw new InvalidArgumentError(`unknown signal "${name}" (names are the catalogue's, e.g. speed).`);
    const type = getSignal(name).dataType;
    const chosen = (agg ?? (type === "float" ? "AVG" : "LAST")).toUpperCase();
    fields[agg ? `${name}_${chosen.toLowerCase()}` : name] = { signal: name, agg: chosen } as SignalField;
  }
  if (Object.keys(fields).length === 0)
    throw new InvalidArgumentError(
      "name at least one signal, e.g. speed,powertrainCombustionEngineSpeed:MAX",
    );
  return fields;
}

/** "2026-11-22T10:00:00Z", "-1h", "-30m", "now" → Date. */
function when(value: string): Date {
  if (value === "now") return new Date();
  const rel = /^-(\d+)(s|m|h|d)$/.exec(value);
  if (rel)
    return new Date(Date.now() - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as "s"]);
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(`expected a time (ISO 8601, "now", or -30m, -2h, -1d), got "${value}".`);
  return new Date(t);
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "object" && v !== null && "latitude" in v) {
    const c = v as { latitude: number; longitude: number };
    return `${c.latitude.toFixed(5)}, ${c.longitude.toFixed(5)}`;
  }
  return typeof v === "number" ? String(Math.round(v * 1000) / 1000) : String(v);
}

export function registerQueryCommands(program: Command): void {
  const query = program
    .command("query")
    .description("read a vehicle's data as an app, through the SDK: latest, signals, raw");

  queryCommand(query.command("latest"))
    .description("the latest value of each signal the app may read")
    .option("--signals <names>", "only these signals, comma-separated (default: every one available)")
    .action(async (o: QueryOptions & { signals?: string }) => {
      const ctx = await context(o);
      const { client, token } = await signedIn(ctx, o);
      let names: string[];
      if (o.signals) names = Object.values(signalFields(o.signals)).map((f) => f.signal);
      else {
        const r = await client.telemetry<{ availableSignals: string[] | null }>(
          token,
          "query($id: Int!) { availableSignals(tokenId: $id) }",
          {
            id: Number(o.vehicle),
          },
        );
        names = r.data?.availableSignals ?? [];
      }
      if (names.length === 0) {
        ctx.out.result(
          { vehicleId: o.vehicle, lastSeen: null, signals: {} },
          () => `Vehicle ${o.vehicle}: no data yet that this app may read.`,
        );
        return;
      }
      const latest = await client.latestSignals(token, { tokenId: o.vehicle, signals: names });
      const refusedFields = (latest.errors ?? []).map((e) => e.message);
      ctx.out.result(
        { vehicleId: o.vehicle, lastSeen: latest.lastSeen, signals: latest.values, errors: refusedFields },
        () =>
          [
            `Vehicle ${o.vehicle}, last seen ${latest.lastSeen ?? "never"} (privileges ${privilegeNames(token.privileges).join(", ")}):`,
            table(
              Object.entries(latest.values).map(([name, v]) => [
                name,
                v ? formatValue(v.value) : "-",
                v?.timestamp ?? "",
              ]),
            ),
            ...refusedFields.map((m) => `  refused: ${m}`),
          ].join("\n"),
      );
    });

  queryCommand(query.command("signals"))
    .description("aggregated signals per time bucket")
    .requiredOption(
      "--signals <fields>",
      "signal[:AGG],… e.g. speed:MAX,powertrainCombustionEngineSpeed",
      signalFields,
    )
    .option("--interval <duration>", "bucket size (Go duration: 30s, 1m, 1h)", "1m")
    .option("--from <time>", "start (ISO 8601, or -1h)", when, undefined)
    .option("--to <time>", "end (ISO 8601, or now)", when, undefined)
    .action(
      async (
        o: QueryOptions & { signals: Record<string, SignalField>; interval: string; from?: Date; to?: Date },
      ) => {
        const ctx = await context(o);
        const { client, token } = await signedIn(ctx, o);
        const to = o.to ?? new Date();
        const from = o.from ?? new Date(to.getTime() - 3_600_000);
        const { rows, errors } = await client.signals(token, {
          tokenId: o.vehicle,
          interval: o.interval,
          from,
          to,
          fields: o.signals,
        });
        const aliases = Object.keys(o.signals);
        ctx.out.result(
          {
            vehicleId: o.vehicle,
            from,
            to,
            interval: o.interval,
            rows,
            errors: (errors ?? []).map((e) => e.message),
          },
          () =>
            rows.length === 0
              ? `Vehicle ${o.vehicle}: no data from ${from.toISOString()} to ${to.toISOString()}.`
              : table(
                  [
                    ["TIME", ...aliases.map((a) => `${o.signals[a]!.signal}:${o.signals[a]!.agg}`)],
                    ...rows.map((r) => [r.timestamp, ...aliases.map((a) => formatValue(r[a]))]),
                  ],
                  "",
                ),
        );
      },
    );

  queryCommand(query.command("raw"))
    .description(
      "the signed events the vehicle's device sent, as stored (the Fetch API; needs GetRawData or history + location)",
    )
    .option("--limit <n>", "newest first, at most this many", integer(1, 1000), 10)
    .option("--type <type>", "only events of this type, e.g. dimo.status")
    .action(async (o: QueryOptions & { limit: number; type?: string }) => {
      const ctx = await context(o);
      const { token } = await signedIn(ctx, o);
      const did = erc721Did(ctx.network.chainId ?? 31337, ctx.network.addresses.vehicleId, o.vehicle);
      // The SDK signs in and exchanges; the Fetch API is plain GraphQL with the vehicle token.
      const response = await fetch(`${requireNode(ctx.network)}/fetch/query`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token.token}` },
        body: JSON.stringify({
          query:
            "query($did: String!, $limit: Int, $filter: CloudEventFilter) { cloudEvents(did: $did, limit: $limit, filter: $filter) { header { id type time source producer } data } }",
          variables: { did, limit: o.limit, filter: o.type ? { type: o.type } : null },
        }),
      });
      const body = (await response.json()) as {
        data?: { cloudEvents: { header: Record<string, string>; data: unknown }[] };
        errors?: { message: string }[];
      };
      if (!response.ok || body.errors?.length)
        throw new CliError(
          `the node refused the raw query: ${body.errors?.map((e) => e.message).join("; ") ?? response.status}`,
          ExitCode.Refused,
        );
      const events = body.data!.cloudEvents;
      ctx.out.result({ vehicleId: o.vehicle, did, events }, () =>
        events.length === 0
          ? `Vehicle ${o.vehicle}: no events stored.`
          : table(
              [
                ["TIME", "TYPE", "ID", "SIGNALS"],
                ...events.map((e) => [
                  e.header.time!,
                  e.header.type!,
                  e.header.id!,
                  String((e.data as { signals?: unknown[] })?.signals?.length ?? 0),
                ]),
              ],
              "",
            ),
      );
    });
}
