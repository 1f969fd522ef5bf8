// Our SDK (@dimo-open/sdk) end to end against the node on the devnet.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { erc721Did } from "@dimo-open/protocol";
import { DimoApiError, DimoClient, verifyWebhookDelivery } from "@dimo-open/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, grantToLicense, REDIRECT_URI, startApiWorld } from "./e2e.test-support.ts";
import { storeSamples } from "./telemetry.test-support.ts";

let w: ApiWorld;
const T0 = Date.parse("2025-04-01T00:00:00Z");

beforeAll(async () => {
  w = await startApiWorld({ webhooks: { allowPrivateTargets: true, start: false } });
  await grantToLicense(w, [1, 4], 3600);
  await w.sync();
  await storeSamples(w.database, erc721Did(w.chainId, w.chain.addresses.vehicleId, w.vehicleId), [
    { name: "speed", timestamp: T0 + 60_000, value: 10 },
    { name: "speed", timestamp: T0 + 3_660_000, value: 30 },
    {
      name: "currentLocationCoordinates",
      timestamp: T0 + 60_000,
      value: { latitude: 1, longitude: 2, hdop: 3 },
    },
  ]);
});
afterAll(async () => {
  await w?.close();
});

describe("@dimo-open/sdk", () => {
  it("signs in, exchanges, and reads typed signals and latest values", async () => {
    const client = new DimoClient({ baseUrl: w.url });
    await client.signIn({ clientId: w.clientId, domain: REDIRECT_URI, signer: w.signer });
    const vehicle = await client.exchange({
      tokenId: w.vehicleId,
      privileges: ["privilege:GetNonLocationHistory", 4],
    });
    const { rows, errors } = await client.signals(vehicle, {
      tokenId: w.vehicleId,
      interval: "1h",
      from: new Date(T0),
      to: new Date(T0 + 2 * 3_600_000),
      fields: {
        top: { signal: "speed", agg: "MAX" },
        slow: { signal: "speed", agg: "AVG", filter: { lt: 20 } },
        where: { signal: "currentLocationCoordinates", agg: "LAST" },
      },
    });
    expect(errors).toBeUndefined();
    expect(rows).toEqual([
      {
        timestamp: new Date(T0).toISOString(),
        top: 10,
        slow: 10,
        where: { latitude: 1, longitude: 2, hdop: 3 },
      },
      { timestamp: new Date(T0 + 3_600_000).toISOString(), top: 30, slow: null, where: null },
    ]);
    const latest = await client.latestSignals(vehicle, { tokenId: w.vehicleId, signals: ["speed"] });
    expect(latest.values.speed?.value).toBe(30);
    const cost = await client.estimateCost(vehicle, "{ signalsLatest(tokenId: 1) { speed { value } } }");
    expect(cost).toEqual({ complexity: 2, maxComplexity: 50_000, credits: 1 });
    expect((await client.usage()).totalCredits).toBeGreaterThan(0);
  });

  it("gets the owner's own token with the owner's wallet, and is refused one for a vehicle the wallet does not own", async () => {
    const owner = new DimoClient({ baseUrl: w.url });
    await owner.signIn({
      clientId: w.f.alice.address,
      domain: "https://owner.example",
      signer: w.f.alice.account,
    });
    const vehicle = await owner.ownerToken({ tokenId: w.vehicleId });
    expect(vehicle.privileges).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const latest = await owner.latestSignals(vehicle, { tokenId: w.vehicleId, signals: ["speed"] });
    expect(latest.values.speed?.value).toBe(30);
    const stranger = new DimoClient({ baseUrl: w.url });
    await stranger.signIn({
      clientId: w.f.bob.address,
      domain: "https://owner.example",
      signer: w.f.bob.account,
    });
    const refused = await stranger.ownerToken({ tokenId: w.vehicleId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DimoApiError);
    expect(refused).toMatchObject({ status: 403 });
  });

  it("rejects an aggregation that does not fit the signal's type before sending", async () => {
    const client = new DimoClient({ baseUrl: w.url });
    await expect(
      client.signals("token", {
        tokenId: 1,
        interval: "1h",
        from: new Date(T0),
        to: new Date(T0 + 1),
        fields: { bad: { signal: "powertrainType", agg: "AVG" as "TOP" } },
      }),
    ).rejects.toThrow(/string signal/);
  });

  it("surfaces node errors as DimoApiError with status and code", async () => {
    const client = new DimoClient({ baseUrl: w.url });
    await client.signIn({ clientId: w.clientId, domain: REDIRECT_URI, signer: w.signer });
    const error = await client.exchange({ tokenId: w.vehicleId, privileges: [2] }).catch((e) => e);
    expect(error).toBeInstanceOf(DimoApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe("missing_privileges");
  });

  it("manages webhooks and verifies their deliveries", async () => {
    const received: { body: string; signature: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        if (req.headers["x-dimo-verification"]) return res.end(JSON.parse(body).verificationToken);
        received.push({ body, signature: String(req.headers["x-dimo-signature"]) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = new DimoClient({ baseUrl: w.url });
      await client.signIn({ clientId: w.clientId, domain: REDIRECT_URI, signer: w.signer });
      const { id, secret } = await client.createWebhook({
        service: "signals",
        metricName: "speed",
        condition: "value > 100.0",
        coolDownPeriod: 0,
        targetURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        verificationToken: "sdk-verification",
      });
      await client.subscribeVehicle(id, w.vehicleId);
      expect(await client.subscribedVehicles(id)).toHaveLength(1);
      const now = Date.now();
      await storeSamples(
        w.database,
        erc721Did(w.chainId, w.chain.addresses.vehicleId, w.vehicleId),
        [{ name: "speed", timestamp: now, value: 120 }],
        {
          receivedAt: now,
        },
      );
      await w.api.webhooks.poll(Date.now() + 1);
      await w.api.webhooks.settled();
      expect(received).toHaveLength(1);
      expect(
        await verifyWebhookDelivery({ secret, body: received[0]!.body, header: received[0]!.signature }),
      ).toBe(true);
      expect(
        await verifyWebhookDelivery({
          secret: "whsec_wrong",
          body: received[0]!.body,
          header: received[0]!.signature,
        }),
      ).toBe(false);
      await client.updateWebhook(id, { status: "disabled" });
      expect((await client.listWebhooks()).find((h) => h.id === id)?.status).toBe("disabled");
      await client.deleteWebhook(id);
      expect(await client.listWebhooks()).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
