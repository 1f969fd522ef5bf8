/**
 * Errors of the command service: an HTTP status, a stable machine name, a message a person can
 * act on (what failed, with which value, what to do) — the node API's `{code, error, message}`.
 */
export class CommandError extends Error {
  override name = "CommandError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(
    readonly status: number,
    readonly error: string,
    shortMessage: string,
    options: { details?: string | undefined; cause?: unknown } = {},
  ) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.status,
      error: this.error,
      message: this.shortMessage,
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}
