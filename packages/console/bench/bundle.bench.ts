/**
 * The console's bundle: builds it with `buildConsole()` into a temporary directory and reports
 * each JS and CSS asset raw and gzip-compressed (level 9, as a server would send it), what the
 * first page load fetches (index.html's scripts and styles) and what loads on demand.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildConsole, listFiles } from "../build.ts";

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export default async function bundleBench(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "console-bundle-"));
  try {
    const started = performance.now();
    const { bytes } = await buildConsole({ outDir });
    const buildMs = performance.now() - started;
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    const initial = new Set([...html.matchAll(/(?:src|href)="\.\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
    const assets = listFiles(outDir)
      .filter((f) => /\.(js|css)$/.test(f.path))
      .map((f) => ({ ...f, gzip: gzipSync(readFileSync(join(outDir, f.path)), { level: 9 }).length }))
      .sort((a, b) => b.bytes - a.bytes);
    const sum = (list: typeof assets, k: "bytes" | "gzip") => list.reduce((s, a) => s + a[k], 0);
    const first = assets.filter((a) => initial.has(a.path));
    const rows = assets.map(
      (a) =>
        `| ${a.path.replace(/-[A-Za-z0-9_-]{8}\./, ".")} | ${initial.has(a.path) ? "first load" : "on demand"} | ${kib(a.bytes)} | ${kib(a.gzip)} |`,
    );
    return [
      "## Console bundle size",
      "",
      '`buildConsole()` (Vite 8, production, ES2022, minified; React 19, viem, @dimo-open/protocol ABIs, the signal catalogue) into a temporary directory; each JS/CSS asset measured raw and gzip -9. "First load" is what index.html references; the rest are chunks loaded on demand (the Buffer polyfill for rewards proofs, viem\'s lazily imported parts).',
      "",
      "| asset | loaded | raw | gzip |",
      "| --- | --- | ---: | ---: |",
      ...rows,
      `| **first load** | | **${kib(sum(first, "bytes"))}** | **${kib(sum(first, "gzip"))}** |`,
      `| **all JS + CSS** | | **${kib(sum(assets, "bytes"))}** | **${kib(sum(assets, "gzip"))}** |`,
      "",
      `Whole dist/ (with index.html): ${kib(bytes)}. Build time ${(buildMs / 1000).toFixed(1)} s (includes Vite start-up).`,
    ].join("\n");
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
