/**
 * `dimo devnet` as a person runs it: the real command in a child process, stopped with Ctrl-C
 * (SIGINT), started again on the same data dir.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "dimo-cli-devnet-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const EPHEMERAL = [
  "--rpc-port",
  "0",
  "--api-port",
  "0",
  "--ingest-port",
  "0",
  "--mqtt-port",
  "0",
  "--no-console",
];

/** Runs `dimo devnet --json`, waits for its description line, then stops it with SIGINT. */
function runDevnet(args: string[]): Promise<{
  description: Record<string, unknown>;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "devnet", "--json", ...EPHEMERAL, ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    let description: Record<string, unknown> | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (!description && out.includes("\n") && line) {
        description = JSON.parse(line) as Record<string, unknown>;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (exitCode, signal) => {
      if (!description) reject(new Error(`devnet exited (${exitCode}) without describing itself: ${err}`));
      else resolve({ description, exitCode, signal, stderr: err });
    });
  });
}

describe("dimo devnet", () => {
  it("starts the network with progress, stops cleanly on Ctrl-C, and resumes it", async () => {
    const first = await runDevnet([
      "--data-dir",
      dataDir,
      "--vehicles",
      "1",
      "--no-fleet",
      "--first-rewards-week",
      "5m",
      "--claims-open-after",
      "10s",
    ]);
    expect({ code: first.exitCode, signal: first.signal, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(first.description).toMatchObject({
      chainId: 31337,
      resumed: false,
      consoleSkipped: "switched off",
    });
    expect(first.description.vehicles).toHaveLength(1);
    expect(String(first.description.nodeUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.stderr).toContain("setup: governance: voted for");
    // The node's money jobs run with the demo accounts that hold the roles.
    expect(first.stderr).toContain("rewards deployed: week 0 ends in 300 s, claims open 10 s after");
    expect(first.stderr).toContain("node jobs: rewards, settlement, device stakes");
    expect(first.description).toMatchObject({ node: { nodeId: "1" }, jobsSkipped: [] });
    expect(first.stderr).toContain("devnet: stopped.");

    const second = await runDevnet(["--data-dir", dataDir, "--no-fleet"]);
    expect({ code: second.exitCode, signal: second.signal, stderr: second.stderr }).toMatchObject({
      code: 0,
    });
    expect(second.description).toMatchObject({
      resumed: true,
      addresses: first.description.addresses,
      maker: first.description.maker,
    });
    expect(second.stderr).toContain("setup: skipped");
    expect(second.description).toMatchObject({
      rewardsGenesis: first.description.rewardsGenesis,
      jobsSkipped: [],
    });
  });

  it("refuses a bad port with a usage error naming the option", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", main, "devnet", "--rpc-port", "99999"], {
      stdio: "pipe",
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(2);
    expect(err).toContain("--rpc-port");
    expect(err).toContain("expected an integer from 0 to 65535");
  });
});
