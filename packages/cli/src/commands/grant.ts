/**
 * `dimo grant add|list|revoke`: an owner shares a vehicle's data with an app for a while, by
 * privilege name (GetNonLocationHistory, GetLocationHistory, …), sees who may read what, and
 * takes it back. The grantee is an address, or an app's licence by its alias (`--app`).
 */
import { decodePermissions, getGrant, grantPrivileges, revokeGrant } from "@dimo-open/protocol";
import type { Command } from "commander";
import type { Address } from "viem";
import { address, duration, privilegeList, privilegeNames, privileges, tokenId, uri } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatTime, table } from "../output.ts";
import {
  type CommonOptions,
  type Context,
  context,
  identity,
  readCommand,
  waitForIndex,
  writeCommand,
} from "./common.ts";

interface GranteeOptions {
  grantee?: Address;
  app?: string;
}

async function granteeOf(ctx: Context, o: GranteeOptions): Promise<Address> {
  if ((o.grantee === undefined) === (o.app === undefined))
    throw new CliError("name the grantee: --grantee <address> or --app <licence alias>.", ExitCode.Usage);
  if (o.grantee) return o.grantee;
  const r = await identity<{ developerLicense: { clientId: Address } }>(
    ctx,
    "query($alias: String) { developerLicense(by: { alias: $alias }) { clientId } }",
    { alias: o.app },
  ).catch(() => {
    throw new CliError(`no developer licence with the alias "${o.app}".`, ExitCode.Refused);
  });
  return r.developerLicense.clientId;
}

interface Sacd {
  grantee: Address;
  permissions: string;
  source: string;
  createdAt: string;
  expiresAt: string;
}

export function registerGrantCommands(program: Command): void {
  const grant = program.command("grant").description("share a vehicle's data with an app: add, list, revoke");

  writeCommand(grant.command("add"))
    .description("grant privileges over a vehicle you own, for a time")
    .requiredOption("--vehicle <id>", "the vehicle's token id", tokenId)
    .option("--grantee <address>", "who receives the privileges (an app's client id or any address)", address)
    .option("--app <alias>", "the grantee is the developer licence with this alias")
    .requiredOption("--privileges <names>", `comma-separated: ${privilegeList()}`, privileges)
    .option("--for <duration>", "how long the grant lasts (30d, 12h, …)", duration, 30 * 86_400)
    .option("--source <uri>", "the terms the owner agreed to", uri, "urn:dimo-cli:grant")
    .addHelpText(
      "after",
      "\nExample:\n  dimo grant add --vehicle 1 --app demo-app --privileges GetNonLocationHistory,GetLocationHistory --for 7d",
    )
    .action(
      async (
        o: CommonOptions &
          GranteeOptions & { vehicle: bigint; privileges: number[]; for: number; source: string },
      ) => {
        const ctx = await context(o);
        const grantee = await granteeOf(ctx, o);
        const client = await ctx.writer(`granting access to vehicle ${o.vehicle}`);
        const expiration = BigInt(Math.floor(Date.now() / 1000) + o.for);
        const { hash } = await grantPrivileges(client, {
          tokenId: o.vehicle,
          grantee,
          privileges: o.privileges,
          expiration,
          source: o.source,
        }).catch(refused);
        await waitForIndex(ctx, async () => {
          const r = await identity<{ vehicle: { sacds: { nodes: Sacd[] } } }>(
            ctx,
            "query($id: Int!) { vehicle(tokenId: $id) { sacds(first: 100) { nodes { grantee expiresAt } } } }",
            { id: Number(o.vehicle) },
          );
          return r.vehicle.sacds.nodes.some(
            (s) => s.grantee === grantee && Date.parse(s.expiresAt) / 1000 === Number(expiration),
          );
        });
        ctx.out.result(
          {
            vehicleId: o.vehicle,
            grantee,
            privileges: o.privileges,
            privilegeNames: privilegeNames(o.privileges),
            expiresAt: Number(expiration),
            transaction: hash,
          },
          () =>
            `Granted ${grantee} ${privilegeNames(o.privileges).join(", ")} over vehicle ${o.vehicle} until ${formatTime(expiration)}. Transaction ${hash}.`,
        );
      },
    );

  readCommand(grant.command("list"))
    .description("who may read a vehicle's data, and what (grants in force, from the node's index)")
    .requiredOption("--vehicle <id>", "the vehicle's token id", tokenId)
    .action(async (o: CommonOptions & { vehicle: bigint }) => {
      const ctx = await context(o);
      const r = await identity<{ vehicle: { sacds: { nodes: Sacd[] } } }>(
        ctx,
        "query($id: Int!) { vehicle(tokenId: $id) { sacds(first: 100) { nodes { grantee permissions source createdAt expiresAt } } } }",
        { id: Number(o.vehicle) },
      );
      const grants = r.vehicle.sacds.nodes.map((s) => {
        const ids = decodePermissions(BigInt(s.permissions));
        return {
          grantee: s.grantee,
          privileges: ids,
          privilegeNames: privilegeNames(ids),
          source: s.source,
          createdAt: s.createdAt,
          expiresAt: s.expiresAt,
        };
      });
      ctx.out.result({ vehicleId: o.vehicle, grants }, () =>
        grants.length === 0
          ? `Vehicle ${o.vehicle}: no grants in force.`
          : `Vehicle ${o.vehicle}:\n${table([["GRANTEE", "PRIVILEGES", "UNTIL"], ...grants.map((g) => [g.grantee, g.privilegeNames.join(","), g.expiresAt])])}`,
      );
    });

  writeCommand(grant.command("revoke"))
    .description("revoke a grant over a vehicle you own")
    .requiredOption("--vehicle <id>", "the vehicle's token id", tokenId)
    .option("--grantee <address>", "whose grant", address)
    .option("--app <alias>", "the grant of the developer licence with this alias")
    .action(async (o: CommonOptions & GranteeOptions & { vehicle: bigint }) => {
      const ctx = await context(o);
      const grantee = await granteeOf(ctx, o);
      const client = await ctx.writer(`revoking a grant over vehicle ${o.vehicle}`);
      const current = await getGrant(client, { tokenId: o.vehicle, grantee });
      if (!current.inForce)
        throw new CliError(
          `${grantee} holds no grant in force over vehicle ${o.vehicle}; nothing to revoke.`,
          ExitCode.Refused,
        );
      const { hash } = await revokeGrant(client, { tokenId: o.vehicle, grantee }).catch(refused);
      await waitForIndex(ctx, async () => {
        const r = await identity<{ vehicle: { sacds: { nodes: Sacd[] } } }>(
          ctx,
          "query($id: Int!) { vehicle(tokenId: $id) { sacds(first: 100) { nodes { grantee } } } }",
          { id: Number(o.vehicle) },
        );
        return !r.vehicle.sacds.nodes.some((s) => s.grantee === grantee);
      });
      ctx.out.result(
        { vehicleId: o.vehicle, grantee, revoked: true, transaction: hash },
        () => `Revoked ${grantee}'s grant over vehicle ${o.vehicle}. Transaction ${hash}.`,
      );
    });
}
