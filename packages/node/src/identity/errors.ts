/** A query of the identity index with an argument it cannot use: which one, the value, and what it takes. */
export class InvalidIdentityQueryError extends Error {
  override name = "InvalidIdentityQueryError";
  readonly shortMessage: string;

  constructor(
    readonly argument: string,
    readonly value: unknown,
    expected: string,
  ) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : String(value);
    super(`Invalid ${argument}: ${shown}; expected ${expected}.`);
    this.shortMessage = this.message;
  }
}
