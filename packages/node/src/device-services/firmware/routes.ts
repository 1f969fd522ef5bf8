/**
 * OTA over HTTP. Makers: publish a signed manifest, upload its image, send signed rollout orders
 * (their signatures are the authorisation; no account on the node is needed). Devices: ask for
 * the release they should install and download its image.
 */
import { Readable } from "node:stream";
import { DeviceServiceError } from "../errors.ts";
import { type Route, readJson } from "../http.ts";
import type { SignedFirmwareManifest, SignedFirmwareRollout } from "./manifest.ts";
import type { FirmwareRelease, FirmwareReleases } from "./releases.ts";

/** JSON of a release (bigint as a decimal string). */
export function releaseJson(r: FirmwareRelease) {
  return { ...r, manufacturerId: r.manufacturerId.toString() };
}

function manufacturerIdOf(value: unknown): bigint {
  if (
    (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === "string" && /^[0-9]{1,78}$/.test(value))
  ) {
    return BigInt(value);
  }
  throw new DeviceServiceError(`manufacturerId ${JSON.stringify(value)} must be a non-negative integer.`);
}

async function* bodyChunks(request: Request): AsyncIterable<Uint8Array> {
  if (!request.body) return;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

export function firmwareRoutes(releases: FirmwareReleases): Route[] {
  return [
    {
      method: "POST",
      pattern: "/v1/firmware/releases",
      handle: async (request) => {
        const body = (await readJson(request, 64 * 1024)) as {
          manufacturerId?: unknown;
        } & Partial<SignedFirmwareManifest>;
        const release = await releases.publish({
          manufacturerId: manufacturerIdOf(body?.manufacturerId),
          signed: { manifest: body.manifest!, signature: body.signature! },
        });
        return Response.json(releaseJson(release), { status: 201 });
      },
    },
    {
      method: "GET",
      pattern: "/v1/firmware/releases",
      handle: async (request) => {
        const id = manufacturerIdOf(new URL(request.url).searchParams.get("manufacturerId"));
        return Response.json((await releases.list(id)).map(releaseJson));
      },
    },
    {
      method: "GET",
      pattern: "/v1/firmware/releases/:id",
      handle: async (_request, p) => {
        const release = await releases.get(p.id!);
        if (!release)
          return Response.json(
            { code: 404, error: "not_found", message: "No such release." },
            { status: 404 },
          );
        return Response.json(releaseJson(release));
      },
    },
    {
      method: "PUT",
      pattern: "/v1/firmware/releases/:id/image",
      handle: async (request, p) =>
        Response.json(releaseJson(await releases.putImage(p.id!, bodyChunks(request)))),
    },
    {
      method: "POST",
      pattern: "/v1/firmware/releases/:id/rollout",
      handle: async (request, p) =>
        Response.json(
          releaseJson(
            await releases.applyRollout(p.id!, (await readJson(request, 16 * 1024)) as SignedFirmwareRollout),
          ),
        ),
    },
    {
      method: "GET",
      pattern: "/v1/firmware/eth-addr/:address/update",
      handle: async (request, p) => {
        const q = new URL(request.url).searchParams;
        const hardware = q.get("hardware");
        const version = q.get("version");
        if (!hardware || !version) {
          throw new DeviceServiceError(
            "Ask with ?hardware=<board>&version=<running X.Y.Z>[&group=<rollout group>].",
          );
        }
        const group = q.get("group");
        const offer = await releases.offerFor(p.address!, { hardware, version, ...(group && { group }) });
        if (!offer) return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
        return Response.json(offer, { headers: { "cache-control": "no-store" } });
      },
    },
    {
      method: "GET",
      pattern: "/v1/firmware/images/:sha256",
      handle: async (_request, p) => {
        const { size, stream } = await releases.image(p.sha256!);
        return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
          headers: {
            "content-type": "application/octet-stream",
            "content-length": String(size),
            "cache-control": "public, max-age=31536000, immutable",
          },
        });
      },
    },
  ];
}
