/**
 * Finds the web console's static files for the devnet to serve: a directory given by the caller,
 * or @dimo-open/console's dist/, built with its own `buildConsole()` when missing or older than
 * its sources. The console is optional: without the package, the devnet runs without it.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

interface ConsoleBuildModule {
  buildConsole(options?: { outDir?: string }): Promise<{ outDir: string; bytes: number }>;
  consoleSourcesMtime?: () => number;
}

export type ConsoleFiles =
  | { available: true; dir: string; built: boolean; buildMs?: number }
  | { available: false; reason: string };

/** The console package's build module, or undefined when it is not installed. */
function findConsoleBuild(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("@dimo-open/console/build");
  } catch {
    return undefined;
  }
}

export async function prepareConsoleFiles(
  options: { dir?: string; onStep?: (step: string) => void } = {},
): Promise<ConsoleFiles> {
  if (options.dir) {
    if (!existsSync(join(options.dir, "index.html")))
      return { available: false, reason: `${options.dir} has no index.html` };
    return { available: true, dir: options.dir, built: false };
  }
  const buildFile = findConsoleBuild();
  if (!buildFile || !existsSync(buildFile))
    return { available: false, reason: "the console package (packages/console/build.ts) is not there yet" };
  const dir = join(dirname(buildFile), "dist");
  const index = join(dir, "index.html");
  const mod = (await import(pathToFileURL(buildFile).href)) as ConsoleBuildModule;
  const stale =
    !existsSync(index) ||
    (mod.consoleSourcesMtime !== undefined && mod.consoleSourcesMtime() > statSync(index).mtimeMs);
  if (!stale) return { available: true, dir, built: false };
  options.onStep?.(
    existsSync(index) ? "console: sources changed, rebuilding…" : "console: building (first run)…",
  );
  const started = performance.now();
  try {
    await mod.buildConsole({ outDir: dir });
  } catch (error) {
    return { available: false, reason: `its build failed: ${(error as Error).message.split("\n")[0]}` };
  }
  return { available: true, dir, built: true, buildMs: performance.now() - started };
}
