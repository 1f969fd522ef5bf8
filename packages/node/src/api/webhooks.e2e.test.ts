import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { erc721Did, revokeGrant } from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, verifyWebhookSignature } from "../webhooks/signature.ts";
import { type ApiWorld, grantToLicense, post, signIn, startApiWorld } from "./e2e.test-support.ts";
import { storeSamples } from "./telemetry.test-support.ts";

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An app's webhook endpoint: echoes verification tokens, records deliveries, fails when told to. */
async function receiver(p: { echo: boolean; status: number }) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.headers["x-dimo-verification"]) {
        res.end(p.echo ? JSON.parse(body).verificationToken : "nope");
        return;
      }
      received.push({ headers: req.headers, body });
      res.statusCode = p.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let w: ApiWorld;
let developer: string;
let subject: string;

beforeAll(async () => {
  w = await startApiWorld({
    webhooks: {
      allowPrivateTargets: true,
      start: false,
      engine: { retryBaseMs: 5, maxAttempts: 3, maxFailures: 2 },
    },
  });
  developer = await signIn(w);
  subject = erc721Did(w.chainId, w.chain.addresses.vehicleId, w.vehicleId);
  await grantToLicense(w, [1], 3600);
  await w.sync();
});
afterAll(async () => {
  await w?.close();
});

const auth = () => ({ authorization: `Bearer ${developer}` });
const speedHook = (targetURL: string, extra: Record<string, unknown> = {}) => ({
  service: "signals",
  metricName: "speed",
  condition: "value > 100.0 && previousValue <= 100.0",
  coolDownPeriod: 60,
  targetURL,
  status: "enabled",
  verificationToken: "verify-me-please",
  displayName: "Speeding",
  ...extra,
});

async function drive(values: number[]) {
  const now = Date.now();
  await storeSamples(
    w.database,
    subject,
    values.map((value, i) => ({ name: "speed", timestamp: now - 1000 + i, value })),
    { receivedAt: now },
  );
  await w.api.webhooks.poll(Date.now() + 1);
  await w.api.webhooks.settled();
}

describe("webhooks", () => {
  it("verifies the target, subscribes a granted vehicle, and delivers a signed dimo.trigger CloudEvent once per cool-down", async () => {
    const app = await receiver({ echo: true, status: 200 });
    try {
      const created = await post(`${w.url}/v1/webhooks`, speedHook(app.url), auth());
      expect(created.status).toBe(201);
      const { id, secret } = (await created.json()) as { id: string; secret: string };
      expect(secret).toMatch(/^whsec_/);
      const sub = await fetch(`${w.url}/v1/webhooks/${id}/subscribe/${subject}`, {
        method: "POST",
        headers: auth(),
      });
      expect(sub.status).toBe(200);
      expect(await (await fetch(`${w.url}/v1/webhooks/${id}`, { headers: auth() })).json()).toEqual([
        subject,
      ]);

      await drive([80, 130, 90, 140]);
      expect(app.received).toHaveLength(1); // 140 crosses again, but within the cool-down
      const [delivery] = app.received;
      verifyWebhookSignature({
        secret,
        body: delivery!.body,
        header: delivery!.headers[SIGNATURE_HEADER] as string,
      });
      const event = JSON.parse(delivery!.body);
      expect(event).toMatchObject({
        specversion: "1.0",
        type: "dimo.trigger",
        subject,
        data: {
          webhookId: id,
          metricName: "speed",
          signal: { name: "speed", value: 130 },
          previousValue: 80,
        },
      });
      await fetch(`${w.url}/v1/webhooks/${id}`, { method: "DELETE", headers: auth() });
    } finally {
      await app.close();
    }
  });

  it("refuses a target that does not echo the token, an unknown signal, bad CEL, and a vehicle without a grant", async () => {
    const silent = await receiver({ echo: false, status: 200 });
    try {
      const r = await post(`${w.url}/v1/webhooks`, speedHook(silent.url), auth());
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toBe("verification_failed");
      expect(
        (await post(`${w.url}/v1/webhooks`, speedHook(silent.url, { metricName: "warpFactor" }), auth()))
          .status,
      ).toBe(400);
      const cel = await post(`${w.url}/v1/webhooks`, speedHook(silent.url, { condition: "value >" }), auth());
      expect(((await cel.json()) as { error: string }).error).toBe("invalid_condition");
    } finally {
      await silent.close();
    }
    const app = await receiver({ echo: true, status: 200 });
    try {
      const { id } = (await (
        await post(
          `${w.url}/v1/webhooks`,
          speedHook(app.url, {
            metricName: "currentLocationCoordinates",
            condition: "geoDistance(value.latitude, value.longitude, 0.0, 0.0) > 1.0",
          }),
          auth(),
        )
      ).json()) as { id: string };
      const denied = await fetch(`${w.url}/v1/webhooks/${id}/subscribe/${subject}`, {
        method: "POST",
        headers: auth(),
      });
      expect(denied.status).toBe(403);
      await fetch(`${w.url}/v1/webhooks/${id}`, { method: "DELETE", headers: auth() });
    } finally {
      await app.close();
    }
  });

  it("retries failed deliveries with back-off and disables the webhook after repeated failures", async () => {
    const broken = await receiver({ echo: true, status: 500 });
    try {
      const { id } = (await (
        await post(`${w.url}/v1/webhooks`, speedHook(broken.url, { coolDownPeriod: 0 }), auth())
      ).json()) as { id: string };
      await fetch(`${w.url}/v1/webhooks/${id}/subscribe/${w.vehicleId}`, { method: "POST", headers: auth() });
      await drive([50, 150]);
      expect(broken.received.map((r) => r.headers["x-dimo-delivery-attempt"])).toEqual(["1", "2", "3"]);
      await drive([50, 150]);
      const hooks = (await (await fetch(`${w.url}/v1/webhooks`, { headers: auth() })).json()) as {
        id: string;
        status: string;
        failureCount: number;
      }[];
      expect(hooks.find((h) => h.id === id)).toMatchObject({ status: "failed", failureCount: 2 });
      await drive([50, 150]);
      expect(broken.received).toHaveLength(6); // disabled: no more attempts
      await fetch(`${w.url}/v1/webhooks/${id}`, { method: "DELETE", headers: auth() });
    } finally {
      await broken.close();
    }
  });

  it("drops a subscription once its grant ends", async () => {
    const app = await receiver({ echo: true, status: 200 });
    try {
      const { id } = (await (await post(`${w.url}/v1/webhooks`, speedHook(app.url), auth())).json()) as {
        id: string;
      };
      await fetch(`${w.url}/v1/webhooks/${id}/subscribe/${subject}`, { method: "POST", headers: auth() });
      await revokeGrant(w.f.alice.client, { tokenId: w.vehicleId, grantee: w.clientId });
      expect(await w.api.webhooks.sweep()).toBe(1);
      expect(await (await fetch(`${w.url}/v1/webhooks/${id}`, { headers: auth() })).json()).toEqual([]);
      await drive([50, 150]);
      expect(app.received).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
