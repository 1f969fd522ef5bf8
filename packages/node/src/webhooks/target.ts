import { isIP } from "node:net";
import { badRequest } from "../api/errors.ts";

/** Loopback, private, link-local and unique-local literals: not reachable targets for an app's webhook. */
function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const family = isIP(host);
  if (family === 4) {
    const [a, b] = host.split(".").map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (family === 6)
    return host === "::1" || host.startsWith("fc") || host.startsWith("fd") || host.startsWith("fe80");
  return false;
}

/**
 * Checks a webhook target: an https URL (http only where the operator allows private targets, for
 * development), no credentials, and not a private address unless allowed.
 */
export function checkTargetUrl(text: unknown, allowPrivate: boolean): string {
  if (typeof text !== "string" || text.length > 2048)
    throw badRequest("invalid_target", "`targetURL` must be a URL of at most 2048 characters.");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest("invalid_target", `targetURL ${JSON.stringify(text)} is not a URL.`);
  }
  if (url.username || url.password)
    throw badRequest("invalid_target", "targetURL must not carry credentials.");
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw badRequest("invalid_target", `targetURL must use https; got ${url.protocol}`);
  }
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    throw badRequest("invalid_target", `targetURL ${url.hostname} is a private or loopback address.`);
  }
  return url.toString();
}

/**
 * URL verification, as DIMO's vehicle-triggers: the node POSTs `{"verificationToken": …}` to the
 * target, which must answer 2xx with exactly the token as its body. Proves the app controls the URL.
 */
export async function verifyTarget(url: string, token: string, timeoutMs = 5000): Promise<void> {
  let answer: string;
  let status: number;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "dimo-open-node/webhooks",
        "x-dimo-verification": "true",
      },
      body: JSON.stringify({ verificationToken: token }),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    answer = (await response.text()).slice(0, 4096).trim();
  } catch (error) {
    throw badRequest(
      "verification_failed",
      `Could not reach ${url} to verify it: ${(error as Error).message}.`,
    );
  }
  if (status < 200 || status >= 300 || answer !== token) {
    throw badRequest(
      "verification_failed",
      `${url} answered ${status} without echoing the verification token; reply 200 with the token as the body.`,
    );
  }
}
