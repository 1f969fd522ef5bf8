// Test support for the API end-to-end tests: a devnet with the protocol, a developer licence with
// an enabled signer and a redirect URI, a vehicle owned by alice, and the API on a loopback port.
import {
  enableSigner,
  grantPrivileges,
  issueDevLicense,
  mintVehicle,
  type ProtocolReader,
  setRedirectUri,
} from "@dimo-open/protocol";
import { deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import type { Address, LocalAccount } from "viem";
import { type Fixture, protocolFixture } from "../../../../contracts/test/fixture.ts";
import { ChainIndexer } from "../chain/index.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { IdentityIndex } from "../identity/index.ts";
import { type ApiServer, type ApiServerOptions, createApiServer } from "./server.ts";

export const REDIRECT_URI = "https://app.example.com/callback";
export const OPERATOR_TOKEN = "operator-secret-for-tests-only";

export interface ApiWorld {
  f: Fixture;
  chain: ProtocolReader;
  chainId: number;
  database: NodeDatabase;
  api: ApiServer;
  url: string;
  licenseId: bigint;
  clientId: Address;
  signer: LocalAccount;
  vehicleId: bigint;
  identity: IdentityIndex;
  /** Brings the identity index up to the chain's head. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function startApiWorld(extra: Partial<ApiServerOptions> = {}): Promise<ApiWorld> {
  const f = await protocolFixture();
  const chainId = f.devnet.chainId;
  const chain: ProtocolReader = { publicClient: f.admin.publicClient, addresses: f.addresses };
  const signer = deriveDevnetAccounts(undefined, 8)[6] as unknown as LocalAccount;
  const { tokenId: licenseId, clientId } = await issueDevLicense(f.app.client, { alias: "test-app" });
  await enableSigner(f.app.client, {
    tokenId: licenseId,
    signer: signer.address,
    expiresAt: (await f.now()) + 10n ** 8n,
  });
  await setRedirectUri(f.app.client, { tokenId: licenseId, uri: REDIRECT_URI, enabled: true });
  const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
    manufacturerId: f.manufacturerId,
    make: "Tesla",
    model: "Model 3",
    year: 2021,
    definitionURI: "",
  });
  const database = extra.database ?? (await openDatabase(":memory:"));
  const identity = await IdentityIndex.open(database, f.addresses);
  const indexer = await ChainIndexer.create({
    client: f.admin.publicClient,
    addresses: f.addresses,
    db: database,
    identity,
  });
  await indexer.syncToHead();
  const api = await createApiServer({
    chain,
    chainId,
    database,
    identity,
    issuer: "http://node.test",
    credits: { initialCredits: 1000, operatorToken: OPERATOR_TOKEN },
    processMetrics: false,
    ...extra,
  });
  const { url } = await api.listen();
  return {
    f,
    chain,
    chainId,
    database,
    api,
    url,
    licenseId,
    clientId,
    signer,
    vehicleId,
    identity,
    async sync() {
      await indexer.syncToHead();
    },
    async close() {
      await api.close();
      await indexer.stop();
      await database.close();
      await f.close();
    },
  };
}

/** Grants `privileges` on the world's vehicle to the licence, expiring `seconds` from chain time. */
export async function grantToLicense(
  w: ApiWorld,
  privileges: number[],
  seconds = 3600,
  vehicleId = w.vehicleId,
) {
  await grantPrivileges(w.f.alice.client, {
    tokenId: vehicleId,
    grantee: w.clientId,
    privileges,
    expiration: (await w.f.now()) + BigInt(seconds),
    source: "ipfs://terms",
  });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const isForm = body instanceof URLSearchParams;
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": isForm ? "application/x-www-form-urlencoded" : "application/json",
      ...headers,
    },
    body: isForm ? body.toString() : JSON.stringify(body),
  });
}

/** Sign-in as the data-sdk does it: challenge in the query string, signed, submitted as a form. */
export async function signIn(
  w: ApiWorld,
  p: { clientId?: Address; domain?: string; signer?: LocalAccount } = {},
): Promise<string> {
  const clientId = p.clientId ?? w.clientId;
  const domain = p.domain ?? REDIRECT_URI;
  const q = new URLSearchParams({
    client_id: clientId,
    domain,
    scope: "openid email",
    response_type: "code",
    address: clientId,
  });
  const challengeResponse = await fetch(`${w.url}/auth/web3/generate_challenge?${q}`, { method: "POST" });
  const challenge = (await challengeResponse.json()) as {
    state: string;
    challenge: string;
    message?: string;
  };
  if (!challengeResponse.ok) throw new Error(`challenge failed: ${JSON.stringify(challenge)}`);
  const signature = await (p.signer ?? w.signer).signMessage({ message: challenge.challenge });
  const submitted = await post(
    `${w.url}/auth/web3/submit_challenge`,
    new URLSearchParams({
      client_id: clientId,
      domain,
      grant_type: "authorization_code",
      state: challenge.state,
      signature,
    }),
  );
  const tokens = (await submitted.json()) as { access_token: string };
  if (!submitted.ok) throw new Error(`submit failed: ${JSON.stringify(tokens)}`);
  return tokens.access_token;
}

export async function exchange(
  w: ApiWorld,
  developerToken: string,
  privileges: number[],
  tokenId = w.vehicleId,
) {
  return post(
    `${w.url}/v1/tokens/exchange`,
    { nftContractAddress: w.chain.addresses.vehicleId, privileges, tokenId: Number(tokenId) },
    { authorization: `Bearer ${developerToken}` },
  );
}
