/**
 * DIMO's command API for apps: `POST /v1/vehicle/{tokenId}/commands/<command>` with a vehicle
 * token → `{requestId}`; `GET /v1/vehicle/{tokenId}/commands/{requestId}` → `{id, command,
 * status: Pending|Complete|Failed, createdAt, updatedAt}` (plus `expiresAt`, `reason`, `result`).
 * `?wait=<seconds>` (at most 30) holds the answer until the command ends: poll or be told.
 * An `Idempotency-Key` header makes a retried POST return the first command instead of a second.
 */
import type { KeyRing } from "../auth/keyRing.ts";
import { verifyVehicleToken } from "../auth/tokens.ts";
import { type DeviceServicesHandler, type Route, readBytes, routeHandler } from "../device-services/http.ts";
import { CommandError } from "./errors.ts";
import type { CommandService } from "./service.ts";
import type { CommandRecord } from "./store.ts";

export interface CommandsHandlerOptions {
  commands: CommandService;
  /** The API's signing keys and issuer (`api.services.keys`, `api.services.issuer`): vehicle tokens. */
  keys: KeyRing;
  issuer: string;
  logError?: (error: unknown) => void;
}

function tokenIdOf(text: string): bigint {
  if (!/^[0-9]{1,78}$/.test(text)) {
    throw new CommandError(
      400,
      "invalid_token_id",
      `Vehicle ${JSON.stringify(text.slice(0, 80))} is not a token id.`,
    );
  }
  return BigInt(text);
}

const bearer = (request: Request) =>
  /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];

export function commandJson(r: CommandRecord) {
  return {
    id: r.id,
    command: r.command,
    status: r.status,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
    ...(r.reason !== undefined && { reason: r.reason }),
    ...(r.result && { result: { ...r.result, at: new Date(r.result.at).toISOString() } }),
  };
}

export function createCommandsHandler(o: CommandsHandlerOptions): DeviceServicesHandler {
  const routes: Route[] = [
    {
      method: "POST",
      pattern: "/v1/vehicle/:tokenId/commands/:group/:action",
      handle: async (request, p) => {
        const tokenId = tokenIdOf(p.tokenId!);
        const grant = await verifyVehicleToken(o.keys, o.issuer, bearer(request));
        const text = Buffer.from(await readBytes(request, 4096))
          .toString("utf8")
          .trim();
        let body: unknown = {};
        if (text) {
          try {
            body = JSON.parse(text);
          } catch {
            throw new CommandError(
              400,
              "invalid_json",
              'The request body is not JSON; send {} or {"expiresInSeconds": n}.',
            );
          }
        }
        if (!body || typeof body !== "object" || Array.isArray(body)) {
          throw new CommandError(400, "invalid_json", "The request body must be a JSON object.");
        }
        const seconds = (body as { expiresInSeconds?: unknown }).expiresInSeconds;
        if (seconds !== undefined && (typeof seconds !== "number" || !Number.isFinite(seconds))) {
          throw new CommandError(400, "invalid_deadline", "expiresInSeconds must be a number of seconds.");
        }
        const key = request.headers.get("idempotency-key") ?? undefined;
        const record = await o.commands.submit({
          tokenId,
          command: `${p.group}/${p.action}`,
          grant,
          ...(seconds !== undefined && { ttlMs: Math.round(seconds * 1000) }),
          ...(key !== undefined && { idempotencyKey: key }),
        });
        return Response.json({ requestId: record.id });
      },
    },
    {
      method: "GET",
      pattern: "/v1/vehicle/:tokenId/commands/:requestId",
      handle: async (request, p) => {
        const tokenId = tokenIdOf(p.tokenId!);
        const grant = await verifyVehicleToken(o.keys, o.issuer, bearer(request));
        const wait = Number(new URL(request.url).searchParams.get("wait") ?? "0");
        if (!Number.isFinite(wait) || wait < 0 || wait > 30) {
          throw new CommandError(400, "invalid_wait", "wait must be 0–30 seconds.");
        }
        const found = await o.commands.get(p.requestId!.slice(0, 64));
        // Only the app that asked, for this vehicle, with the token of this vehicle, sees it.
        if (
          !found ||
          found.vehicleId !== tokenId ||
          grant.tokenId !== tokenId ||
          found.requestedBy !== grant.grantee
        ) {
          throw new CommandError(
            404,
            "not_found",
            `No command ${p.requestId!.slice(0, 64)} of yours on vehicle ${tokenId}.`,
          );
        }
        const record = wait > 0 ? await o.commands.wait(found.id, wait * 1000) : found;
        return Response.json(commandJson(record!));
      },
    },
  ];
  return routeHandler(routes, o.logError);
}
