/**
 * Versions of configuration documents: X.Y.Z, bumped by the node whenever a document's content
 * changes, and written into its URL as `name@vX.Y.Z` (DIMO's form). A device compares versioned
 * names, never contents: a new version is the only way it learns that something changed.
 */
import { InvalidDeviceConfigError } from "../errors.ts";
import { checkDocumentName } from "./documents.ts";

export type VersionBump = "major" | "minor" | "patch";

const VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export function parseVersion(version: string): [number, number, number] {
  const m = VERSION.exec(version);
  if (!m)
    throw new InvalidDeviceConfigError(`${JSON.stringify(version.slice(0, 40))} is not a version X.Y.Z.`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function bumpVersion(previous: string | undefined, bump: VersionBump = "patch"): string {
  if (previous === undefined) return "1.0.0";
  const [major, minor, patch] = parseVersion(previous);
  if (bump === "major") return `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** Splits the last path segment `name@vX.Y.Z`; throws InvalidDeviceConfigError. */
export function parseVersionedName(segment: string): { name: string; version: string } {
  const at = segment.lastIndexOf("@v");
  if (at <= 0) {
    throw new InvalidDeviceConfigError(`${JSON.stringify(segment.slice(0, 140))} is not name@vX.Y.Z.`);
  }
  const name = segment.slice(0, at);
  const version = segment.slice(at + 2);
  checkDocumentName("document", name);
  parseVersion(version);
  return { name, version };
}

export const versionedName = (name: string, version: string): string => `${name}@v${version}`;
