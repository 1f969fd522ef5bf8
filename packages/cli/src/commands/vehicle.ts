/**
 * `dimo vehicle mint|list|show|burn`: vehicle identities. Writes go to the chain, signed by the
 * owner's key; reads come from the node's identity index (DIMO's identity API).
 */
import { burnVehicle, decodePermissions, getVehicle, mintVehicle } from "@dimo-open/protocol";
import type { Command } from "commander";
import type { Address } from "viem";
import { address, integer, privilegeNames, tokenId } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { table } from "../output.ts";
import {
  type CommonOptions,
  type Context,
  context,
  identity,
  readCommand,
  waitForIndex,
  writeCommand,
} from "./common.ts";

export interface VehicleSummary {
  tokenId: number;
  owner: Address;
  make: string | null;
  model: string | null;
  year: number | null;
  manufacturer: { tokenId: number; name: string } | null;
  device: { tokenId: number; address: Address } | null;
  mintedAt: string;
}

const VEHICLE_FIELDS = `tokenId owner mintedAt definition { make model year } manufacturer { tokenId name } aftermarketDevice { tokenId address }`;

type RawVehicle = {
  tokenId: number;
  owner: Address;
  mintedAt: string;
  definition: { make: string | null; model: string | null; year: number | null } | null;
  manufacturer: { tokenId: number; name: string } | null;
  aftermarketDevice: { tokenId: number; address: Address } | null;
};

function summarize(v: RawVehicle): VehicleSummary {
  return {
    tokenId: v.tokenId,
    owner: v.owner,
    make: v.definition?.make ?? null,
    model: v.definition?.model ?? null,
    year: v.definition?.year ?? null,
    manufacturer: v.manufacturer,
    device: v.aftermarketDevice,
    mintedAt: v.mintedAt,
  };
}

/** Every vehicle (optionally of one owner) from the node's identity index, page by page. */
export async function listVehicles(
  ctx: Context,
  filter: { owner?: Address },
  limit: number,
): Promise<VehicleSummary[]> {
  const out: VehicleSummary[] = [];
  let after: string | null = null;
  while (out.length < limit) {
    const page: {
      vehicles: { nodes: RawVehicle[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    } = await identity(
      ctx,
      `query($first: Int, $after: String, $filter: VehiclesFilter) { vehicles(first: $first, after: $after, filterBy: $filter) { nodes { ${VEHICLE_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      {
        first: Math.min(100, limit - out.length),
        after,
        filter: filter.owner ? { owner: filter.owner } : null,
      },
    );
    out.push(...page.vehicles.nodes.map(summarize));
    if (!page.vehicles.pageInfo.hasNextPage) break;
    after = page.vehicles.pageInfo.endCursor;
  }
  return out;
}

async function manufacturerFor(ctx: Context, make: string, given: string | undefined): Promise<bigint> {
  if (given !== undefined) {
    if (/^\d+$/.test(given)) return BigInt(given);
    const r = await identity<{ manufacturer: { tokenId: number } }>(
      ctx,
      "query($name: String) { manufacturer(by: { name: $name }) { tokenId } }",
      {
        name: given,
      },
    ).catch(() => undefined);
    if (!r)
      throw new CliError(
        `no manufacturer named "${given}"; pass its token id with --manufacturer.`,
        ExitCode.Usage,
      );
    return BigInt(r.manufacturer.tokenId);
  }
  const carMaker = ctx.network.devnet?.record.carMakers.find(
    (m) => m.name.toLowerCase() === make.toLowerCase(),
  );
  if (carMaker) return BigInt(carMaker.manufacturerId);
  const r = await identity<{ manufacturer: { tokenId: number } }>(
    ctx,
    "query($name: String) { manufacturer(by: { name: $name }) { tokenId } }",
    {
      name: make,
    },
  ).catch(() => undefined);
  if (r) return BigInt(r.manufacturer.tokenId);
  throw new CliError(
    `no manufacturer identity named "${make}" on this network; pass --manufacturer <id or name> (the car maker the vehicle is registered under).`,
    ExitCode.Usage,
  );
}

function describeVehicle(v: VehicleSummary): string {
  const what = [v.year, v.make, v.model].filter((x) => x !== null && x !== "").join(" ") || "(no definition)";
  return `${what}, owner ${v.owner}${v.device ? `, paired with device ${v.device.tokenId}` : ", no device paired"}`;
}

export function registerVehicleCommands(program: Command): void {
  const vehicle = program.command("vehicle").description("vehicle identities: mint, list, show, burn");

  writeCommand(vehicle.command("mint"))
    .description("mint a vehicle identity to the signer")
    .requiredOption("--make <make>", "e.g. Toyota")
    .requiredOption("--model <model>", "e.g. Prius")
    .requiredOption("--year <year>", "model year", integer(1886, 2100))
    .option(
      "--manufacturer <id|name>",
      "the car maker's manufacturer identity (default: the one named like --make)",
    )
    .option("--definition-uri <uri>", "a definition document for the make/model/year", "")
    .action(
      async (
        o: CommonOptions & {
          make: string;
          model: string;
          year: number;
          manufacturer?: string;
          definitionUri: string;
        },
      ) => {
        const ctx = await context(o);
        const manufacturerId = await manufacturerFor(ctx, o.make, o.manufacturer);
        const client = await ctx.writer("minting a vehicle");
        const { tokenId: vehicleId, hash } = await mintVehicle(client, {
          manufacturerId,
          make: o.make,
          model: o.model,
          year: o.year,
          definitionURI: o.definitionUri,
        }).catch(refused);
        const indexed = await waitForIndex(ctx, async () =>
          Boolean(
            await identity(ctx, "query($id: Int!) { vehicle(tokenId: $id) { tokenId } }", {
              id: Number(vehicleId),
            }),
          ),
        );
        ctx.out.result(
          {
            tokenId: vehicleId,
            owner: client.account.address,
            manufacturerId,
            make: o.make,
            model: o.model,
            year: o.year,
            transaction: hash,
            indexed,
          },
          () =>
            `Minted vehicle ${vehicleId} (${o.year} ${o.make} ${o.model}) to ${client.account.address}. Transaction ${hash}.`,
        );
      },
    );

  readCommand(vehicle.command("list"))
    .description("list vehicles from the node's identity index")
    .option("--owner <address>", "only this owner's vehicles", address)
    .option("--limit <n>", "at most this many", integer(1, 10_000), 100)
    .action(async (o: CommonOptions & { owner?: Address; limit: number }) => {
      const ctx = await context(o);
      const vehicles = await listVehicles(ctx, o.owner ? { owner: o.owner } : {}, o.limit);
      ctx.out.result(vehicles, () =>
        vehicles.length === 0
          ? "No vehicles."
          : table(
              [
                ["ID", "VEHICLE", "OWNER", "DEVICE"],
                ...vehicles.map((v) => [
                  String(v.tokenId),
                  [v.year, v.make, v.model].filter(Boolean).join(" "),
                  v.owner,
                  v.device ? `${v.device.tokenId} ${v.device.address}` : "-",
                ]),
              ],
              "",
            ),
      );
    });

  readCommand(vehicle.command("show <vehicleId>"))
    .description("one vehicle: owner, definition, device, grants in force")
    .action(async (id: string, o: CommonOptions) => {
      const vehicleId = tokenId(id);
      const ctx = await context(o);
      const r = await identity<{
        vehicle: RawVehicle & {
          tokenDID: string;
          sacds: { nodes: { grantee: Address; permissions: string; expiresAt: string; source: string }[] };
        };
      }>(
        ctx,
        `query($id: Int!) { vehicle(tokenId: $id) { tokenDID ${VEHICLE_FIELDS} sacds(first: 100) { nodes { grantee permissions expiresAt source } } } }`,
        { id: Number(vehicleId) },
      ).catch(async (error: unknown) => {
        // Not in the index: say whether the chain has it at all.
        const chain = await ctx.reader();
        const onChain = await getVehicle(chain, vehicleId).catch(() => undefined);
        if (!onChain)
          throw new CliError(`vehicle ${vehicleId} does not exist on this network.`, ExitCode.Refused);
        throw error;
      });
      const v = {
        ...summarize(r.vehicle),
        did: r.vehicle.tokenDID,
        grants: r.vehicle.sacds.nodes.map((g) => ({
          ...g,
          privilegeNames: privilegeNames(decodePermissions(BigInt(g.permissions))),
        })),
      };
      ctx.out.result(v, () =>
        [
          `Vehicle ${v.tokenId}: ${describeVehicle(v)}`,
          `  DID            ${v.did}`,
          `  Manufacturer   ${v.manufacturer ? `${v.manufacturer.name} (${v.manufacturer.tokenId})` : "-"}`,
          `  Device         ${v.device ? `${v.device.tokenId} ${v.device.address}` : "-"}`,
          `  Minted         ${v.mintedAt}`,
          `  Grants         ${v.grants.length === 0 ? "none" : `${v.grants.length} in force`}`,
          ...v.grants.map((g) => `    ${g.grantee}  ${g.privilegeNames.join(", ")}  until ${g.expiresAt}`),
        ].join("\n"),
      );
    });

  writeCommand(vehicle.command("burn <vehicleId>"))
    .description("burn a vehicle identity (its owner; unpair its device first)")
    .action(async (id: string, o: CommonOptions) => {
      const vehicleId = tokenId(id);
      const ctx = await context(o);
      const client = await ctx.writer(`burning vehicle ${vehicleId}`);
      const { hash } = await burnVehicle(client, vehicleId).catch(refused);
      ctx.out.result(
        { tokenId: vehicleId, burned: true, transaction: hash },
        () => `Burned vehicle ${vehicleId}. Transaction ${hash}.`,
      );
    });
}
