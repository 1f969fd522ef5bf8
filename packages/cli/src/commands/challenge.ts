/**
 * `dimo challenge open|rule|show`: holding makers to account (docs/economics.md §6). Any DIMO
 * holder posts the bond with evidence against a maker; [d]Council rules: upheld, the bond comes
 * back and the maker's licence stake may be slashed; dismissed, the bond is burned.
 */
import { challengeManufacturer, getChallenge, ruleOnChallenge } from "@dimo-open/protocol";
import type { Command } from "commander";
import { dimoAmount, tokenId, uri } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatDimo, formatTime } from "../output.ts";
import { type CommonOptions, context, hardwareOf, readCommand, writeCommand } from "./common.ts";

export function registerChallengeCommands(program: Command): void {
  const challenge = program.command("challenge").description("challenges against makers: open, rule, show");

  writeCommand(challenge.command("open"))
    .description("challenge a maker before [d]Council, posting the bond (1,000 DIMO by default)")
    .requiredOption("--manufacturer <id>", "the maker challenged", tokenId)
    .requiredOption("--evidence <uri>", "what the maker did wrong, with evidence", uri)
    .action(async (o: CommonOptions & { manufacturer: bigint; evidence: string }) => {
      const ctx = await context(o);
      const client = hardwareOf(await ctx.writer(`challenging maker ${o.manufacturer}`), ctx.network);
      const { challengeId, bond, hash } = await challengeManufacturer(client, {
        manufacturerId: o.manufacturer,
        evidenceURI: o.evidence,
      }).catch(refused);
      ctx.out.result(
        { challengeId, manufacturerId: o.manufacturer, bond, transaction: hash },
        () =>
          `Opened challenge ${challengeId} against maker ${o.manufacturer}, bond ${formatDimo(bond)}. [d]Council rules within the ruling period. Transaction ${hash}.`,
      );
    });

  writeCommand(challenge.command("rule <challengeId>"))
    .description("[d]Council: rule on a challenge")
    .option("--uphold", "the challenger is right (bond returned; a maker may be slashed)")
    .option("--dismiss", "the challenger is wrong (the bond is burned)")
    .option("--burn <dimo>", "with --uphold against a maker: burn this much of its licence stake", dimoAmount)
    .requiredOption("--ruling <uri>", "the ruling's reasons", uri)
    .action(
      async (
        id: string,
        o: CommonOptions & { uphold?: boolean; dismiss?: boolean; burn?: bigint; ruling: string },
      ) => {
        const challengeId = tokenId(id);
        if (Boolean(o.uphold) === Boolean(o.dismiss))
          throw new CliError("rule one way: --uphold or --dismiss.", ExitCode.Usage);
        if (o.burn !== undefined && !o.uphold)
          throw new CliError("--burn slashes only with --uphold.", ExitCode.Usage);
        const ctx = await context(o);
        const client = hardwareOf(await ctx.writer(`ruling on challenge ${challengeId}`), ctx.network);
        const { hash } = await ruleOnChallenge(client, {
          challengeId,
          upheld: o.uphold === true,
          ...(o.burn !== undefined && { slash: { burn: o.burn, payouts: [] } }),
          rulingURI: o.ruling,
        }).catch(refused);
        const c = await getChallenge(client, challengeId);
        ctx.out.result(
          { challengeId, status: c.status, transaction: hash },
          () => `Challenge ${challengeId}: ${c.status}. Transaction ${hash}.`,
        );
      },
    );

  readCommand(challenge.command("show <challengeId>"))
    .description("a challenge and its outcome")
    .action(async (id: string, o: CommonOptions) => {
      const challengeId = tokenId(id);
      const ctx = await context(o);
      const c = await getChallenge(hardwareOf(await ctx.reader(), ctx.network), challengeId).catch(refused);
      ctx.out.result(
        c,
        () =>
          `Challenge ${challengeId} against ${c.subject === "maker" ? "maker" : "failure report of device"} ${c.subjectId}: ${c.status}; challenger ${c.challenger}, bond ${formatDimo(c.bond)}, opened ${formatTime(c.openedAt)}`,
      );
    });
}
