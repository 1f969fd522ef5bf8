/** Bounds on an incoming event. Every one is enforced before the work it bounds. */
export interface StreamLimits {
  /** Bytes as received (compressed or not). */
  maxEventBytes: number;
  /** Bytes after decompression (gzip, MQTT `compressedPayload`): stops decompression bombs. */
  maxDecodedBytes: number;
  /** The envelope without `data`, as compact JSON. DIMO: 8 KiB. */
  maxHeaderBytes: number;
  /** How far an event or sample time may lie ahead of the node's clock. DIMO: 5 minutes. */
  maxFutureSkewMs: number;
  /** How old an event may be; undefined accepts any age (devices upload buffered data after outages). */
  maxAgeMs: number | undefined;
  /** Nesting depth of any JSON value, envelope included. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxEventBytes: 256 * 1024,
  maxDecodedBytes: 1024 * 1024,
  maxHeaderBytes: 8 * 1024,
  maxFutureSkewMs: 5 * 60_000,
  maxAgeMs: undefined,
  maxDepth: 32,
});

export function resolveLimits(limits: Partial<StreamLimits> | undefined): StreamLimits {
  return limits ? { ...DEFAULT_LIMITS, ...limits } : DEFAULT_LIMITS;
}
