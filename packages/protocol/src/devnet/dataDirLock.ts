import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DevnetDataDirLockedError } from "./errors.ts";
import type { DevnetLogger } from "./logger.ts";

export const LOCK_FILE = "devnet.lock";

/**
 * One devnet at a time per data dir: two writers would interleave their journals. The lock is a
 * file holding the owner's pid, created exclusively; a lock whose process has died is taken over.
 * Returns the function that releases it.
 */
export function lockDataDir(dataDir: string, logger: DevnetLogger): () => void {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid))
      throw new DevnetDataDirLockedError(dataDir, pid);
    logger.warn({ dataDir, pid }, "taking over the lock of a devnet process that is gone");
    rmSync(file, { force: true });
  }
  throw new DevnetDataDirLockedError(dataDir, -1);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
