import { vehicleIdAbi } from "@dimo-open/protocol";
import { type Address, getAddress } from "viem";
import { verifyDeveloperToken } from "../../auth/tokens.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { bearerToken } from "../http.ts";
import type { ApiServices } from "../services.ts";

/**
 * `GET /v1/vehicles/:tokenId/access-log`: the owner (signed in with their wallet through
 * /auth/web3/*) sees every token exchange and data query made for their vehicle, by whom, when,
 * for what, and whether it was served. No peer offers owners this.
 */
export function accessLogRoute(s: ApiServices) {
  return async (request: Request, params: { tokenId: string }): Promise<Response> => {
    const caller = await verifyDeveloperToken(s.keys, s.issuer, bearerToken(request));
    s.ipLimiter.take(caller.address);
    if (!/^[0-9]{1,78}$/.test(params.tokenId)) {
      throw badRequest(
        "invalid_token_id",
        `Vehicle token id ${JSON.stringify(params.tokenId)} must be a decimal integer.`,
      );
    }
    const tokenId = BigInt(params.tokenId);
    let owner: Address;
    try {
      owner = getAddress(
        await s.options.chain.publicClient.readContract({
          address: s.options.chain.addresses.vehicleId,
          abi: vehicleIdAbi,
          functionName: "ownerOf",
          args: [tokenId],
        }),
      );
    } catch {
      throw notFound("NOT_FOUND", `No vehicle with token id ${tokenId}.`);
    }
    if (owner !== caller.address) {
      throw forbidden(
        "not_owner",
        `Only the owner of vehicle ${tokenId} (${owner}) may read its access log; you are ${caller.address}.`,
      );
    }
    const url = new URL(request.url);
    const before = url.searchParams.get("before");
    if (before && Number.isNaN(Date.parse(before))) {
      throw badRequest("invalid_time", `\`before\` ${JSON.stringify(before)} is not an ISO 8601 time.`);
    }
    const limit = Number(url.searchParams.get("limit") ?? "100");
    const entries = await s.accessLog.list(tokenId, {
      ...(before ? { beforeMs: Date.parse(before) } : {}),
      limit: Number.isFinite(limit) ? limit : 100,
    });
    return Response.json({
      vehicleTokenId: tokenId.toString(),
      entries: entries.map((e) => ({
        at: new Date(e.at).toISOString(),
        grantee: e.grantee,
        developerLicenseId: e.licenseId.toString(),
        operation: e.operation,
        fields: e.fields,
        requestId: e.requestId,
        outcome: e.outcome,
      })),
    });
  };
}
