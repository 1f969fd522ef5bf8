import { gunzipSync, gzipSync } from "node:zlib";
import { EventRejectedError } from "../errors.ts";

/** gzip (RFC 1952). Node 20's zlib has no zstd, so gzip is the one compression we speak. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes);
}

/** Decompresses at most `maxBytes` bytes; a bigger output is "oversized", bad input "malformed". */
export function gunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new EventRejectedError("oversized", `The event decompresses to more than ${maxBytes} bytes.`, {
        cause: error,
      });
    }
    throw new EventRejectedError("malformed", "The event is not valid gzip.", {
      details: (error as Error).message,
      cause: error,
    });
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
