/**
 * `dimo maker apply|stake|status|renounce`: hardware makers (docs/economics.md). A maker applies
 * for a licence; [d]Integrations records the testers' readout and DIMO holders vote; the licensed
 * maker stakes, mints devices, and may renounce (its stake comes back six months later).
 */
import {
  getLicense,
  getLicenseApplication,
  getMakerStake,
  getManufacturer,
  type Region,
  renounceLicense,
  stakeLicense,
  submitLicenseApplication,
} from "@dimo-open/protocol";
import { type Command, InvalidArgumentError } from "commander";
import { dimoAmount, tokenId, uri } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatDimo, formatTime } from "../output.ts";
import {
  type CommonOptions,
  context,
  hardwareOf,
  manufacturerOf,
  readCommand,
  writeCommand,
} from "./common.ts";

function regions(value: string): Region[] {
  const list = value.split(",").map((r) => r.trim().toUpperCase());
  for (const r of list)
    if (!["US", "EU", "UK"].includes(r))
      throw new InvalidArgumentError(`regions are US, EU and UK, got "${r}".`);
  return list as Region[];
}

export function registerMakerCommands(program: Command): void {
  const maker = program
    .command("maker")
    .description("hardware makers: apply for a licence, stake, status, renounce");

  writeCommand(maker.command("apply"))
    .description("apply for a manufacturer licence with a first device model")
    .option("--name <name>", "the maker's name (a manufacturer identity minted at approval)")
    .option("--manufacturer <id>", "apply with an existing manufacturer identity you operate", tokenId)
    .requiredOption("--model-name <name>", "the first device model")
    .option("--category <id>", "device category (1 = Dash camera, 80 DIMO per device)", tokenId, 1n)
    .option("--regions <list>", "where you sell: US,EU,UK", regions, ["US"] as Region[])
    .requiredOption("--spec-uri <uri>", "the model's specification and test-unit details", uri)
    .requiredOption("--metadata-uri <uri>", "business, operating history, data samples or code, demo", uri)
    .action(
      async (
        o: CommonOptions & {
          name?: string;
          manufacturer?: bigint;
          modelName: string;
          category: bigint;
          regions: Region[];
          specUri: string;
          metadataUri: string;
        },
      ) => {
        if ((o.name === undefined) === (o.manufacturer === undefined))
          throw new CliError(
            "give --name (a new maker) or --manufacturer <id> (an identity you operate).",
            ExitCode.Usage,
          );
        const ctx = await context(o);
        const client = hardwareOf(await ctx.writer("applying for a manufacturer licence"), ctx.network);
        const { applicationId, hash } = await submitLicenseApplication(client, {
          ...(o.name !== undefined && { name: o.name }),
          ...(o.manufacturer !== undefined && { manufacturerId: o.manufacturer }),
          regions: o.regions,
          categoryId: o.category,
          modelName: o.modelName,
          modelSpecURI: o.specUri,
          metadataURI: o.metadataUri,
        }).catch(refused);
        ctx.out.result(
          { applicationId, transaction: hash },
          () =>
            `Submitted licence application ${applicationId}. Next: [d]Integrations tests your units and records a readout; then DIMO holders vote on approving it. Follow it with: dimo maker status --application ${applicationId}`,
        );
      },
    );

  writeCommand(maker.command("stake"))
    .description("stake DIMO for a licence (the maker)")
    .option("--manufacturer <id>", "the licence (devnet default: the demo maker)", tokenId)
    .requiredOption("--amount <dimo>", "DIMO to add, e.g. 1000", dimoAmount)
    .action(async (o: CommonOptions & { manufacturer?: bigint; amount: bigint }) => {
      const ctx = await context(o);
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const client = hardwareOf(await ctx.writer(`staking for licence ${manufacturerId}`), ctx.network);
      const { hash } = await stakeLicense(client, { manufacturerId, amount: o.amount }).catch(refused);
      const license = await getLicense(client, manufacturerId);
      ctx.out.result(
        {
          manufacturerId,
          staked: o.amount,
          stake: license.stake,
          requirement: license.requirement,
          valid: license.valid,
          transaction: hash,
        },
        () =>
          `Staked ${formatDimo(o.amount)} for licence ${manufacturerId}: stake ${formatDimo(license.stake)} of ${formatDimo(license.requirement)} required; licence ${license.valid ? "valid" : "not valid"}. Transaction ${hash}.`,
      );
    });

  readCommand(maker.command("status"))
    .description("a maker's licence and stake, or where an application stands")
    .option("--manufacturer <id>", "the maker (devnet default: the demo maker)", tokenId)
    .option("--application <id>", "show this licence application instead", tokenId)
    .action(async (o: CommonOptions & { manufacturer?: bigint; application?: bigint }) => {
      const ctx = await context(o);
      const client = hardwareOf(await ctx.reader(), ctx.network);
      if (o.application !== undefined) {
        const a = await getLicenseApplication(client, o.application).catch(refused);
        ctx.out.result(a, () =>
          [
            `Application ${a.applicationId}: ${a.status}`,
            `  Applicant     ${a.applicant}`,
            `  Maker         ${a.name || `manufacturer ${a.manufacturerId}`}`,
            `  Model         ${a.modelName} (category ${a.categoryId})`,
            `  Readout       ${a.readoutURI || "not yet"}${a.readoutURI ? ` (${a.recommended ? "recommended" : "not recommended"}; meets ${a.requirements.join(", ") || "nothing"})` : ""}`,
          ].join("\n"),
        );
        return;
      }
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const [license, stake, identity] = await Promise.all([
        getLicense(client, manufacturerId),
        getMakerStake(client, manufacturerId),
        getManufacturer(client, manufacturerId).catch(() => undefined),
      ]);
      if (license.status === "none" && !identity)
        throw new CliError(
          `manufacturer ${manufacturerId} does not exist on this network.`,
          ExitCode.Refused,
        );
      const result = {
        ...license,
        name: identity?.name ?? null,
        pendingDeviceStake: stake.pendingDevices,
        totalStake: stake.total,
      };
      ctx.out.result(result, () =>
        [
          `Manufacturer ${manufacturerId}${identity ? ` (${identity.name})` : ""}: licence ${license.status}, ${license.valid ? "valid" : "NOT valid"}`,
          `  Licence stake     ${formatDimo(license.stake)} (requirement ${formatDimo(license.requirement)})`,
          `  Device stake      ${formatDimo(stake.pendingDevices)} for minted, not yet installed devices`,
          `  Regions           ${license.regions.join(", ") || "-"}`,
          `  Issued            ${formatTime(license.issuedAt)}${license.temporary ? `, expires ${formatTime(license.expiresAt)}` : ""}`,
          `  Open challenges   ${license.openChallenges}`,
          ...(license.endedAt
            ? [
                `  Ended             ${formatTime(license.endedAt)}; stake withdrawable ${formatTime(license.withdrawableAt)}`,
              ]
            : []),
        ].join("\n"),
      );
    });

  writeCommand(maker.command("renounce"))
    .description("end your licence (no more mints); the stake comes back six months later")
    .option("--manufacturer <id>", "the licence (devnet default: the demo maker)", tokenId)
    .option("--yes", "confirm: renouncing cannot be undone")
    .action(async (o: CommonOptions & { manufacturer?: bigint; yes?: boolean }) => {
      if (!o.yes)
        throw new CliError(
          "renouncing a licence cannot be undone; run again with --yes to confirm.",
          ExitCode.Usage,
        );
      const ctx = await context(o);
      const manufacturerId = manufacturerOf(ctx, o.manufacturer);
      const client = hardwareOf(await ctx.writer(`renouncing licence ${manufacturerId}`), ctx.network);
      const { hash } = await renounceLicense(client, manufacturerId).catch(refused);
      const license = await getLicense(client, manufacturerId);
      ctx.out.result(
        { manufacturerId, status: license.status, withdrawableAt: license.withdrawableAt, transaction: hash },
        () =>
          `Licence ${manufacturerId} renounced. Its stake can be withdrawn from ${formatTime(license.withdrawableAt)} if no challenge is upheld meanwhile. Transaction ${hash}.`,
      );
    });
}
