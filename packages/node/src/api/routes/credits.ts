import { timingSafeEqual } from "node:crypto";
import { verifyDeveloperToken } from "../../auth/tokens.ts";
import { PRICE_LIST } from "../../billing/prices.ts";
import { badRequest, forbidden, unauthorized } from "../errors.ts";
import { bearerToken, readJsonObject } from "../http.ts";
import type { ApiServices } from "../services.ts";

const DAY_MS = 86_400_000;

/** Prices, a licence's balance and usage report, and the operator's top-up. */
export function creditRoutes(s: ApiServices) {
  const licenseOf = async (request: Request) => {
    const developer = await verifyDeveloperToken(s.keys, s.issuer, bearerToken(request));
    if (developer.licenseId === undefined) {
      throw forbidden(
        "not_a_license",
        "Credits belong to developer licences; sign in with a licence's client id.",
      );
    }
    s.licenseLimiter.take(developer.address);
    return developer.licenseId;
  };
  return {
    async prices() {
      return Response.json(PRICE_LIST, { headers: { "cache-control": "public, max-age=3600" } });
    },
    async balance(request: Request) {
      const licenseId = await licenseOf(request);
      return Response.json({ licenseId: licenseId.toString(), balance: await s.ledger.balance(licenseId) });
    },
    /** `GET /v1/credits/usage?from=<ISO>&to=<ISO>`: requests and credits per vehicle and operation. */
    async usage(request: Request) {
      const licenseId = await licenseOf(request);
      const url = new URL(request.url);
      const to = timeParam(url, "to", Date.now());
      const from = timeParam(url, "from", to - 30 * DAY_MS);
      if (from >= to) throw badRequest("invalid_range", "`from` must be before `to`.");
      const lines = await s.ledger.usage(licenseId, from, to);
      return Response.json({
        licenseId: licenseId.toString(),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        totalCredits: lines.reduce((sum, l) => sum + l.credits, 0),
        vehicles: lines.map((l) => ({ ...l, vehicleId: l.vehicleId.toString() })),
        balance: await s.ledger.balance(licenseId),
      });
    },
    /** `POST /v1/credits/topup {licenseId, credits, note}` with the operator's bearer token. */
    async topUp(request: Request) {
      const expected = s.options.credits?.operatorToken;
      const given = bearerToken(request);
      if (!expected || !given || !sameSecret(given, expected)) {
        throw unauthorized(
          "operator_only",
          "Top-ups need the node operator's token (credits.operatorToken).",
        );
      }
      const body = await readJsonObject(request);
      const id = body.licenseId;
      if (
        !(typeof id === "string" && /^[0-9]{1,78}$/.test(id)) &&
        !(typeof id === "number" && Number.isSafeInteger(id))
      ) {
        throw badRequest("invalid_license", `licenseId ${JSON.stringify(id)} must be a decimal token id.`);
      }
      const balance = await s.ledger.topUp(BigInt(id), Number(body.credits), String(body.note ?? ""));
      return Response.json({ licenseId: String(id), balance });
    },
  };
}

function timeParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (!text) return fallback;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw badRequest("invalid_time", `\`${name}\` ${JSON.stringify(text)} is not an ISO 8601 time.`);
  return ms;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
