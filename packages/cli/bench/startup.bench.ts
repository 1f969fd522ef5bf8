/**
 * How long `npm start` takes to bring up the whole devnet and show live data, on a fresh data dir
 * (after `npm ci`), and how long a second start (resume) takes; plus what `npm ci` installs.
 *
 * Each run spawns the real `npm start -- --json …` (npm → tsx → dimo devnet) with its own fresh
 * data dir and ephemeral ports, reads the devnet's description line, then signs in as the demo
 * app through the SDK and polls the node until a simulated vehicle's first signal is served:
 * "live data" is the moment an app can read what a device sent.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DimoClient } from "@dimo-open/sdk";
import { prepareConsoleFiles } from "../src/stack/consoleBuild.ts";
import { demoAccounts } from "../src/stack/roles.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const RUNS = Number(process.env.DIMO_BENCH_STARTUP_RUNS ?? 3);

interface Description {
  resumed: boolean;
  nodeUrl: string;
  consoleUrl?: string;
  consoleSkipped?: string;
  vehicles: { vehicleId: string }[];
  developer: { clientId: `0x${string}`; redirectUris: string[] };
  timings: { phase: string; ms: number }[];
}

interface Run {
  readyMs: number;
  liveMs: number | undefined;
  stopMs: number;
  description: Description;
}

async function firstSignal(d: Description, deadline: number): Promise<boolean> {
  const sdk = new DimoClient({ baseUrl: d.nodeUrl });
  await sdk.signIn({
    clientId: d.developer.clientId,
    domain: d.developer.redirectUris[0]!,
    signer: demoAccounts().developer,
  });
  const tokens = await Promise.all(
    d.vehicles.map((v) => sdk.exchange({ tokenId: BigInt(v.vehicleId), privileges: [1, 4] })),
  );
  while (Date.now() < deadline) {
    for (const token of tokens) {
      const latest = await sdk.latestSignals(token, {
        tokenId: token.tokenId,
        signals: ["currentLocationCoordinates", "speed"],
      });
      if (latest.lastSeen) return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** One `npm start`, on `dataDir`, until live data (or only until ready when resuming). */
function run(dataDir: string, waitForData: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      "npm",
      [
        "start",
        "--silent",
        "--",
        "--json",
        "--data-dir",
        dataDir,
        "--rpc-port",
        "0",
        "--api-port",
        "0",
        "--ingest-port",
        "0",
        "--mqtt-port",
        "0",
        "--console-port",
        "0",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let out = "";
    let err = "";
    let readyMs: number | undefined;
    let liveMs: number | undefined;
    let stopAt = 0;
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", async (c: Buffer) => {
      out += c.toString();
      if (readyMs !== undefined || !out.includes("\n")) return;
      readyMs = performance.now() - started;
      const description = JSON.parse(out.split("\n")[0]!) as Description;
      try {
        if (waitForData && (await firstSignal(description, Date.now() + 120_000)))
          liveMs = performance.now() - started;
      } catch (error) {
        err += `\nbench: ${(error as Error).message}`;
      }
      stopAt = performance.now();
      // npm, then tsx, then node: the whole group gets Ctrl-C, as in a terminal.
      process.kill(-child.pid!, "SIGINT");
      child.once("exit", (code) => {
        if (code !== 0 && code !== null) reject(new Error(`npm start exited ${code}: ${err}`));
        else resolve({ readyMs: readyMs!, liveMs, stopMs: performance.now() - stopAt, description });
      });
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (readyMs === undefined) reject(new Error(`npm start exited ${code} before it was ready:\n${err}`));
    });
  });
}

const s = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function startupBench(): Promise<string> {
  // Build the console first if its sources changed, so that no run below pays for it.
  const consoleFiles = await prepareConsoleFiles();
  const consoleBuild = consoleFiles.available && consoleFiles.built ? s(consoleFiles.buildMs) : undefined;
  const load = loadavg()[0]!;
  const fresh: Run[] = [];
  const dirs: string[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(join(tmpdir(), "dimo-bench-startup-"));
      dirs.push(dir);
      fresh.push(await run(dir, true));
    }
    const resumed = await run(dirs[0]!, false);
    const du = (path: string) =>
      Number(execFileSync("du", ["-sb", path], { encoding: "utf8" }).split("\t")[0]);
    const modules = du(join(root, "node_modules"));
    const top = execFileSync(
      "sh",
      ["-c", "du -sb node_modules/* node_modules/@* 2>/dev/null | sort -rn | head -6"],
      { cwd: root, encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .map((l) => {
        const [bytes, path] = l.split("\t");
        return `${path} ${(Number(bytes) / 2 ** 20).toFixed(0)} MiB`;
      });
    const phases = fresh[0]!.description.timings;
    const lives = fresh.map((r) => r.liveMs).filter((x): x is number => x !== undefined);
    return [
      "## Devnet startup: `npm start` to live data",
      "",
      `\`npm start\` (npm → tsx → \`dimo devnet --json\`, every port ephemeral) on a fresh data dir, ${RUNS} runs one after another; then a second start on the first run's data dir (resume). "Ready" is when the devnet prints its description; "live data" is when the demo app, signed in through the SDK with the demo licence's key, first reads a signal a simulated device sent (the devices send a signed status event every 5 s). Load average at the start: ${load.toFixed(1)} on ${execFileSync("nproc", { encoding: "utf8" }).trim()} cores (the machine is shared).`,
      "",
      "| run | ready | live data | stop (Ctrl-C) |",
      "| --- | --- | --- | --- |",
      ...fresh.map((r, i) => `| fresh ${i + 1} | ${s(r.readyMs)} | ${s(r.liveMs)} | ${s(r.stopMs)} |`),
      `| resume | ${s(resumed.readyMs)} | — | ${s(resumed.stopMs)} |`,
      "",
      `Median fresh start to live data: **${s(lives.length ? median(lives) : undefined)}** (ready: ${s(median(fresh.map((r) => r.readyMs)))}); resume to ready: **${s(resumed.readyMs)}**.`,
      "",
      `Phases of the first fresh start (in process, from its description): ${phases.map((p) => `${p.phase} ${s(p.ms)}`).join(", ")}. The setup is dominated by the maker's licence vote, run in real seconds (voting delay 1 s, voting period 3 s, timelock 1 s); everything that does not depend on it (vehicles, the developer's licence, grants, rewards and payments) runs while the vote is open. The console: ${fresh[0]!.description.consoleUrl ? "served from its existing build" : `not served (${fresh[0]!.description.consoleSkipped})`}; a first-ever start also builds it with Vite${consoleBuild ? ` (${consoleBuild} here, before the runs)` : ""}, which the runs above did not include.`,
      "",
      `Install size after \`npm ci\`: node_modules ${(modules / 2 ** 20).toFixed(0)} MiB (\`du -sb\`); largest: ${top.join(", ")}.`,
    ].join("\n");
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
