import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import { ApiError, badRequest } from "../api/errors.ts";

export interface PendingChallenge {
  clientId: Address;
  domain: string;
  message: string;
  licenseId: bigint;
  /** Unix ms. */
  expiresAt: number;
}

/**
 * One-time sign-in states: each `state` is handed out once, answers one submission (successful
 * or not, so a signature cannot be guessed at), and lapses after its lifetime. Bounded in size:
 * when full, the oldest pending states are dropped.
 */
export class ChallengeBook {
  private readonly pending = new Map<string, PendingChallenge>();

  constructor(
    private readonly options: { lifetimeMs: number; maxPending: number; now?: () => number } = {
      lifetimeMs: 5 * 60_000,
      maxPending: 100_000,
    },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get lifetimeMs(): number {
    return this.options.lifetimeMs;
  }

  issue(challenge: Omit<PendingChallenge, "expiresAt"> & { expiresAt?: number }): string {
    const now = this.now();
    for (const [state, c] of this.pending) {
      if (c.expiresAt > now && this.pending.size < this.options.maxPending) break;
      this.pending.delete(state); // Map iterates oldest first: expired or overflowing entries go
    }
    const state = randomBytes(24).toString("base64url");
    this.pending.set(state, {
      ...challenge,
      expiresAt: challenge.expiresAt ?? now + this.options.lifetimeMs,
    });
    return state;
  }

  /** Takes the state out for good; throws when it is unknown, used already, or expired. */
  take(state: string): PendingChallenge {
    if (!state || state.length > 128) throw badRequest("invalid_state", "Missing or malformed `state`.");
    const challenge = this.pending.get(state);
    this.pending.delete(state);
    if (!challenge) {
      throw new ApiError(
        400,
        "invalid_state",
        `Unknown or already used state ${JSON.stringify(state)}; request a new challenge from /auth/web3/generate_challenge.`,
      );
    }
    if (challenge.expiresAt <= this.now()) {
      throw new ApiError(
        400,
        "challenge_expired",
        `The challenge expired at ${new Date(challenge.expiresAt).toISOString()}; request a new one.`,
      );
    }
    return challenge;
  }
}
