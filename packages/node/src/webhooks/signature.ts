import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The header every delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = "x-dimo-signature";
/** How old a signed delivery may be before a receiver should refuse it (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}

export class WebhookSignatureError extends Error {
  override name = "WebhookSignatureError";
}

/**
 * What a receiver runs on each delivery: the HMAC must match the exact body bytes and the
 * timestamp must be within `toleranceSeconds` of now (a captured delivery cannot be replayed later).
 */
export function verifyWebhookSignature(p: {
  secret: string;
  body: string;
  header: string | null | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): void {
  const parts = new Map(
    (p.header ?? "").split(",").map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) {
    throw new WebhookSignatureError(`Malformed ${SIGNATURE_HEADER} header: expected t=<seconds>,v1=<hex>.`);
  }
  const now = p.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = p.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - t) > tolerance) {
    throw new WebhookSignatureError(
      `Delivery signed at ${t} is outside the ${tolerance}-second window around ${now}.`,
    );
  }
  const expected = Buffer.from(signWebhookBody(p.secret, p.body, t).split("v1=")[1]!, "hex");
  if (!timingSafeEqual(expected, Buffer.from(v1, "hex"))) {
    throw new WebhookSignatureError("The signature does not match the body: wrong secret or altered body.");
  }
}
