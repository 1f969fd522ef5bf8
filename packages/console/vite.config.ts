import { fileURLToPath } from "node:url";
import { defineConfig, type InlineConfig } from "vite";

/** The console's directory (index.html lives here). */
export const CONSOLE_ROOT = fileURLToPath(new URL(".", import.meta.url));

/**
 * The one Vite configuration of the console, for `vite` (dev server) and `buildConsole` alike.
 * JSX is compiled by Vite's own transformer (oxc) with React's automatic runtime, so no React
 * plugin is needed; the workspace packages (@dimo-open/*) are TypeScript sources that Vite
 * transforms like the console's own files.
 */
export function consoleViteConfig(outDir = "dist"): InlineConfig {
  return {
    root: CONSOLE_ROOT,
    // Relative asset URLs: the console works wherever it is served (/, /console/, a file server).
    base: "./",
    configFile: false,
    logLevel: "warn",
    oxc: { jsx: { runtime: "automatic" } },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2048,
    },
    server: {
      // The workspace packages live outside this directory.
      fs: { allow: [fileURLToPath(new URL("../..", import.meta.url))] },
    },
  };
}

export default defineConfig(consoleViteConfig());
