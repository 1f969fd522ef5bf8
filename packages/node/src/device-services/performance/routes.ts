/**
 * Device performance over HTTP. Per maker, per model and for the whole network the aggregates
 * are public: the seed wants buyers to choose devices by their makers' record. One device's
 * health (when it is heard from, which says when its car is used) is for its owner, its maker
 * and the operator only.
 */
import { type Address, getAddress, isAddress } from "viem";
import type { KeyRing } from "../../auth/keyRing.ts";
import { verifyDeveloperToken } from "../../auth/tokens.ts";
import type { IdentityIndex } from "../../identity/index.ts";
import { DeviceServiceError, DeviceServiceForbiddenError, DeviceServiceNotFoundError } from "../errors.ts";
import { type Route, requireOperator } from "../http.ts";
import type { PerformanceEvidence } from "./evidence.ts";
import type { DevicePerformance } from "./performance.ts";

/** Who is asking: the address a bearer token proves, or undefined without one. */
export type Authenticate = (request: Request) => Promise<Address | undefined>;

/** Developer and wallet tokens of the node's API (sign-in at /auth/web3/…): the holder's address. */
export function apiTokenAuthenticator(keys: KeyRing, issuer: string): Authenticate {
  return async (request) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!token) return undefined;
    try {
      return (await verifyDeveloperToken(keys, issuer, token)).address;
    } catch {
      return undefined;
    }
  };
}

function idOf(text: string, what: string): bigint {
  if (!/^[0-9]{1,78}$/.test(text))
    throw new DeviceServiceError(`${what} ${JSON.stringify(text.slice(0, 80))} is not a token id.`);
  return BigInt(text);
}

export function performanceRoutes(
  performance: DevicePerformance,
  o: {
    evidence?: PerformanceEvidence;
    identity?: Pick<IdentityIndex, "getDevice" | "getManufacturer">;
    authenticate?: Authenticate;
    operatorToken?: string;
  },
): Route[] {
  const mayRead = async (request: Request, device: { deviceId?: string; manufacturerId?: string }) => {
    try {
      requireOperator(request, o.operatorToken);
      return;
    } catch {
      // not the operator: the owner or the maker, then
    }
    const who = await o.authenticate?.(request);
    if (who && o.identity && device.deviceId !== undefined) {
      const onChain = await o.identity.getDevice({ tokenId: BigInt(device.deviceId) });
      if (onChain?.owner === who) return;
      const maker = await o.identity.getManufacturer({ tokenId: onChain?.manufacturerId ?? -1n });
      if (maker?.owner === who) return;
    }
    throw new DeviceServiceForbiddenError(
      "A device's health is for its owner, its maker and the node operator.",
      {
        details:
          "Sign in (POST /auth/web3/…) with the owner's or the maker's wallet and send the token as a bearer.",
      },
    );
  };
  return [
    {
      method: "GET",
      pattern: "/v1/device-performance",
      handle: async () => Response.json(performance.group()),
    },
    {
      method: "GET",
      pattern: "/v1/device-performance/manufacturers/:id",
      handle: async (_r, p) =>
        Response.json(performance.group({ manufacturerId: idOf(p.id!, "manufacturer") })),
    },
    {
      method: "GET",
      pattern: "/v1/device-performance/models/:id",
      handle: async (_r, p) => Response.json(performance.group({ modelId: idOf(p.id!, "model") })),
    },
    {
      method: "GET",
      pattern: "/v1/device-performance/devices/:device",
      handle: async (request, p) => {
        const key = p.device!;
        const health = isAddress(key, { strict: false })
          ? performance.health(getAddress(key))
          : performance.health(idOf(key, "device"));
        if (!health)
          throw new DeviceServiceNotFoundError(`The node has not heard from device ${key.slice(0, 80)}.`);
        await mayRead(request, health);
        return Response.json(health, { headers: { "cache-control": "private, no-store" } });
      },
    },
    {
      method: "GET",
      pattern: "/v1/device-performance/evidence/:sha256",
      handle: async (_r, p) => {
        const text = await o.evidence?.get(p.sha256!);
        if (!text) throw new DeviceServiceNotFoundError(`No evidence ${p.sha256!.slice(0, 80)}.`);
        return new Response(text, {
          headers: {
            "content-type": "application/json",
            "cache-control": "public, max-age=31536000, immutable",
          },
        });
      },
    },
  ];
}
