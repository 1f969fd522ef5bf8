/**
 * DIMO's configuration URLs end in `name@vX.Y.Z` (e.g. `…/pids/default-ice-can11@v1.0.3`): the
 * version says when a document changed, so a device fetches a document only when its versioned
 * name differs from the one it holds.
 */
import { DeviceConfigError } from "../errors.ts";

export interface VersionedRef {
  url: string;
  /** `name@vX.Y.Z`, the cache key. */
  versionedName: string;
  name: string;
  version: string;
}

const SEGMENT = /^([A-Za-z0-9._-]{1,128})@v(\d{1,6}\.\d{1,6}\.\d{1,6}(?:-[0-9A-Za-z.-]{1,64})?)$/;

export function parseVersionedUrl(url: string, base?: string): VersionedRef {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch (error) {
    throw new DeviceConfigError(`${JSON.stringify(url)} is not a URL.`, { cause: error });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new DeviceConfigError(`Configuration URL ${parsed} is not http(s).`);
  }
  const last = decodeURIComponent(parsed.pathname.split("/").pop() ?? "");
  const m = SEGMENT.exec(last);
  if (!m) {
    throw new DeviceConfigError(`Configuration URL ${parsed} does not end in name@vX.Y.Z.`, {
      details: "The node must version each document so that devices know when to fetch it again.",
    });
  }
  return { url: parsed.toString(), versionedName: `${m[1]}@v${m[2]}`, name: m[1]!, version: m[2]! };
}
