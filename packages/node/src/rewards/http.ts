import { InvalidInputsHashError, type RewardsInputsStore } from "./store.ts";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * `GET /v1/rewards/inputs/:hash`: serves a published inputs file by its content address, exactly
 * the bytes whose keccak256 is on chain (immutable, so cacheable for ever). Mount it on the
 * node's router; `dimo rewards verify` fetches from here.
 */
export function rewardsInputsRoute(store: RewardsInputsStore) {
  return async (_request: Request, params: Record<string, string>): Promise<Response> => {
    const hash = params.hash ?? "";
    try {
      const bytes = await store.get(hash);
      if (!bytes)
        return json(404, { code: "not_found", message: `No rewards inputs file ${hash} on this node.` });
      return new Response(bytes as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: {
          "content-type": "application/json",
          etag: `"${hash}"`,
          "cache-control": "public, max-age=31536000, immutable",
        },
      });
    } catch (error) {
      if (error instanceof InvalidInputsHashError)
        return json(400, { code: "invalid_hash", message: error.message });
      throw error;
    }
  };
}
