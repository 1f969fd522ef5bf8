/**
 * How an owner reads their own vehicle's telemetry through the node. The node serves telemetry
 * only to vehicle tokens, which only developer licences get (by token exchange against an
 * on-chain grant). So the console first tries the owner's own sign-in (a node that lets owners
 * exchange for their vehicles answers it), and otherwise uses a licence the owner holds and
 * has granted access, offering to set one up: issue a personal licence, enable the owner's
 * key as its signer, add the console as its redirect URI, grant it read access for a year.
 */
import {
  enableSigner,
  getGrantedPrivileges,
  grantPrivileges,
  issueDevLicense,
  setRedirectUri,
} from "@dimo-open/protocol";
import { DimoApiError, type DimoClient, type VehicleToken } from "@dimo-open/sdk";
import { useCallback } from "react";
import { consoleOrigin, useConsole, useMessageSigner, useWriter } from "../../../app/context.tsx";
import { type AsyncState, useAsync } from "../../../ui/async.tsx";
import { useWallet } from "../../../wallet/WalletProvider.tsx";
import { listLicenses, type OwnedLicense, signInBlocker, useLicenseSignIn } from "../../shared.tsx";

/** What the owner's views read: history without location, current and historic location. */
export const OWNER_READ_PRIVILEGES = [1, 3, 4] as const;
const YEAR = 365n * 86400n;

export interface VehicleReader {
  client: DimoClient;
  token: VehicleToken;
  /** "owner" when the node let the owner exchange directly; else the licence used. */
  via: "owner" | OwnedLicense;
}

/** Thrown when no way to read exists yet; the view offers the set-up. */
export class NoReadAccessError extends Error {
  override name = "NoReadAccessError";
}

export function useVehicleReader(
  tokenId: bigint,
): AsyncState<VehicleReader> & { setUp?: () => Promise<void> } {
  const { node, network } = useConsole();
  const { account } = useWallet();
  const signer = useMessageSigner();
  const signInLicense = useLicenseSignIn();
  const writer = useWriter();
  const state = useAsync(async (): Promise<VehicleReader> => {
    if (!account || !signer || !signInLicense)
      throw new NoReadAccessError("Choose an account to read this vehicle.");
    const privileges = [...OWNER_READ_PRIVILEGES];
    try {
      const own = await node.asAccount({ address: account.address, signer, domain: consoleOrigin() });
      return { client: own, token: await own.exchange({ tokenId, privileges }), via: "owner" };
    } catch (error) {
      if (!(error instanceof DimoApiError) || error.status !== 403) throw error;
    }
    for (const license of await listLicenses(network, account.address)) {
      if (signInBlocker(license)) continue;
      const held = await getGrantedPrivileges(network.reader, {
        tokenId,
        grantee: license.clientId,
        wanted: privileges,
      });
      if (held.length < privileges.length) continue;
      const client = await signInLicense(license);
      return { client, token: await client.exchange({ tokenId, privileges }), via: license };
    }
    throw new NoReadAccessError(
      "The node serves telemetry to developer licences only, and none of yours can read this vehicle yet.",
    );
  }, [tokenId, account?.address, signer, node, network]);

  const setUp = useCallback(async () => {
    if (!writer || !account) throw new Error("Choose an account first.");
    const now = BigInt(Math.floor(Date.now() / 1000));
    const mine = await listLicenses(network, account.address);
    let license = mine.find((l) => !signInBlocker(l)) ?? mine[0];
    let tokenId_ = license?.tokenId;
    if (!license) tokenId_ = (await issueDevLicense(writer)).tokenId;
    if (!license?.accountIsSigner)
      await enableSigner(writer, { tokenId: tokenId_!, signer: account.address, expiresAt: now + YEAR });
    if (!license?.redirectUris.includes(consoleOrigin()))
      await setRedirectUri(writer, { tokenId: tokenId_!, uri: consoleOrigin(), enabled: true });
    license = (await listLicenses(network, account.address)).find((l) => l.tokenId === tokenId_)!;
    await grantPrivileges(writer, {
      tokenId,
      grantee: license.clientId,
      privileges: [...OWNER_READ_PRIVILEGES],
      expiration: now + YEAR,
      source: `${consoleOrigin()}/#/owner/vehicles/${tokenId}`,
    });
    state.reload();
  }, [writer, account, network, tokenId, state]);

  return { ...state, ...(writer ? { setUp } : {}) };
}
