/**
 * Every error the app-facing APIs return is JSON: `{ code, error, message }` where `code` is the
 * HTTP status (what DIMO's token exchange and the data-sdk read), `error` a stable machine name,
 * and `message` says what failed, with which value, and what to do. DIMO answers some of these
 * with HTML pages; we never do.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { code: this.status, error: this.error, message: this.message, ...this.details };
  }
}

export const badRequest = (error: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(400, error, message, details);
export const unauthorized = (error: string, message: string) =>
  new ApiError(401, error, message, {}, { "www-authenticate": 'Bearer realm="dimo-open"' });
export const forbidden = (error: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(403, error, message, details);
export const notFound = (error: string, message: string) => new ApiError(404, error, message);

/** Turns anything thrown into a JSON response; unknown errors become 500 without internals. */
export function errorResponse(error: unknown, log?: (error: unknown) => void): Response {
  if (error instanceof ApiError) {
    return Response.json(error.toJSON(), { status: error.status, headers: error.headers });
  }
  log?.(error);
  return Response.json(
    { code: 500, error: "internal_error", message: "The node failed to handle this request; it was logged." },
    { status: 500 },
  );
}
