import { ApiError } from "./errors.ts";

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed in a burst. */
  burst: number;
}

/**
 * Token buckets keyed by caller (licence or IP). A refusal is a 429 with `Retry-After` in whole
 * seconds: how long until one request's worth of tokens is back. Idle buckets are forgotten.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, cost = 1): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens < cost) {
      this.buckets.set(key, bucket);
      const retryAfter = Math.max(1, Math.ceil((cost - bucket.tokens) / this.limit.perSecond));
      throw new ApiError(
        429,
        "rate_limited",
        `Too many requests for ${this.what} ${key}: at most ${this.limit.perSecond}/s (burst ${this.limit.burst}). Retry after ${retryAfter} s.`,
        { retryAfter },
        { "retry-after": String(retryAfter) },
      );
    }
    bucket.tokens -= cost;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.sweep(now);
  }

  private sweep(now: number): void {
    const full = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > full) this.buckets.delete(key);
  }
}
