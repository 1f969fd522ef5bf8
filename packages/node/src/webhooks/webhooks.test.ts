import { describe, expect, it } from "vitest";
import { compileCondition, geoDistanceKm } from "./condition.ts";
import { signWebhookBody, verifyWebhookSignature, WebhookSignatureError } from "./signature.ts";

describe("webhook conditions (CEL)", () => {
  it("evaluates value, previousValue and source", () => {
    const rising = compileCondition("value > 100.0 && previousValue <= 100.0 && source == 'a'", "float");
    expect(rising({ value: 120, previousValue: 90, source: "a" })).toBe(true);
    expect(rising({ value: 120, previousValue: 110, source: "a" })).toBe(false);
    expect(rising({ value: 120, previousValue: 90, source: "b" })).toBe(false);
    expect(
      compileCondition("value == 'HYBRID'", "string")({ value: "HYBRID", previousValue: "", source: "" }),
    ).toBe(true);
  });

  it("offers geoDistance in km over location values", () => {
    const away = compileCondition(
      "geoDistance(value.latitude, value.longitude, 52.52, 13.405) > 100.0",
      "location",
    );
    expect(
      away({
        value: { latitude: 48.8566, longitude: 2.3522 },
        previousValue: { latitude: 0, longitude: 0 },
        source: "",
      }),
    ).toBe(true);
    expect(
      away({
        value: { latitude: 52.53, longitude: 13.41 },
        previousValue: { latitude: 0, longitude: 0 },
        source: "",
      }),
    ).toBe(false);
    expect(Math.round(geoDistanceKm(52.52, 13.405, 48.8566, 2.3522))).toBe(877);
  });

  it("rejects invalid CEL and non-boolean conditions with what is wrong", () => {
    expect(() => compileCondition("value >", "float")).toThrow(/not valid CEL/);
    expect(() => compileCondition("value + 1.0", "float")).toThrow(/must be a bool/);
    expect(() => compileCondition("value > 'x'", "float")).toThrow(/must be a bool/);
    expect(() => compileCondition("", "float")).toThrow(/1–1024/);
  });
});

describe("webhook signatures", () => {
  const secret = "whsec_test";
  const body = '{"a":1}';

  it("verifies a signature over the exact body within the replay window", () => {
    const header = signWebhookBody(secret, body, 1_000_000);
    verifyWebhookSignature({ secret, body, header, nowSeconds: 1_000_100 });
  });

  it("rejects an altered body, another secret, an old timestamp and a malformed header", () => {
    const header = signWebhookBody(secret, body, 1_000_000);
    const check = (p: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      expect(() => verifyWebhookSignature({ secret, body, header, nowSeconds: 1_000_000, ...p })).toThrow(
        WebhookSignatureError,
      );
    check({ body: '{"a":2}' });
    check({ secret: "whsec_other" });
    check({ nowSeconds: 1_000_301 });
    check({ header: "v1=abc" });
  });
});
