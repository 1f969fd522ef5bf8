import { privilegeTokenName } from "@dimo-open/protocol";
import { exchangeVehicleToken, parseExchangeRequest } from "../../auth/exchange.ts";
import { verifyDeveloperToken } from "../../auth/tokens.ts";
import { PRICE_LIST } from "../../billing/prices.ts";
import { ApiError } from "../errors.ts";
import { bearerToken, clientIp, readJsonObject, type ServerContext } from "../http.ts";
import { requestIdOf } from "../requestId.ts";
import type { ApiServices } from "../services.ts";

/** `POST /v1/tokens/exchange`: a developer token and an on-chain grant in, a vehicle token out. */
export function exchangeRoute(s: ApiServices) {
  const trustProxy = s.options.rateLimits?.trustProxy ?? false;
  const options = {
    chain: s.options.chain,
    chainId: s.options.chainId,
    keys: s.keys,
    issuer: s.issuer,
    tokenLifetimeSeconds: s.options.tokens?.vehicleLifetimeSeconds ?? 600,
  };
  return async (request: Request, context?: ServerContext): Promise<Response> => {
    s.ipLimiter.take(clientIp(request, context, trustProxy));
    const developer = await verifyDeveloperToken(s.keys, s.issuer, bearerToken(request));
    s.licenseLimiter.take(developer.address);
    const requestId = requestIdOf(request);
    const parsed = parseExchangeRequest(
      await readJsonObject(request),
      s.options.chain.addresses.vehicleId,
      s.options.chainId,
    );
    const entry = {
      at: Date.now(),
      vehicleId: parsed.tokenId,
      grantee: developer.address,
      licenseId: developer.licenseId ?? 0n,
      operation: "token_exchange" as const,
      fields: parsed.privileges.map(privilegeTokenName),
      requestId,
    };
    try {
      const result = await exchangeVehicleToken(options, developer, parsed);
      if (developer.licenseId !== undefined && PRICE_LIST.tokenExchange > 0) {
        await s.ledger.charge({
          requestId,
          licenseId: developer.licenseId,
          vehicleId: parsed.tokenId,
          operation: "token_exchange",
          credits: PRICE_LIST.tokenExchange,
        });
      }
      s.accessLog.record({ ...entry, outcome: "ok" });
      s.metrics.exchanges.inc({ outcome: "ok" });
      return Response.json({ token: result.token }, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      const outcome = error instanceof ApiError ? error.error : "error";
      if (developer.licenseId !== undefined) s.accessLog.record({ ...entry, outcome });
      s.metrics.exchanges.inc({ outcome });
      throw error;
    }
  };
}
