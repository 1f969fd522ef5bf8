import { getGrantedPrivileges, parseErc721Did } from "@dimo-open/protocol";
import { findSignal, isKnownEvent, SIGNALS } from "@dimo-open/signals";
import { type DeveloperIdentity, verifyDeveloperToken } from "../../auth/tokens.ts";
import type { IdentityIndex } from "../../identity/index.ts";
import { compileCondition } from "../../webhooks/condition.ts";
import { WebhookEngine } from "../../webhooks/engine.ts";
import { newWebhookSecret } from "../../webhooks/signature.ts";
import type { Webhook, WebhookStore } from "../../webhooks/store.ts";
import { checkTargetUrl, verifyTarget } from "../../webhooks/target.ts";
import { ApiError, badRequest, forbidden, notFound } from "../errors.ts";
import { bearerToken, readJsonObject } from "../http.ts";
import type { ApiServices } from "../services.ts";

const MAX_COOLDOWN = 7 * 24 * 3600;

/** What an app sees of a webhook: never its secret. */
function view(h: Webhook) {
  return {
    id: h.id,
    service: h.service,
    metricName: h.metricName,
    condition: h.condition,
    coolDownPeriod: h.coolDownPeriod,
    targetURL: h.targetURL,
    description: h.description,
    displayName: h.displayName,
    status: h.status,
    failureCount: h.failureCount,
    createdAt: new Date(h.createdAt).toISOString(),
  };
}

/** `/v1/webhooks…` exactly where the data-sdk's VehicleTriggers resource calls them. */
export function webhookRoutes(
  s: ApiServices,
  store: WebhookStore,
  options: { identity?: IdentityIndex; allowPrivateTargets: boolean },
) {
  const developerOf = async (request: Request): Promise<DeveloperIdentity & { licenseId: bigint }> => {
    const dev = await verifyDeveloperToken(s.keys, s.issuer, bearerToken(request));
    if (dev.licenseId === undefined)
      throw forbidden("not_a_license", "Webhooks belong to developer licences.");
    s.licenseLimiter.take(dev.address);
    return dev as DeveloperIdentity & { licenseId: bigint };
  };
  const own = async (request: Request, id: string) => {
    const dev = await developerOf(request);
    const hook = await store.get(id);
    if (!hook || hook.licenseId !== dev.licenseId)
      throw notFound("webhook_not_found", `No webhook ${id} for this licence.`);
    return { dev, hook };
  };
  const vehicleOf = (text: string): bigint => {
    if (/^[0-9]{1,20}$/.test(text)) return BigInt(text);
    try {
      const did = parseErc721Did(text);
      if (did.contract !== s.options.chain.addresses.vehicleId || did.chainId !== s.options.chainId) {
        throw badRequest("invalid_vehicle", `${text} is not a vehicle of this node's chain.`);
      }
      return did.tokenId;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw badRequest("invalid_vehicle", `${JSON.stringify(text)} is neither a vehicle DID nor a token id.`);
    }
  };
  /** Validates a webhook definition; the condition is compiled against the metric's type. */
  const definition = (body: Record<string, unknown>, base?: Webhook) => {
    const service = body.service ?? base?.service;
    if (service !== "signals" && service !== "events")
      throw badRequest("invalid_service", '`service` must be "signals" or "events".');
    const metricName = String(body.metricName ?? base?.metricName ?? "");
    if (service === "signals" && !findSignal(metricName))
      throw badRequest(
        "invalid_metric",
        `Unknown signal ${JSON.stringify(metricName)}; see GET /v1/webhooks/signals.`,
      );
    if (service === "events" && !isKnownEvent(metricName))
      throw badRequest("invalid_metric", `Unknown event ${JSON.stringify(metricName)}.`);
    const condition = String(body.condition ?? base?.condition ?? "");
    compileCondition(condition, service === "events" ? "event" : findSignal(metricName)!.dataType);
    const coolDownPeriod = Number(body.coolDownPeriod ?? base?.coolDownPeriod ?? 0);
    if (!Number.isInteger(coolDownPeriod) || coolDownPeriod < 0 || coolDownPeriod > MAX_COOLDOWN) {
      throw badRequest("invalid_cooldown", `coolDownPeriod must be whole seconds from 0 to ${MAX_COOLDOWN}.`);
    }
    const status = body.status ?? base?.status ?? "enabled";
    if (status !== "enabled" && status !== "disabled")
      throw badRequest("invalid_status", '`status` must be "enabled" or "disabled".');
    return {
      service,
      metricName,
      condition,
      coolDownPeriod,
      targetURL: checkTargetUrl(body.targetURL ?? base?.targetURL, options.allowPrivateTargets),
      description: String(body.description ?? base?.description ?? "").slice(0, 500),
      displayName: String(body.displayName ?? base?.displayName ?? "").slice(0, 100),
      status,
    } as const;
  };

  return {
    async list(request: Request) {
      const dev = await developerOf(request);
      return Response.json((await store.listByLicense(dev.licenseId)).map(view));
    },
    async create(request: Request) {
      const dev = await developerOf(request);
      const body = await readJsonObject(request);
      const def = definition(body);
      const token = body.verificationToken;
      if (typeof token !== "string" || token.length < 8 || token.length > 256) {
        throw badRequest(
          "invalid_verification_token",
          "`verificationToken` must be 8–256 characters; your target echoes it back.",
        );
      }
      if ((await store.listByLicense(dev.licenseId)).length >= 100) {
        throw new ApiError(409, "too_many_webhooks", "A licence has at most 100 webhooks; delete one first.");
      }
      await verifyTarget(def.targetURL, token);
      const hook = await store.create({
        ...def,
        licenseId: dev.licenseId,
        clientId: dev.address,
        secret: newWebhookSecret(),
      });
      return Response.json(
        { id: hook.id, message: "Webhook created successfully", secret: hook.secret, webhook: view(hook) },
        { status: 201 },
      );
    },
    async update(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      const raw = await readJsonObject(request);
      // The data-sdk wraps the fields in `request`.
      const body = (raw.request && typeof raw.request === "object" ? raw.request : raw) as Record<
        string,
        unknown
      >;
      const def = definition(body, hook);
      if (def.targetURL !== hook.targetURL) {
        if (typeof body.verificationToken !== "string")
          throw badRequest(
            "invalid_verification_token",
            "A new targetURL needs a `verificationToken` to verify it.",
          );
        await verifyTarget(def.targetURL, body.verificationToken);
      }
      const updated = { ...hook, ...def, failureCount: def.status === "enabled" ? 0 : hook.failureCount };
      await store.update(updated);
      return Response.json({ id: hook.id, message: "Webhook updated successfully", webhook: view(updated) });
    },
    async remove(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      await store.delete(hook.id);
      return Response.json({ id: hook.id, message: "Webhook deleted successfully" });
    },
    async signalNames(request: Request) {
      await developerOf(request);
      return Response.json(SIGNALS.map((x) => x.name));
    },
    async subscribed(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      const vehicles = await store.vehiclesOf(hook.id);
      return Response.json(
        vehicles.map((v) => `did:erc721:${s.options.chainId}:${s.options.chain.addresses.vehicleId}:${v}`),
      );
    },
    async forVehicle(request: Request, params: Record<string, string>) {
      const dev = await developerOf(request);
      return Response.json(
        (await store.webhooksForVehicle(dev.licenseId, vehicleOf(params.tokenDID!))).map(view),
      );
    },
    async subscribe(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      const vehicleId = vehicleOf(params.tokenDID!);
      const needed = WebhookEngine.privilegesFor(hook);
      const held = await getGrantedPrivileges(s.options.chain, {
        tokenId: vehicleId,
        grantee: hook.clientId,
        wanted: needed,
      });
      if (held.length === 0) {
        throw forbidden(
          "missing_privileges",
          `Licence ${hook.clientId} holds none of privileges [${needed.join(", ")}] on vehicle ${vehicleId}; the owner must grant one first.`,
        );
      }
      await store.subscribe(hook.id, vehicleId);
      s.accessLog.record({
        at: Date.now(),
        vehicleId,
        grantee: hook.clientId,
        licenseId: hook.licenseId,
        operation: "webhook_subscribe",
        fields: [hook.metricName],
        requestId: hook.id,
        outcome: "ok",
      });
      return Response.json({ message: `Subscribed vehicle ${vehicleId} to webhook ${hook.id}` });
    },
    async subscribeAll(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      if (!options.identity)
        throw new ApiError(
          503,
          "identity_unavailable",
          "This node serves no identity index to find your vehicles.",
        );
      let after: string | undefined;
      let count = 0;
      for (;;) {
        const page = await options.identity.listVehicles({
          privileged: hook.clientId,
          first: 100,
          ...(after ? { after } : {}),
        });
        for (const v of page.nodes) {
          await store.subscribe(hook.id, v.tokenId);
          count++;
        }
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
        after = page.pageInfo.endCursor;
      }
      return Response.json({ message: `Subscribed ${count} vehicles to webhook ${hook.id}` });
    },
    async unsubscribe(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      const removed = await store.unsubscribe(hook.id, vehicleOf(params.tokenDID!));
      return Response.json({ message: `Unsubscribed ${removed} vehicle(s) from webhook ${hook.id}` });
    },
    async unsubscribeAll(request: Request, params: Record<string, string>) {
      const { hook } = await own(request, params.webhookId!);
      const removed = await store.unsubscribe(hook.id);
      return Response.json({ message: `Unsubscribed ${removed} vehicle(s) from webhook ${hook.id}` });
    },
  };
}
