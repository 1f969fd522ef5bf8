/**
 * `dimo rewards show|claim|verify` (docs/rewards.md): a node publishes each week's Merkle root
 * with the hash and URI of the inputs it computed from; anyone can fetch the inputs, check them
 * against the chain, and claim a vehicle's reward with its proof.
 */
import { readFile } from "node:fs/promises";
import {
  claimReward,
  decodeRewardsInputs,
  fetchRewardsInputs,
  getRewardsCalendar,
  getRewardsWeek,
  isRewardClaimed,
  RewardsInputsFetchError,
  RewardsTree,
  rewardsInputsHash,
  verifyRewardsWeek,
  weeklyIssuance,
} from "@dimo-open/protocol";
import type { Command } from "commander";
import type { Address } from "viem";
import { address, integer, tokenId } from "../args.ts";
import type { CliReader } from "../chain.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import type { Network } from "../network.ts";
import { formatDimo, formatTime, table } from "../output.ts";
import { type CommonOptions, context, readCommand, rewardsOf, writeCommand } from "./common.ts";

/** The week's inputs file: from --inputs, or downloaded from the URI published on chain (hash checked). */
async function inputsOf(
  client: ReturnType<typeof rewardsOf<CliReader>>,
  week: bigint,
  file: string | undefined,
): Promise<Uint8Array> {
  if (file) {
    const bytes = new Uint8Array(
      await readFile(file).catch((error: Error) => {
        throw new CliError(`cannot read ${file}: ${error.message}`);
      }),
    );
    const published = await getRewardsWeek(client, week);
    if (published.status === "none")
      throw new CliError(`week ${week} has no published root to check ${file} against.`, ExitCode.Refused);
    if (rewardsInputsHash(bytes) !== published.inputsHash)
      throw new CliError(
        `${file} is not week ${week}'s published inputs file (its hash differs from the chain's ${published.inputsHash}).`,
        ExitCode.Refused,
      );
    return bytes;
  }
  try {
    return await fetchRewardsInputs(client, week);
  } catch (error) {
    if (error instanceof RewardsInputsFetchError)
      throw new CliError(
        `${error.message}${error.uri ? "; pass the file with --inputs <file>" : ""}.`,
        error.uri ? ExitCode.Unreachable : ExitCode.Refused,
      );
    throw error;
  }
}

function weekOption(value: string): bigint {
  return BigInt(integer(0, 100_000)(value));
}

async function rewardsReader(ctx: { reader(): Promise<CliReader>; network: Network }) {
  return rewardsOf(await ctx.reader(), ctx.network);
}

export function registerRewardsCommands(program: Command): void {
  const rewards = program
    .command("rewards")
    .description("driver rewards: show weeks, claim, verify a published week");

  readCommand(rewards.command("show"))
    .description(
      "the rewards calendar and a week's published root (default: the last finished week); with --owner, what that account earned",
    )
    .option("--week <n>", "the week (0 = the week starting at genesis)", weekOption)
    .option(
      "--owner <address>",
      "list this beneficiary's vehicles in the week, their amounts and claims",
      address,
    )
    .option(
      "--inputs <file>",
      "with --owner: the week's inputs file (default: downloaded from its published URI)",
    )
    .action(async (o: CommonOptions & { week?: bigint; owner?: Address; inputs?: string }) => {
      const ctx = await context(o);
      const client = await rewardsReader(ctx);
      const calendar = await getRewardsCalendar(client);
      const week = o.week ?? (calendar.currentWeek > 0n ? calendar.currentWeek - 1n : 0n);
      const w = await getRewardsWeek(client, week);
      // The owner's lines of the week's inputs file (hash-checked against the chain).
      const earnings =
        o.owner && w.status !== "none"
          ? await Promise.all(
              decodeRewardsInputs(await inputsOf(client, week, o.inputs))
                .vehicles.filter(
                  (v) => v.beneficiary.toLowerCase() === o.owner!.toLowerCase() && v.amount > 0n,
                )
                .map(async (v) => ({
                  vehicleId: v.vehicleId,
                  deviceId: v.deviceId,
                  points: v.points,
                  level: v.level,
                  amount: v.amount,
                  claimed: await isRewardClaimed(client, { week, vehicleId: v.vehicleId }),
                })),
            )
          : undefined;
      const result = {
        ...w,
        genesis: calendar.genesis,
        currentWeek: calendar.currentWeek,
        weekStart: calendar.genesis + week * 604_800n,
        issuanceCap: weeklyIssuance(week),
        ...(o.owner && { owner: o.owner, earnings: earnings ?? [] }),
      };
      ctx.out.result(result, () =>
        [
          `Rewards: genesis ${formatTime(calendar.genesis)}, current week ${calendar.currentWeek}`,
          `Week ${week} (from ${formatTime(result.weekStart)}), issuance cap ${formatDimo(result.issuanceCap)}:`,
          w.status === "none"
            ? "  no root published yet (a node publishes a week after it ends)"
            : `  ${w.status}${w.final ? ", claims open" : `, claims open ${formatTime(w.finalAt)}`}: total ${formatDimo(w.total)}, claimed ${formatDimo(w.claimed)}, published ${formatTime(w.publishedAt)}\n  root ${w.root}\n  inputs ${w.inputsHash}`,
          ...(o.owner
            ? earnings?.length
              ? [
                  `${o.owner} earned:`,
                  table([
                    ["VEHICLE", "DEVICE", "POINTS", "LEVEL", "AMOUNT", "CLAIMED"],
                    ...earnings.map((e) => [
                      String(e.vehicleId),
                      String(e.deviceId),
                      String(e.points),
                      `L${e.level}`,
                      formatDimo(e.amount),
                      e.claimed ? "yes" : `no: dimo rewards claim --week ${week} --vehicle ${e.vehicleId}`,
                    ]),
                  ]),
                ]
              : [`${o.owner} earned nothing in week ${week}.`]
            : []),
        ].join("\n"),
      );
    });

  writeCommand(rewards.command("claim"))
    .description("claim a vehicle's reward for a week (anyone may send it; the beneficiary is paid)")
    .requiredOption("--week <n>", "the week", weekOption)
    .requiredOption("--vehicle <id>", "the vehicle", tokenId)
    .option("--inputs <file>", "the week's inputs file (default: downloaded from the URI published on chain)")
    .action(async (o: CommonOptions & { week: bigint; vehicle: bigint; inputs?: string }) => {
      const ctx = await context(o);
      const client = rewardsOf(await ctx.writer(`claiming vehicle ${o.vehicle}'s reward`), ctx.network);
      const w = await getRewardsWeek(client, o.week);
      if (w.status === "none")
        throw new CliError(`week ${o.week} has no published root yet.`, ExitCode.Refused);
      if (!w.final)
        throw new CliError(
          `week ${o.week}'s root is ${w.status}; claims open ${formatTime(w.finalAt)}.`,
          ExitCode.Refused,
        );
      if (await isRewardClaimed(client, { week: o.week, vehicleId: o.vehicle }))
        throw new CliError(
          `vehicle ${o.vehicle}'s reward for week ${o.week} was already claimed.`,
          ExitCode.Refused,
        );
      const inputs = decodeRewardsInputs(await inputsOf(client, o.week, o.inputs));
      const claim = new RewardsTree(o.week, inputs.vehicles).claimOf(o.vehicle);
      if (!claim)
        throw new CliError(`vehicle ${o.vehicle} earned nothing in week ${o.week}.`, ExitCode.Refused);
      const { hash } = await claimReward(client, claim).catch(refused);
      ctx.out.result(
        {
          week: o.week,
          vehicleId: o.vehicle,
          beneficiary: claim.beneficiary,
          amount: claim.amount,
          transaction: hash,
        },
        () =>
          `Claimed ${formatDimo(claim.amount)} for vehicle ${o.vehicle}, week ${o.week}, paid to ${claim.beneficiary}. Transaction ${hash}.`,
      );
    });

  readCommand(rewards.command("verify"))
    .description("recompute a published week from its inputs and compare with the chain")
    .requiredOption("--week <n>", "the week", weekOption)
    .option("--inputs <file>", "the week's inputs file (default: downloaded from the URI published on chain)")
    .option("--previous <file>", "the previous week's inputs file, to recompute the streaks too")
    .option("--identities", "also check each earning vehicle's beneficiary and device class at the snapshot")
    .action(
      async (
        o: CommonOptions & { week: bigint; inputs?: string; previous?: string; identities?: boolean },
      ) => {
        const ctx = await context(o);
        const client = await rewardsReader(ctx);
        const inputs = await inputsOf(client, o.week, o.inputs);
        const previousInputs =
          o.previous !== undefined
            ? await inputsOf(client, o.week - 1n, o.previous)
            : o.week > 0n
              ? await inputsOf(client, o.week - 1n, undefined).catch(() => undefined)
              : undefined;
        const result = await verifyRewardsWeek(client, {
          inputs,
          ...(previousInputs && { previousInputs }),
          checkIdentities: o.identities ?? false,
        });
        ctx.out.result(result, () =>
          result.ok
            ? `Week ${o.week} checks out: root ${result.root}, total ${formatDimo(result.total)}${result.streaksRecomputed ? ", streaks recomputed from the previous week" : ""}${result.identitiesChecked ? `, ${result.identitiesChecked} identities checked` : ""}.`
            : `Week ${o.week} does NOT check out:\n${result.problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        if (!result.ok)
          throw new CliError(`week ${o.week}: ${result.problems.length} problem(s).`, ExitCode.Refused);
      },
    );
}
