import type { DuckDBConnection } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inTransaction, type NodeDatabase, openDatabase } from "../db/database.ts";
import { JournaledStore, UNDO_TABLE } from "./journaledStore.ts";
import { defineTable } from "./table.ts";

type ItemRow = { id: bigint; part: string; label: string | null; count: number; done: boolean };
const items = defineTable<ItemRow>({
  name: "test_items",
  columns: { id: "u64", part: "text", label: "text", count: "int", done: "bool" },
  key: ["id", "part"],
});

describe("JournaledStore", () => {
  let db: NodeDatabase;
  let store: JournaledStore;
  /** The store's own connection: its transactions are the ones that count. */
  let c: DuckDBConnection;
  const dump = async () => {
    const r = await c.runAndReadAll("SELECT id, part, label, count, done FROM test_items ORDER BY id, part");
    return r.getRows();
  };
  const write = async (block: bigint, work: () => Promise<void>) => {
    store.atBlock(block);
    await inTransaction(c, async () => {
      await work();
      await store.flush();
    });
  };

  beforeEach(async () => {
    db = await openDatabase(":memory:");
    c = await db.connect();
    store = await JournaledStore.open(c, [items]);
  });
  afterEach(() => db.close());

  const row = (id: bigint, part: string, label: string | null, count = 0, done = false): ItemRow => ({
    id,
    part,
    label,
    count,
    done,
  });

  it("reads its own writes within a batch and writes only the net result", async () => {
    await inTransaction(c, async () => {
      store.atBlock(1n);
      await store.put(items, row(1n, "a", "first"));
      expect(await store.get(items, { id: 1n, part: "a" })).toEqual(row(1n, "a", "first"));
      expect(await store.update(items, { id: 1n, part: "a" }, { count: 2 })).toEqual(
        row(1n, "a", "first", 2),
      );
      await store.put(items, row(2n, "b", null));
      await store.remove(items, { id: 2n, part: "b" });
      expect(await store.update(items, { id: 9n, part: "x" }, { count: 1 })).toBeUndefined();
      const changes = await store.flush();
      expect(changes).toEqual([
        { table: "test_items", key: '["1","a"]', row: row(1n, "a", "first", 2) },
        { table: "test_items", key: '["2","b"]', row: null },
      ]);
    });
    expect(await dump()).toEqual([[1n, "a", "first", 2, false]]);
    // One undo record per row and block, holding the image before the block.
    const undo = await c.runAndReadAll(
      `SELECT block_number, key_json, before_json FROM ${UNDO_TABLE} ORDER BY seq`,
    );
    expect(undo.getRows()).toEqual([
      [1n, '["1","a"]', null],
      [1n, '["2","b"]', null],
    ]);
  });

  it("restores the state at the end of any earlier block", async () => {
    await write(1n, async () => {
      await store.put(items, row(1n, "a", "v1"));
      await store.put(items, row(2n, "a", "keep"));
    });
    await write(2n, async () => {
      await store.update(items, { id: 1n, part: "a" }, { label: "v2", done: true });
      await store.put(items, row(3n, "a", "new in 2"));
    });
    const afterTwo = await dump();
    await write(3n, async () => {
      await store.update(items, { id: 1n, part: "a" }, { label: "v3" });
      await store.remove(items, { id: 2n, part: "a" });
    });
    await write(4n, async () => {
      await store.put(items, row(2n, "a", "back"));
      await store.update(items, { id: 1n, part: "a" }, { label: "v4" });
    });

    const changes = await inTransaction(c, () => store.revertAfter(2n));
    expect(await dump()).toEqual(afterTwo);
    expect(changes.map((ch) => [ch.key, ch.row?.label ?? null]).sort()).toEqual([
      ['["1","a"]', "v2"],
      ['["2","a"]', "keep"],
    ]);
    const undo = await c.runAndReadAll(`SELECT DISTINCT block_number FROM ${UNDO_TABLE} ORDER BY 1`);
    expect(undo.getRows()).toEqual([[1n], [2n]]);

    await inTransaction(c, () => store.revertAfter(0n));
    expect(await dump()).toEqual([]);
  });

  it("journals the database image of rows written or removed without being read", async () => {
    await write(1n, async () => {
      await store.put(items, row(1n, "a", "one"));
      await store.put(items, row(2n, "a", "two"));
    });
    const afterOne = await dump();
    // One batch over blocks 2 and 3, blind writes only.
    await inTransaction(c, async () => {
      store.atBlock(2n);
      await store.put(items, row(1n, "a", "one in 2"));
      await store.remove(items, { id: 2n, part: "a" });
      await store.remove(items, { id: 9n, part: "a" }); // never existed
      store.atBlock(3n);
      await store.put(items, row(1n, "a", "one in 3"));
      await store.put(items, row(2n, "a", "two again"));
      await store.flush();
    });
    expect(await dump()).toEqual([
      [1n, "a", "one in 3", 0, false],
      [2n, "a", "two again", 0, false],
    ]);
    const undo = await c.runAndReadAll(
      `SELECT block_number, key_json, before_json FROM ${UNDO_TABLE} WHERE block_number > 1 ORDER BY block_number, seq`,
    );
    expect(undo.getRows()).toEqual([
      [2n, '["1","a"]', '["1","a","one",0,false]'],
      [2n, '["2","a"]', '["2","a","two",0,false]'],
      [2n, '["9","a"]', null],
      [3n, '["1","a"]', '["1","a","one in 2",0,false]'],
      [3n, '["2","a"]', null],
    ]);
    await inTransaction(c, () => store.revertAfter(2n));
    expect(await dump()).toEqual([[1n, "a", "one in 2", 0, false]]);
    await inTransaction(c, () => store.revertAfter(1n));
    expect(await dump()).toEqual(afterOne);
  });

  it("forgets a rolled-back batch", async () => {
    await expect(
      inTransaction(c, async () => {
        store.atBlock(1n);
        await store.put(items, row(1n, "a", "lost"));
        await store.flush();
        throw new Error("crash mid-batch");
      }),
    ).rejects.toThrow("crash mid-batch");
    store.discard();
    expect(await dump()).toEqual([]);
    expect(await store.get(items, { id: 1n, part: "a" })).toBeUndefined();
  });

  it("refuses writes outside a block, keys with missing fields and unregistered tables", async () => {
    await expect(store.put(items, row(1n, "a", null))).rejects.toThrow("call atBlock before writing");
    store.atBlock(1n);
    await expect(store.get(items, { id: 1n })).rejects.toThrow("test_items: key field part is missing");
    const other = defineTable<{ id: bigint }>({ name: "test_other", columns: { id: "u64" }, key: ["id"] });
    await expect(store.get(other, { id: 1n })).rejects.toThrow("table test_other is not registered");
  });

  it("writes large batches in chunks", async () => {
    await write(1n, async () => {
      for (let i = 0; i < 450; i++) await store.put(items, row(BigInt(i), "p", `n${i}`, i));
    });
    expect(await dump()).toHaveLength(450);
    await write(2n, async () => {
      for (let i = 0; i < 450; i += 2) await store.remove(items, { id: BigInt(i), part: "p" });
    });
    expect(await dump()).toHaveLength(225);
    await inTransaction(c, () => store.revertAfter(1n));
    expect(await dump()).toHaveLength(450);
  });
});
