/**
 * `npm run bench [filter]`: runs every benchmark module (packages/*\/bench/*.bench.ts and
 * contracts/bench/*.bench.ts), each in its own process so one cannot warm or pollute another,
 * and writes their markdown sections, with the machine and the command, to BENCHMARKS.md.
 *
 * A benchmark module's default export is `async () => string`: a markdown section that starts
 * with a `## ` heading and states what was measured and how.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function benchFiles(): string[] {
  const dirs = [join(root, "contracts", "bench")];
  for (const pkg of readdirSync(join(root, "packages"))) dirs.push(join(root, "packages", pkg, "bench"));
  const files: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith(".bench.ts")) files.push(join(dir, f));
  }
  return files;
}

async function runOne(file: string): Promise<void> {
  const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<string> };
  const section = await mod.default();
  process.stdout.write(`${section.trim()}\n`);
}

function machine(): string {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} (as seen by Node)`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${platform()} ${release()}; Node ${process.version}`,
    `- Date: ${new Date().toISOString()}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  if (mode === "--one" && arg) return runOne(arg);
  const filter = mode;
  const files = benchFiles().filter((f) => !filter || f.includes(filter));
  for (const file of files) {
    const name = relative(root, file);
    console.error(`bench: ${name}`);
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--one", file],
      {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 * 2 ** 20,
      },
    );
    writeSection(name, `${out.trim()}\n\n_Command: \`npm run bench -- ${name}\`_\n`);
  }
  console.error(`bench: wrote BENCHMARKS.md (${files.length} module(s) run)`);
}

/**
 * Merges one section into BENCHMARKS.md as it is on disk now, keeping every other section: a
 * benchmark can run for many minutes, and another run may have written the file meanwhile.
 */
function writeSection(name: string, text: string): void {
  const path = join(root, "BENCHMARKS.md");
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  const sections = new Map<string, string>();
  for (const m of current.matchAll(/<!-- bench:(.+?) -->\n([\s\S]*?)<!-- \/bench -->/g))
    sections.set(m[1]!, m[2]!);
  sections.set(name, text);
  const body = [...sections.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([section, content]) => `<!-- bench:${section} -->\n${content}<!-- /bench -->`)
    .join("\n\n");
  writeFileSync(
    path,
    `# Benchmarks\n\nWritten by \`npm run bench\` (scripts/bench.ts). Each section is one benchmark module run in its own process.\n\n## Machine of the last run\n\n${machine()}\n\n${body}\n`,
  );
}

await main();
