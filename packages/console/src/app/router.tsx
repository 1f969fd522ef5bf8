/**
 * Hash routing (#/owner/vehicles/7): the console is static files, so any server (or a file
 * URL) can serve it without rewriting paths.
 */
import { type ReactNode, useEffect, useState } from "react";

export function currentPath(): string {
  const hash = globalThis.location?.hash ?? "";
  return hash.startsWith("#/") ? hash.slice(1) : "/";
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const on = () => setPath(currentPath());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return path;
}

export function navigate(path: string): void {
  location.hash = `#${path}`;
}

export function Link(props: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={`#${props.to}`} className={props.className}>
      {props.children}
    </a>
  );
}

/** Matches `/owner/vehicles/:id` against a path; returns the parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("?")[0]!.split("/").filter(Boolean);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(":")) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
}
