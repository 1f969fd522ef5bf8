import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, signIn, startApiWorld } from "./e2e.test-support.ts";
import { createApiServer } from "./server.ts";

let w: ApiWorld;
beforeAll(async () => {
  w = await startApiWorld({ webhooks: { start: false } });
});
afterAll(async () => {
  await w?.close();
});

const preflight = (url: string, origin: string, method = "POST") =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type",
    },
  });

describe("CORS", () => {
  it("answers any page's preflight by default, and marks responses readable without credentials", async () => {
    const r = await preflight(`${w.url}/telemetry/query`, "https://some-app.example");
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("access-control-allow-methods")).toContain("POST");
    expect(r.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(r.headers.get("access-control-allow-credentials")).toBeNull();
    const developer = await signIn(w);
    const get = await fetch(`${w.url}/v1/credits/balance`, {
      headers: { origin: "https://some-app.example", authorization: `Bearer ${developer}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
    expect(get.headers.get("access-control-allow-credentials")).toBeNull();
    // Errors are readable cross-origin too (a browser app can show the JSON message).
    const missing = await fetch(`${w.url}/nowhere`, { headers: { origin: "https://some-app.example" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("serves only the listed origins when the operator lists them", async () => {
    const restricted = await createApiServer({
      chain: w.chain,
      chainId: w.chainId,
      database: w.database,
      processMetrics: false,
      webhooks: { start: false },
      cors: { allowedOrigins: ["https://console.example"] },
    });
    const { url } = await restricted.listen();
    try {
      const ok = await preflight(`${url}/v1/tokens/exchange`, "https://console.example");
      expect(ok.status).toBe(204);
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://console.example");
      expect(ok.headers.get("vary")).toContain("Origin");
      const refused = await preflight(`${url}/v1/tokens/exchange`, "https://evil.example");
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: "origin_not_allowed" });
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const health = await fetch(`${url}/health`, { headers: { origin: "https://evil.example" } });
      expect(health.status).toBe(200); // served (no browser can read it), but without CORS headers
      expect(health.headers.get("access-control-allow-origin")).toBeNull();
      const allowed = await fetch(`${url}/health`, { headers: { origin: "https://console.example" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example");
    } finally {
      await restricted.close();
    }
    await expect(
      createApiServer({
        chain: w.chain,
        chainId: w.chainId,
        database: w.database,
        cors: { allowedOrigins: ["console.example/"] },
      }),
    ).rejects.toThrow(/scheme and host/);
  });
});
