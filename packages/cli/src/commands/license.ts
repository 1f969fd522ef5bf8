/**
 * `dimo license create|show|signer add|signer remove|redirect add`: developer licences. A
 * licence's client id (an ERC-1271 account) is what apps sign in as; its signers are the keys
 * that may sign in for it; its redirect URIs are the sign-in domains.
 */
import {
  disableSigner,
  enableSigner,
  getDevLicense,
  isDevLicenseSigner,
  issueDevLicense,
  setRedirectUri,
} from "@dimo-open/protocol";
import { type Command, InvalidArgumentError } from "commander";
import type { Address } from "viem";
import { address, duration, tokenId } from "../args.ts";
import { refused } from "../chain.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatTime } from "../output.ts";
import { type CommonOptions, context, readCommand, writeCommand } from "./common.ts";

function alias(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(value))
    throw new InvalidArgumentError(`an alias is 1–63 lowercase letters, digits and dashes, got "${value}".`);
  return value;
}

function redirectUri(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an http(s) URL such as https://app.example, got "${value}".`);
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || value.length > 512)
    throw new InvalidArgumentError(
      `a redirect URI is an http(s) URL of at most 512 characters, got "${value}".`,
    );
  return value;
}

export function registerLicenseCommands(program: Command): void {
  const license = program
    .command("license")
    .description("developer licences: create, show, signers, redirect URIs");

  writeCommand(license.command("create"))
    .description("issue a developer licence to the signer (its client id is what the app signs in as)")
    .option("--alias <alias>", "a unique, readable name for the app", alias)
    .action(async (o: CommonOptions & { alias?: string }) => {
      const ctx = await context(o);
      const client = await ctx.writer("issuing a developer licence");
      const {
        tokenId: licenseId,
        clientId,
        hash,
      } = await issueDevLicense(client, o.alias ? { alias: o.alias } : {}).catch(refused);
      ctx.out.result(
        { licenseId, clientId, alias: o.alias ?? null, owner: client.account.address, transaction: hash },
        () =>
          `Issued developer licence ${licenseId}${o.alias ? ` (${o.alias})` : ""}, client id ${clientId}.\nNext: dimo license signer add ${licenseId} <signer address>; dimo license redirect add ${licenseId} <https://your.app>`,
      );
    });

  readCommand(license.command("show <licenseId>"))
    .description("a licence: owner, client id, alias, redirect URIs")
    .action(async (id: string, o: CommonOptions) => {
      const licenseId = tokenId(id);
      const ctx = await context(o);
      const info = await getDevLicense(await ctx.reader(), licenseId).catch(() => {
        throw new CliError(
          `developer licence ${licenseId} does not exist on this network.`,
          ExitCode.Refused,
        );
      });
      ctx.out.result(info, () =>
        [
          `Licence ${licenseId}${info.alias ? ` (${info.alias})` : ""}`,
          `  Owner          ${info.owner}`,
          `  Client id      ${info.clientId}`,
          `  Redirect URIs  ${info.redirectUris.join(", ") || "none"}`,
        ].join("\n"),
      );
    });

  const signer = license.command("signer").description("the keys that may sign in for a licence");
  writeCommand(signer.command("add <licenseId> <signer>"))
    .description("enable a signer (the licence owner)")
    .option("--for <duration>", "how long the signer stays enabled", duration, 365 * 86_400)
    .action(async (id: string, who: string, o: CommonOptions & { for: number }) => {
      const licenseId = tokenId(id);
      const signerAddress: Address = address(who);
      const ctx = await context(o);
      const client = await ctx.writer(`enabling a signer of licence ${licenseId}`);
      const expiresAt = BigInt(Math.floor(Date.now() / 1000) + o.for);
      const { hash } = await enableSigner(client, {
        tokenId: licenseId,
        signer: signerAddress,
        expiresAt,
      }).catch(refused);
      ctx.out.result(
        { licenseId, signer: signerAddress, expiresAt: Number(expiresAt), transaction: hash },
        () =>
          `Signer ${signerAddress} may sign in for licence ${licenseId} until ${formatTime(expiresAt)}. Transaction ${hash}.`,
      );
    });
  writeCommand(signer.command("remove <licenseId> <signer>"))
    .description("disable a signer (the licence owner)")
    .action(async (id: string, who: string, o: CommonOptions) => {
      const licenseId = tokenId(id);
      const signerAddress: Address = address(who);
      const ctx = await context(o);
      const client = await ctx.writer(`disabling a signer of licence ${licenseId}`);
      if (!(await isDevLicenseSigner(client, { tokenId: licenseId, signer: signerAddress })))
        throw new CliError(
          `${signerAddress} is not an enabled signer of licence ${licenseId}; nothing to remove.`,
          ExitCode.Refused,
        );
      const { hash } = await disableSigner(client, { tokenId: licenseId, signer: signerAddress }).catch(
        refused,
      );
      ctx.out.result(
        { licenseId, signer: signerAddress, removed: true, transaction: hash },
        () => `Signer ${signerAddress} removed from licence ${licenseId}. Transaction ${hash}.`,
      );
    });

  const redirect = license.command("redirect").description("a licence's redirect URIs (sign-in domains)");
  writeCommand(redirect.command("add <licenseId> <uri>"))
    .description("add a redirect URI (the licence owner)")
    .action(async (id: string, raw: string, o: CommonOptions) => {
      const licenseId = tokenId(id);
      const uri = redirectUri(raw);
      const ctx = await context(o);
      const client = await ctx.writer(`adding a redirect URI to licence ${licenseId}`);
      const { hash } = await setRedirectUri(client, { tokenId: licenseId, uri, enabled: true }).catch(
        refused,
      );
      ctx.out.result(
        { licenseId, uri, transaction: hash },
        () => `Licence ${licenseId} accepts sign-ins for ${uri}. Transaction ${hash}.`,
      );
    });
}
