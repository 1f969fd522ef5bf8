import { encodePermissions, permissionsToHex } from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, grantToLicense, post, REDIRECT_URI, startApiWorld } from "./e2e.test-support.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary GraphQL JSON
type Json = any;
let w: ApiWorld;

async function identity(query: string, variables?: Record<string, unknown>) {
  const r = await post(`${w.url}/identity/query`, { query, variables });
  return {
    status: r.status,
    body: (await r.json()) as { data?: Json; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

beforeAll(async () => {
  w = await startApiWorld();
  await grantToLicense(w, [1, 4], 3600);
  await w.sync();
});
afterAll(async () => {
  await w?.close();
});

describe("identity GraphQL", () => {
  it("answers the data-sdk's inlined sacds query with the hex permission mask", async () => {
    const { body } = await identity(
      `{ vehicle(tokenId: ${w.vehicleId}) { sacds(first: 100, after: null) { nodes { permissions grantee } totalCount pageInfo { startCursor endCursor } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.vehicle.sacds.totalCount).toBe(1);
    expect(body.data.vehicle.sacds.nodes).toEqual([
      { permissions: permissionsToHex(encodePermissions([1, 4])), grantee: w.clientId },
    ]);
    expect(body.data.vehicle.sacds.nodes[0].permissions).toBe("0x30c");
  });

  it("answers the same with variables, and the vehicle's fields", async () => {
    const { body } = await identity(
      `query V($id: Int!) { vehicle(tokenId: $id) { tokenId tokenDID owner definition { make model year } manufacturer { name }
         privileges(first: 10) { nodes { id user } } } }`,
      { id: Number(w.vehicleId) },
    );
    expect(body.data.vehicle).toEqual({
      tokenId: Number(w.vehicleId),
      tokenDID: `did:erc721:${w.chainId}:${w.chain.addresses.vehicleId}:${w.vehicleId}`,
      owner: w.f.alice.address,
      definition: { make: "Tesla", model: "Model 3", year: 2021 },
      manufacturer: { name: "Fixture Devices" },
      privileges: {
        nodes: [
          { id: 1, user: w.clientId },
          { id: 4, user: w.clientId },
        ],
      },
    });
  });

  it("lists vehicles as a Relay connection with filters and cursors", async () => {
    const { body } = await identity(
      `{ vehicles(first: 1, filterBy: { owner: "${w.f.alice.address}" }) { totalCount edges { cursor node { tokenId } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(body.data.vehicles.totalCount).toBe(1);
    expect(body.data.vehicles.edges[0].node.tokenId).toBe(Number(w.vehicleId));
    expect(body.data.vehicles.pageInfo.hasNextPage).toBe(false);
    const privileged = await identity(
      `{ vehicles(first: 10, filterBy: { privileged: "${w.clientId}" }) { nodes { tokenId } } }`,
    );
    expect(privileged.body.data.vehicles.nodes).toEqual([{ tokenId: Number(w.vehicleId) }]);
  });

  it("looks up developer licences and manufacturers", async () => {
    const { body } = await identity(
      `{ developerLicense(by: { clientId: "${w.clientId}" }) { tokenId alias clientId redirectURIs { uri } signers { address } }
         manufacturer(by: { name: "Fixture Devices" }) { tokenId owner } manufacturers { totalCount } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.developerLicense).toEqual({
      tokenId: Number(w.licenseId),
      alias: "test-app",
      clientId: w.clientId,
      redirectURIs: [{ uri: REDIRECT_URI }],
      signers: [{ address: w.signer.address }],
    });
    expect(body.data.manufacturer.owner).toBe(w.f.maker.address);
    expect(body.data.manufacturers.totalCount).toBe(1);
  });

  it("answers a missing entity with NOT_FOUND and bad paging with BAD_REQUEST", async () => {
    const missing = await identity("{ vehicle(tokenId: 424242) { tokenId } }");
    expect(missing.status).toBe(200);
    expect(missing.body.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    const both = await identity("{ vehicles(first: 1, last: 1) { totalCount } }");
    expect(both.body.errors![0]!.extensions!.code).toBe("BAD_REQUEST");
    const big = await identity("{ vehicles(first: 101) { totalCount } }");
    expect(big.body.errors![0]!.message).toContain("between 0 and 100");
    const invalid = await identity("{ vehicle(tokenId: 1) { nope } }");
    expect(invalid.status).toBe(400);
  });
});
