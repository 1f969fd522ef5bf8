// The published DIMO data-sdk (1.6.0) against our node: sign-in → token exchange → telemetry.

import { DIMO, DimoConstants, DimoEnvironment } from "@dimo-network/data-sdk";
import { erc721Did } from "@dimo-open/protocol";
import { type HDAccount, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, grantToLicense, REDIRECT_URI, startApiWorld } from "./e2e.test-support.ts";
import { storeSamples } from "./telemetry.test-support.ts";

let w: ApiWorld;
const T0 = Date.parse("2025-03-01T00:00:00Z");

/**
 * The data-sdk hard-codes DIMO's hosts per environment, but reads them from the exported
 * `DimoEnvironment` / `DimoConstants` objects on every call: adding a "Local" environment that
 * names our node (and our vehicle registry) points every resource at it.
 */
function localEnvironment(url: string, vehicleContract: string) {
  const services = [
    "Agents",
    "Attestation",
    "Auth",
    "Devices",
    "DeviceDefinitions",
    "TokenExchange",
    "Trips",
    "Valuations",
    "VehicleSignalDecoding",
    "VehicleTriggers",
  ];
  const env: Record<string, string> = Object.fromEntries(services.map((s) => [s, url]));
  Object.assign(env, {
    Identity: `${url}/identity/query`,
    Telemetry: `${url}/telemetry/query`,
    Fetch: `${url}/fetch/query`,
  });
  (DimoEnvironment as Record<string, unknown>).Local = env;
  (DimoConstants as Record<string, unknown>).Local = { NFT_address: vehicleContract, RPC_provider: url };
  return new DIMO("Local" as "Production");
}

beforeAll(async () => {
  w = await startApiWorld();
  await grantToLicense(w, [1, 4], 3600);
  await w.sync();
  await storeSamples(w.database, erc721Did(w.chainId, w.chain.addresses.vehicleId, w.vehicleId), [
    { name: "speed", timestamp: T0 + 60_000, value: 42 },
    { name: "speed", timestamp: T0 + 120_000, value: 58 },
  ]);
});
afterAll(async () => {
  await w?.close();
});

describe("@dimo-network/data-sdk 1.6.0 against this node", () => {
  it("signs in, exchanges a vehicle token and queries telemetry", async () => {
    const dimo = localEnvironment(w.url, w.chain.addresses.vehicleId);
    // The sdk prefixes "0x" itself.
    const privateKey = toHex((w.signer as HDAccount).getHdKey().privateKey!).slice(2);
    const developerJwt = await dimo.auth.getDeveloperJwt({
      client_id: w.clientId,
      domain: REDIRECT_URI,
      private_key: privateKey,
    });
    expect(developerJwt.headers.Authorization).toMatch(/^Bearer ey/);

    const vehicleJwt = await dimo.tokenexchange.getVehicleJwt({
      headers: developerJwt.headers,
      tokenId: Number(w.vehicleId),
    });
    expect(vehicleJwt.headers.Authorization).toMatch(/^Bearer ey/);

    // The sdk's typings say void; it resolves to the GraphQL response body.
    const result = (await dimo.telemetry.query({
      headers: vehicleJwt.headers,
      query: `{ signals(tokenId: ${w.vehicleId}, interval: "1h", from: "${new Date(T0).toISOString()}", to: "${new Date(T0 + 3_600_000).toISOString()}") { timestamp speed(agg: AVG) } signalsLatest(tokenId: ${w.vehicleId}) { speed { value } } }`,
    })) as unknown as { data: unknown };
    expect(result.data).toEqual({
      signals: [{ timestamp: new Date(T0).toISOString(), speed: 50 }],
      signalsLatest: { speed: { value: 58 } },
    });
  });
});
