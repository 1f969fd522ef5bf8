/**
 * @dimo-open/protocol's rewards tree and inputs hash use Node's `Buffer`. Browsers have none, so
 * the views that verify rewards load the `buffer` package (the same API) on demand, keeping it
 * out of the first page load.
 */
export async function ensureBuffer(): Promise<void> {
  const g = globalThis as { Buffer?: unknown };
  if (g.Buffer) return;
  const { Buffer } = await import("buffer");
  g.Buffer = Buffer;
}
