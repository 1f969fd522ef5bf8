import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `dimo devnet --json`, waits for its description line, then stops it with SIGINT. */
function runDevnet(
  args: string[],
): Promise<{ description: Record<string, unknown>; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "devnet", "--json", "--port", "0", ...args],
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
    child.on("exit", (exitCode) => {
      if (!description) reject(new Error(`devnet exited (${exitCode}) without describing itself: ${err}`));
      else resolve({ description, exitCode });
    });
  });
}

describe("dimo devnet", () => {
  it("starts a network, stops cleanly on Ctrl-C, resumes it, and --reset starts over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dimo-cli-devnet-"));
    dirs.push(dataDir);
    const first = await runDevnet(["--data-dir", dataDir]);
    expect(first.exitCode).toBe(0);
    expect(first.description).toMatchObject({ chainId: 31337, resumed: false });
    expect(String(first.description.rpcUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    const second = await runDevnet(["--data-dir", dataDir]);
    expect(second.description).toMatchObject({ resumed: true, addresses: first.description.addresses });
    const third = await runDevnet(["--data-dir", dataDir, "--reset"]);
    expect(third.description).toMatchObject({ resumed: false });
  });

  it("refuses a bad port with a usage error", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", main, "devnet", "--port", "99999"], {
      stdio: "pipe",
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(2);
    expect(err).toContain("--port must be an integer");
  });
});
