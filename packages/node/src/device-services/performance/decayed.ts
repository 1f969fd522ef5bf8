/**
 * A counter that forgets: every value halves each half-life. Rates and shares built from these
 * follow a device's behaviour in real time without keeping its history, and two counters decayed
 * alike give a ratio (a failure share) that new good messages dilute as they come.
 */
export class DecayedCounter {
  #value = 0;
  #at = Number.NEGATIVE_INFINITY;

  constructor(private readonly halfLifeMs: number) {}

  /** The value at `at` (times before the last update count as the last update). */
  valueAt(at: number): number {
    if (this.#value === 0 || at <= this.#at) return this.#value;
    return this.#value * 2 ** (-(at - this.#at) / this.halfLifeMs);
  }

  add(amount: number, at: number): void {
    if (at >= this.#at) {
      this.#value = this.valueAt(at) + amount;
      this.#at = at;
    } else {
      // A late observation (the store feed lags the transports by seconds): weigh it by its age.
      this.#value += amount * 2 ** (-(this.#at - at) / this.halfLifeMs);
    }
  }
}
