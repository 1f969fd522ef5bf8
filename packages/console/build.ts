/**
 * Builds the console into static files (index.html, JS and CSS assets) with Vite's JS API.
 * `dimo devnet` calls `buildConsole()` when dist/ is missing or stale and serves the result;
 * `npm run build -w packages/console` runs this file.
 */
import { readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "vite";
import { CONSOLE_ROOT, consoleViteConfig } from "./vite.config.ts";

export interface ConsoleBuild {
  /** Absolute path of the directory written. */
  outDir: string;
  /** Total size of every file written, in bytes. */
  bytes: number;
}

/** Builds the console into `outDir` (default packages/console/dist; relative paths are from the console). */
export async function buildConsole(options: { outDir?: string } = {}): Promise<ConsoleBuild> {
  const outDir = options.outDir
    ? isAbsolute(options.outDir)
      ? options.outDir
      : resolve(CONSOLE_ROOT, options.outDir)
    : join(CONSOLE_ROOT, "dist");
  await build(consoleViteConfig(outDir));
  return { outDir, bytes: directoryBytes(outDir) };
}

/** Every file under `dir` with its size, paths relative to `dir`. */
export function listFiles(dir: string, prefix = ""): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const stat = statSync(full);
    if (stat.isDirectory()) out.push(...listFiles(full, `${prefix}${name}/`));
    else out.push({ path: `${prefix}${name}`, bytes: stat.size });
  }
  return out;
}

function directoryBytes(dir: string): number {
  return listFiles(dir).reduce((sum, f) => sum + f.bytes, 0);
}

/** The newest modification time (ms) of the console's sources, for callers deciding whether dist is stale. */
export function consoleSourcesMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name === "dist") continue;
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else newest = Math.max(newest, stat.mtimeMs);
    }
  };
  walk(join(CONSOLE_ROOT, "src"));
  // The workspace packages the console bundles count too.
  for (const pkg of ["protocol", "sdk", "signals"]) walk(join(CONSOLE_ROOT, "..", pkg, "src"));
  for (const f of ["index.html", "vite.config.ts", "build.ts"])
    newest = Math.max(newest, statSync(join(CONSOLE_ROOT, f)).mtimeMs);
  return newest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const started = performance.now();
  const { outDir, bytes } = await buildConsole();
  console.log(
    `console: built ${outDir} (${(bytes / 1024).toFixed(1)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
