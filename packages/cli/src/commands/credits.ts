/**
 * `dimo credits buy|balance` (docs/payments.md): apps pay nodes in credits ($0.001 each), bought
 * for a developer licence by burning DIMO at the oracle's price. Anyone may pay for a licence.
 */
import { buyCredits, creditBalance, quoteCredits } from "@dimo-open/protocol";
import type { Command } from "commander";
import { dimoAmount, positiveBigint, tokenId } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatDimo } from "../output.ts";
import {
  type CommonOptions,
  type Context,
  context,
  paymentsOf,
  readCommand,
  writeCommand,
} from "./common.ts";

function licenseOf(ctx: Context, given: bigint | undefined): bigint {
  if (given !== undefined) return given;
  const developer = ctx.network.devnet?.record.developer;
  if (developer) return BigInt(developer.licenseId);
  throw new CliError("--license <id> is required off the devnet.", ExitCode.Usage);
}

export function registerCreditsCommands(program: Command): void {
  const credits = program.command("credits").description("credits that pay nodes for queries: buy, balance");

  writeCommand(credits.command("buy"))
    .description("buy credits for a developer licence, burning their price in DIMO")
    .option("--license <id>", "the licence credited (devnet default: the demo app's)", tokenId)
    .requiredOption("--credits <n>", "how many credits ($0.001 each)", positiveBigint)
    .option("--max-dimo <dimo>", "refuse to pay more than this (default: today's quote)", dimoAmount)
    .action(async (o: CommonOptions & { license?: bigint; credits: bigint; maxDimo?: bigint }) => {
      const ctx = await context(o);
      const licenseId = licenseOf(ctx, o.license);
      const client = paymentsOf(await ctx.writer(`buying credits for licence ${licenseId}`), ctx.network);
      const { dimoBurned, hash } = await buyCredits(client, {
        licenseId,
        credits: o.credits,
        ...(o.maxDimo !== undefined && { maxDimo: o.maxDimo }),
      }).catch(refused);
      const balance = await creditBalance(client, licenseId);
      ctx.out.result(
        { licenseId, credits: o.credits, dimoBurned, balance, transaction: hash },
        () =>
          `Bought ${o.credits.toLocaleString("en")} credits for licence ${licenseId}, burning ${formatDimo(dimoBurned)}; balance ${balance.toLocaleString("en")} credits. Transaction ${hash}.`,
      );
    });

  readCommand(credits.command("balance"))
    .description("a licence's credits on chain, and what 1,000 credits cost now")
    .option("--license <id>", "the licence (devnet default: the demo app's)", tokenId)
    .action(async (o: CommonOptions & { license?: bigint }) => {
      const ctx = await context(o);
      const licenseId = licenseOf(ctx, o.license);
      const client = paymentsOf(await ctx.reader(), ctx.network);
      const [balance, per1000] = await Promise.all([
        creditBalance(client, licenseId),
        quoteCredits(client, 1000n),
      ]);
      ctx.out.result(
        { licenseId, balance, dimoPer1000Credits: per1000 },
        () =>
          `Licence ${licenseId}: ${balance.toLocaleString("en")} credits (1,000 credits cost ${formatDimo(per1000)} now).`,
      );
    });
}
