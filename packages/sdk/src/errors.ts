/** A node answered with an error: its HTTP status, machine code and message (what to do is in it). */
export class DimoApiError extends Error {
  override name = "DimoApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(`${message} [${status} ${code}]`);
  }
}

/** A GraphQL query ran but some fields failed (e.g. a missing privilege); `data` holds the rest. */
export class DimoGraphQLError extends Error {
  override name = "DimoGraphQLError";
  constructor(
    readonly errors: readonly {
      message: string;
      path?: readonly (string | number)[];
      extensions?: Record<string, unknown>;
    }[],
    readonly data: unknown,
  ) {
    super(errors.map((e) => e.message).join("; "));
  }
}
