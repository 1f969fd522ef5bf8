import { describe, expect, it } from "vitest";
import type { ApiError } from "./errors.ts";
import { RateLimiter } from "./rateLimit.ts";

describe("RateLimiter", () => {
  it("allows the burst, refuses with Retry-After, and refills over time", () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, "IP", () => now);
    for (let i = 0; i < 3; i++) limiter.take("a");
    const refused = (() => {
      try {
        limiter.take("a");
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(refused?.status).toBe(429);
    expect(refused?.headers["retry-after"]).toBe("1");
    limiter.take("b");
    now += 500;
    limiter.take("a");
  });
});
