import {
  createGrantTemplate,
  grantFromTemplate,
  revokeGrant,
  setGrantTemplateActive,
  transferVehicle,
} from "@dimo-open/protocol";
import { createLocalJWKSet, decodeJwt, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { parseSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.ts";
import {
  type ApiWorld,
  exchange,
  grantToLicense,
  OPERATOR_TOKEN,
  post,
  REDIRECT_URI,
  signIn,
  startApiWorld,
} from "./e2e.test-support.ts";
import { createApiServer } from "./server.ts";

let w: ApiWorld;
beforeAll(async () => {
  w = await startApiWorld();
});
afterAll(async () => {
  await w?.close();
});

async function challenge(params: Record<string, string>) {
  const response = await fetch(`${w.url}/auth/web3/generate_challenge?${new URLSearchParams(params)}`, {
    method: "POST",
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe("developer sign-in", () => {
  it("issues an EIP-4361 challenge naming the real chain id and the licence's client id", async () => {
    const { status, body } = await challenge({
      client_id: w.clientId,
      domain: REDIRECT_URI,
      address: w.clientId,
    });
    expect(status).toBe(200);
    const siwe = parseSiweMessage(body.challenge!);
    expect(siwe.chainId).toBe(w.chainId);
    expect(siwe.address).toBe(w.clientId);
    expect(siwe.domain).toBe("app.example.com");
    expect(siwe.uri).toBe(REDIRECT_URI);
    expect(body.state).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it("signs RS256 developer tokens verifiable with the JWKS at /keys", async () => {
    const token = await signIn(w);
    const jwks = createLocalJWKSet(await (await fetch(`${w.url}/keys`)).json());
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: "http://node.test" });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.ethereum_address).toBe(w.clientId);
    expect(payload.aud).toBe(w.clientId);
    expect(payload.exp! - payload.iat!).toBe(14 * 24 * 3600);
  });

  it("refuses a domain that is not one of the licence's redirect URIs, as JSON", async () => {
    const { status, body } = await challenge({ client_id: w.clientId, domain: "https://evil.example.com" });
    expect(status).toBe(403);
    expect(body.error).toBe("invalid_domain");
    expect(body.message).toContain("https://evil.example.com");
  });

  it("refuses a reused challenge state", async () => {
    const { body } = await challenge({ client_id: w.clientId, domain: REDIRECT_URI });
    const signature = await w.signer.signMessage({ message: body.challenge! });
    const form = () =>
      new URLSearchParams({
        client_id: w.clientId,
        domain: REDIRECT_URI,
        grant_type: "authorization_code",
        state: body.state!,
        signature,
      });
    expect((await post(`${w.url}/auth/web3/submit_challenge`, form())).status).toBe(200);
    const again = await post(`${w.url}/auth/web3/submit_challenge`, form());
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_state");
  });

  it("refuses a signature by a key that is not an enabled signer of the licence (ERC-1271)", async () => {
    await expect(signIn(w, { signer: w.f.bob.account })).rejects.toThrow(/not an enabled signer/);
  });

  it("refuses a signature over a different text", async () => {
    const { body } = await challenge({ client_id: w.clientId, domain: REDIRECT_URI });
    const signature = await w.signer.signMessage({ message: `${body.challenge}\n` });
    const r = await post(
      `${w.url}/auth/web3/submit_challenge`,
      new URLSearchParams({ client_id: w.clientId, domain: REDIRECT_URI, state: body.state!, signature }),
    );
    expect(r.status).toBe(403);
  });

  it("answers a missing parameter with a JSON 400 naming it", async () => {
    const { status, body } = await challenge({ client_id: w.clientId });
    expect(status).toBe(400);
    expect(body.message).toContain("domain");
  });
});

describe("token exchange", () => {
  let developer: string;
  beforeAll(async () => {
    developer = await signIn(w);
    await grantToLicense(w, [1, 4], 3600);
  });

  it("issues a vehicle token with DIMO's claims for privileges the grant holds", async () => {
    const r = await exchange(w, developer, [1, 4]);
    expect(r.status).toBe(200);
    const { token } = (await r.json()) as { token: string };
    const jwks = createLocalJWKSet(await (await fetch(`${w.url}/keys`)).json());
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { audience: "dimo.zone" });
    expect(protectedHeader.kid).toBeTruthy();
    const did = `did:erc721:${w.chainId}:${w.chain.addresses.vehicleId}:${w.vehicleId}`;
    expect(payload).toMatchObject({
      asset: did,
      sub: did,
      aud: ["dimo.zone"],
      permissions: ["privilege:GetNonLocationHistory", "privilege:GetLocationHistory"],
      contract_address: w.chain.addresses.vehicleId,
      token_id: String(w.vehicleId),
      privilege_ids: [1, 4],
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
  });

  it("accepts the DID body", async () => {
    const r = await post(
      `${w.url}/v1/tokens/exchange`,
      {
        asset: `did:erc721:${w.chainId}:${w.chain.addresses.vehicleId}:${w.vehicleId}`,
        permissions: ["privilege:GetNonLocationHistory"],
      },
      { authorization: `Bearer ${developer}` },
    );
    expect(r.status).toBe(200);
    expect(decodeJwt(((await r.json()) as { token: string }).token).privilege_ids).toEqual([1]);
  });

  it("refuses privileges the grant does not hold with DIMO's 403 message", async () => {
    const r = await exchange(w, developer, [1, 2]);
    expect(r.status).toBe(403);
    const body = (await r.json()) as { code: number; message: string };
    expect(body.code).toBe(403);
    expect(body.message).toBe(
      `Address ${w.clientId} lacks permissions [privilege:ExecuteCommands] for asset did:erc721:${w.chainId}:${w.chain.addresses.vehicleId}:${w.vehicleId}`,
    );
  });

  it("answers an exchange for a vehicle that does not exist with 404", async () => {
    const r = await exchange(w, developer, [1], 424242n);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { message: string }).message).toContain("424242");
  });

  it("answers an unknown privilege id with 400", async () => {
    const r = await exchange(w, developer, [9]);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe("invalid_privilege");
  });

  it("refuses without a token, with a forged token, and with a vehicle token", async () => {
    expect((await exchange(w, "", [1])).status).toBe(401);
    const { privateKey } = await generateKeyPair("RS256");
    const claims = decodeJwt(developer);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: w.api.services.keys.currentKid })
      .sign(privateKey);
    const r = await exchange(w, forged, [1]);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { message: string }).message).toContain("signature");
    const vehicleToken = ((await (await exchange(w, developer, [1])).json()) as { token: string }).token;
    expect((await exchange(w, vehicleToken, [1])).status).toBe(401);
  });

  it("keeps verifying tokens signed before a key rotation, and signs new ones with the new key", async () => {
    const before = await signIn(w);
    const kid = await w.api.services.keys.rotate();
    expect((await exchange(w, before, [1])).status).toBe(200);
    const after = await signIn(w);
    expect(JSON.parse(Buffer.from(after.split(".")[0]!, "base64url").toString()).kid).toBe(kid);
    const jwks = (await (await fetch(`${w.url}/keys`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(2);
  });

  it("refuses after the grant expires, after a revocation, and after a transfer; respects templates", async () => {
    const { tokenId: second } = await (await import("@dimo-open/protocol")).mintVehicle(w.f.alice.client, {
      manufacturerId: w.f.manufacturerId,
      make: "Ford",
      model: "F-150",
      year: 2020,
      definitionURI: "",
    });
    // Expiry: the chain's clock decides.
    await grantToLicense(w, [1], 100, second);
    expect((await exchange(w, developer, [1], second)).status).toBe(200);
    await w.f.increaseTime(101);
    expect((await exchange(w, developer, [1], second)).status).toBe(403);
    // Revocation.
    await grantToLicense(w, [1], 3600, second);
    expect((await exchange(w, developer, [1], second)).status).toBe(200);
    await revokeGrant(w.f.alice.client, { tokenId: second, grantee: w.clientId });
    expect((await exchange(w, developer, [1], second)).status).toBe(403);
    // Template deactivation.
    const { templateId } = await createGrantTemplate(w.f.alice.client, {
      privileges: [1],
      source: "ipfs://t",
    });
    await grantFromTemplate(w.f.alice.client, {
      tokenId: second,
      grantee: w.clientId,
      templateId,
      expiration: (await w.f.now()) + 3600n,
    });
    expect((await exchange(w, developer, [1], second)).status).toBe(200);
    await setGrantTemplateActive(w.f.alice.client, { templateId, active: false });
    expect((await exchange(w, developer, [1], second)).status).toBe(403);
    // Transfer voids every grant.
    await grantToLicense(w, [1], 3600, second);
    expect((await exchange(w, developer, [1], second)).status).toBe(200);
    await transferVehicle(w.f.alice.client, { tokenId: second, to: w.f.bob.address });
    expect((await exchange(w, developer, [1], second)).status).toBe(403);
  });

  it("caps the vehicle token at the grant's expiry", async () => {
    await grantToLicense(w, [1, 4], 120);
    const r = await exchange(w, developer, [1]);
    const payload = decodeJwt(((await r.json()) as { token: string }).token);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(121);
    await grantToLicense(w, [1, 4], 3600);
  });
});

describe("owner access log", () => {
  it("lists the exchanges made for the owner's vehicle, to the owner only", async () => {
    const developer = await signIn(w);
    await exchange(w, developer, [1, 4]);
    await exchange(w, developer, [2]);
    const owner = await signIn(w, {
      clientId: w.f.alice.address,
      domain: "https://owner.example",
      signer: w.f.alice.account,
    });
    const r = await fetch(`${w.url}/v1/vehicles/${w.vehicleId}/access-log`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(r.status).toBe(200);
    const { entries } = (await r.json()) as {
      entries: { operation: string; grantee: string; fields: string[]; outcome: string }[];
    };
    expect(entries[0]).toMatchObject({
      operation: "token_exchange",
      grantee: w.clientId,
      fields: ["privilege:ExecuteCommands"],
      outcome: "missing_privileges",
    });
    expect(entries[1]).toMatchObject({
      fields: ["privilege:GetNonLocationHistory", "privilege:GetLocationHistory"],
      outcome: "ok",
    });
    const stranger = await signIn(w, {
      clientId: w.f.bob.address,
      domain: "https://owner.example",
      signer: w.f.bob.account,
    });
    const denied = await fetch(`${w.url}/v1/vehicles/${w.vehicleId}/access-log`, {
      headers: { authorization: `Bearer ${stranger}` },
    });
    expect(denied.status).toBe(403);
  });

  it("lets the owner's wallet exchange a vehicle token with every privilege, free of charge; refuses a non-owner", async () => {
    const owner = await signIn(w, {
      clientId: w.f.alice.address,
      domain: "https://owner.example",
      signer: w.f.alice.account,
    });
    const all = [1, 2, 3, 4, 5, 6, 7, 8];
    const r = await exchange(w, owner, all);
    expect(r.status, await r.clone().text()).toBe(200);
    const { token } = (await r.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({
      token_use: "vehicle",
      ethereum_address: w.f.alice.address,
      token_id: w.vehicleId.toString(),
      privilege_ids: all,
      developer_license_id: "0",
      owner: true,
      aud: ["dimo.zone"],
    });
    const query = await post(
      `${w.url}/telemetry/query`,
      {
        query: `{ signalsLatest(tokenId: ${w.vehicleId}) { speed { value } currentLocationCoordinates { value { latitude } } } }`,
      },
      { authorization: `Bearer ${token}` },
    );
    expect(query.status).toBe(200);
    expect(query.headers.get("x-credits-charged")).toBe("0");
    expect(((await query.json()) as { errors?: unknown }).errors).toBeUndefined();

    const stranger = await signIn(w, {
      clientId: w.f.bob.address,
      domain: "https://owner.example",
      signer: w.f.bob.account,
    });
    const refused = await exchange(w, stranger, [1]);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 403, error: "not_owner" });
    expect((await exchange(w, owner, [1], 999_999n)).status).toBe(404);
  });
});

describe("credits, limits, health and metrics", () => {
  it("publishes prices, reports the balance, and lets only the operator top up", async () => {
    const developer = await signIn(w);
    const prices = (await (await fetch(`${w.url}/v1/credits/prices`)).json()) as { perVehicleQuery: number };
    expect(prices.perVehicleQuery).toBe(1);
    const before = (await (
      await fetch(`${w.url}/v1/credits/balance`, { headers: { authorization: `Bearer ${developer}` } })
    ).json()) as {
      balance: number;
    };
    const denied = await post(
      `${w.url}/v1/credits/topup`,
      { licenseId: String(w.licenseId), credits: 5 },
      { authorization: `Bearer ${developer}` },
    );
    expect(denied.status).toBe(401);
    const ok = await post(
      `${w.url}/v1/credits/topup`,
      { licenseId: String(w.licenseId), credits: 5 },
      { authorization: `Bearer ${OPERATOR_TOKEN}` },
    );
    expect(((await ok.json()) as { balance: number }).balance).toBe(before.balance + 5);
  });

  it("limits requests per licence with 429 and Retry-After", async () => {
    const database = await openDatabase(":memory:");
    const limited = await createApiServer({
      chain: w.chain,
      chainId: w.chainId,
      database,
      processMetrics: false,
      rateLimits: { perLicense: { perSecond: 0.5, burst: 2 } },
    });
    const { url } = await limited.listen();
    try {
      const developer = await signIn({ ...w, url, api: limited });
      const call = () =>
        post(
          `${url}/v1/tokens/exchange`,
          { nftContractAddress: w.chain.addresses.vehicleId, privileges: [1], tokenId: Number(w.vehicleId) },
          {
            authorization: `Bearer ${developer}`,
          },
        );
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
      await database.close();
    }
  });

  it("serves /health and Prometheus /metrics, and JSON for unknown routes", async () => {
    expect(await (await fetch(`${w.url}/health`)).json()).toEqual({ status: "ok" });
    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    expect(metrics).toMatch(/dimo_api_token_exchanges_total\{outcome="ok"\} [1-9]/);
    const missing = await fetch(`${w.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/json");
  });
});
