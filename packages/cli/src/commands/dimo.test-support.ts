/** Runs the real `dimo` command in a child process, as a user does, against a devnet data dir. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));

export interface DimoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `dimo …` on the devnet in `dataDir` (asynchronously: the devnet is served from the test's process). */
export function runDimo(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<DimoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", main, ...args], {
      env: { ...process.env, DIMO_DEVNET_DIR: dataDir, DIMO_PRIVATE_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
