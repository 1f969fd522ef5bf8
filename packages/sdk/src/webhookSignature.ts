/**
 * Verifies a delivery from a node's webhooks (header `x-dimo-signature: t=<seconds>,v1=<hex>`,
 * HMAC-SHA256 over `<t>.<body>`): the exact body, the secret from creation, and a timestamp
 * within `toleranceSeconds` (replays are refused). Web Crypto, so it runs in browsers and Node.
 */
export async function verifyWebhookDelivery(p: {
  secret: string;
  body: string;
  header: string | null | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): Promise<boolean> {
  const parts = new Map(
    (p.header ?? "").split(",").map((kv) => [kv.split("=")[0]?.trim(), kv.split("=")[1]?.trim()] as const),
  );
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = p.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (p.toleranceSeconds ?? 300)) return false;
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(p.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const mac = new Uint8Array(v1.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  return crypto.subtle.verify("HMAC", key, mac, enc.encode(`${t}.${p.body}`));
}
