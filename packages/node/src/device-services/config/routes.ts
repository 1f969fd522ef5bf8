/**
 * Device configuration over HTTP. For devices (no credentials, as DIMO): the URLs of their
 * configuration and the versioned documents, which never change once published (immutable
 * caching). For the operator (bearer token): templates, settings, DBCs and rules.
 */
import { DeviceServiceError } from "../errors.ts";
import { baseUrlOf, type Route, readBytes, readJson, requireOperator } from "../http.ts";
import type { ConfigTemplateInput, DeviceConfigService, TemplateRule } from "./config-service.ts";
import { type DocumentKind, MAX_DOCUMENT_BYTES } from "./documents.ts";
import type { VersionBump } from "./versions.ts";
import { parseVersionedName } from "./versions.ts";

function bumpOf(request: Request): VersionBump {
  const bump = new URL(request.url).searchParams.get("bump") ?? "patch";
  if (bump !== "major" && bump !== "minor" && bump !== "patch") {
    throw new DeviceServiceError(`bump=${bump.slice(0, 20)} is not major, minor or patch.`);
  }
  return bump;
}

export function configRoutes(
  config: DeviceConfigService,
  o: { publicUrl?: string; operatorToken?: string },
): Route[] {
  const document = (kind: DocumentKind) => async (_request: Request, params: Record<string, string>) => {
    const { name, version } = parseVersionedName(params.versioned!);
    const doc = await config.document(kind, name, version);
    return new Response(Buffer.from(doc.bytes), {
      headers: {
        "content-type": doc.contentType,
        etag: `"${doc.sha256}"`,
        // name@version names one content forever.
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
  };
  return [
    {
      method: "GET",
      pattern: "/v1/device-config/eth-addr/:address/urls",
      handle: async (request, p) =>
        Response.json(await config.urls(p.address!, baseUrlOf(request, o.publicUrl)), {
          headers: { "cache-control": "no-store" },
        }),
    },
    { method: "GET", pattern: "/v1/device-config/pids/:versioned", handle: document("pids") },
    { method: "GET", pattern: "/v1/device-config/dbc/:versioned", handle: document("dbc") },
    { method: "GET", pattern: "/v1/device-config/settings/:versioned", handle: document("settings") },
    {
      method: "GET",
      pattern: "/v1/device-config/templates",
      handle: async (request) => {
        requireOperator(request, o.operatorToken);
        return Response.json({ templates: await config.listTemplates() });
      },
    },
    {
      method: "PUT",
      pattern: "/v1/device-config/templates/:name",
      handle: async (request, p) => {
        requireOperator(request, o.operatorToken);
        const body = (await readJson(request)) as ConfigTemplateInput;
        return Response.json(await config.putTemplate(p.name!, body, bumpOf(request)));
      },
    },
    {
      method: "PUT",
      pattern: "/v1/device-config/settings/:name",
      handle: async (request, p) => {
        requireOperator(request, o.operatorToken);
        return Response.json(
          await config.putSettings(p.name!, await readJson(request, 64 * 1024), bumpOf(request)),
        );
      },
    },
    {
      method: "PUT",
      pattern: "/v1/device-config/dbc/:name",
      handle: async (request, p) => {
        requireOperator(request, o.operatorToken);
        const bytes = await readBytes(request, MAX_DOCUMENT_BYTES);
        return Response.json(await config.putDbc(p.name!, bytes, bumpOf(request)));
      },
    },
    {
      method: "PUT",
      pattern: "/v1/device-config/rules",
      handle: async (request) => {
        requireOperator(request, o.operatorToken);
        await config.setRule((await readJson(request, 64 * 1024)) as TemplateRule);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "DELETE",
      pattern: "/v1/device-config/rules",
      handle: async (request) => {
        requireOperator(request, o.operatorToken);
        const removed = await config.removeRule((await readJson(request, 64 * 1024)) as TemplateRule);
        return new Response(null, { status: removed ? 204 : 404 });
      },
    },
  ];
}
