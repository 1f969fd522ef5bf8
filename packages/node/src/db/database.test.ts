import { describe, expect, it } from "vitest";
import { openDatabase } from "./database.ts";

async function setting(path: string, options: Parameters<typeof openDatabase>[1], name: string) {
  const db = await openDatabase(path, options);
  try {
    const c = await db.connect();
    return String((await c.runAndReadAll(`SELECT current_setting('${name}')`)).getRows()[0]![0]);
  } finally {
    await db.close();
  }
}

describe("openDatabase", () => {
  it("bounds DuckDB's memory by default instead of its 80% of RAM", async () => {
    const limit = await setting(":memory:", {}, "memory_limit");
    expect(limit).toMatch(/^(1\.0 GiB|953\.6 MiB|1000\.0 MB|1\.0 GB)$/);
  });

  it("applies the memory limit and checkpoint threshold it is given", async () => {
    expect(await setting(":memory:", { memoryLimit: "256MB" }, "memory_limit")).toMatch(
      /244\.1 MiB|256\.0 MB/,
    );
    expect(await setting(":memory:", { checkpointThreshold: "64MB" }, "checkpoint_threshold")).toMatch(
      /61\.0 MiB|64\.0 MB/,
    );
  });

  it("sets DuckDB's threads when asked, and refuses a count that is not a positive integer", async () => {
    expect(await setting(":memory:", { threads: 1 }, "threads")).toBe("1");
    await expect(openDatabase(":memory:", { threads: 0 })).rejects.toThrow(
      /threads must be a positive integer/,
    );
  });

  it("refuses a size it cannot read, naming the option", async () => {
    await expect(openDatabase(":memory:", { memoryLimit: "lots" })).rejects.toThrow(/memoryLimit .*"lots"/);
  });
});
