import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import {
  columnName,
  createTableSql,
  decodeKey,
  decodeRow,
  encodeKey,
  encodeRow,
  fieldsOf,
  keyValues,
  type Row,
  type Table,
  type Value,
} from "./table.ts";

/** Undo records: the image of a row before a block first touched it (null: the row did not exist). */
export const UNDO_TABLE = "chain_undo";

/** The final state of a row after a flush (null: deleted). Consumers keep in-memory views with it. */
export interface RowChange {
  table: string;
  /** The row's key, encoded (see `encodeKey`). */
  key: string;
  row: Row | null;
}

interface Entry {
  key: Value[];
  row: Row | null;
  dirty: boolean;
}

interface UndoRecord {
  block: bigint;
  seq: number;
  table: string;
  key: string;
  before: string | null;
}

const CHUNK = 200;
const SQL_CAST = { u64: "UBIGINT", int: "INTEGER", text: "VARCHAR", bool: "BOOLEAN" } as const;

/**
 * The tables the indexer derives from events, written through a per-batch overlay with an undo
 * journal. Handlers read and write whole rows by key; the overlay keeps a batch's reads and
 * writes in memory and `flush` writes the net result in a few statements (DuckDB is slow at
 * row-at-a-time writes, fast at sets). For every block, the first write to a row records the row
 * as it was before that block, so `revertAfter(n)` can restore the state at the end of block n
 * without re-reading the chain: a reorg costs as much as it is deep, not as much as the history.
 */
export class JournaledStore {
  readonly #connection: DuckDBConnection;
  readonly #tables: Map<string, Table>;
  #overlay = new Map<string, Map<string, Entry>>();
  #undo: UndoRecord[] = [];
  #touched = new Set<string>();
  #block: bigint | undefined;
  #seq = 0;

  private constructor(connection: DuckDBConnection, tables: readonly Table[]) {
    this.#connection = connection;
    this.#tables = new Map(tables.map((t) => [t.name, t]));
  }

  /** Creates the tables (if missing) and the undo journal. */
  static async open(connection: DuckDBConnection, tables: readonly Table[]): Promise<JournaledStore> {
    for (const table of tables) for (const sql of createTableSql(table)) await connection.run(sql);
    await connection.run(
      `CREATE TABLE IF NOT EXISTS ${UNDO_TABLE} (block_number UBIGINT, seq INTEGER, table_name VARCHAR, key_json VARCHAR, before_json VARCHAR, PRIMARY KEY (block_number, seq))`,
    );
    return new JournaledStore(connection, tables);
  }

  get tables(): readonly Table[] {
    return [...this.#tables.values()];
  }

  /** The writes that follow belong to block `blockNumber`. Blocks must come in ascending order. */
  atBlock(blockNumber: bigint): void {
    if (this.#block !== blockNumber) {
      this.#block = blockNumber;
      this.#seq = 0;
    }
  }

  async get<R extends Row>(table: Table<R>, key: Partial<R>): Promise<R | undefined> {
    const entry = await this.#entry(table, keyValues(table, key));
    return (entry.row ?? undefined) as R | undefined;
  }

  async put<R extends Row>(table: Table<R>, row: R): Promise<void> {
    const entry = await this.#entry(table, keyValues(table, row));
    this.#journal(table, entry);
    entry.row = { ...row };
    entry.dirty = true;
  }

  /** Merges `patch` into the row at `key`; returns the new row, or undefined when there is none. */
  async update<R extends Row>(table: Table<R>, key: Partial<R>, patch: Partial<R>): Promise<R | undefined> {
    const current = await this.get(table, key);
    if (!current) return undefined;
    const next = { ...current, ...patch } as R;
    await this.put(table, next);
    return next;
  }

  async remove<R extends Row>(table: Table<R>, key: Partial<R>): Promise<void> {
    const entry = await this.#entry(table, keyValues(table, key));
    if (entry.row === null) return;
    this.#journal(table, entry);
    entry.row = null;
    entry.dirty = true;
  }

  /**
   * Writes the overlay's net changes and its undo records. Call inside the batch's transaction;
   * on rollback call `discard`.
   */
  async flush(): Promise<RowChange[]> {
    const changes: RowChange[] = [];
    for (const [name, entries] of this.#overlay) {
      const table = this.#tables.get(name)!;
      const dirty = [...entries.entries()].filter(([, e]) => e.dirty);
      if (dirty.length === 0) continue;
      await this.#deleteKeys(
        table,
        dirty.map(([, e]) => e.key),
      );
      await this.#insertRows(
        table,
        dirty.flatMap(([, e]) => (e.row ? [e.row] : [])),
      );
      for (const [key, e] of dirty) changes.push({ table: name, key, row: e.row });
    }
    for (let i = 0; i < this.#undo.length; i += CHUNK) {
      const chunk = this.#undo.slice(i, i + CHUNK);
      await this.#connection.run(
        `INSERT INTO ${UNDO_TABLE} VALUES ${chunk.map((_, j) => `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5})`).join(", ")}`,
        chunk.flatMap((u) => [u.block, u.seq, u.table, u.key, u.before]),
      );
    }
    this.discard();
    return changes;
  }

  /** Forgets the overlay (after a rollback, or once flushed). */
  discard(): void {
    this.#overlay = new Map();
    this.#undo = [];
    this.#touched = new Set();
    this.#block = undefined;
    this.#seq = 0;
  }

  /**
   * Restores every row to its state at the end of block `blockNumber` and drops the undo records
   * of later blocks. Call inside a transaction.
   */
  async revertAfter(blockNumber: bigint): Promise<RowChange[]> {
    this.discard();
    const reader = await this.#connection.runAndReadAll(
      `SELECT table_name, key_json, before_json FROM ${UNDO_TABLE} WHERE block_number > $1 ORDER BY block_number DESC, seq DESC`,
      [blockNumber],
    );
    // Newest first: the last image written for a key is the oldest, the state before the reorged blocks.
    for (const [tableName, keyJson, beforeJson] of reader.getRows() as [string, string, string | null][]) {
      const table = this.#tables.get(tableName);
      if (!table) continue;
      const entries = this.#entriesOf(table);
      entries.set(keyJson, {
        key: decodeKey(table, keyJson),
        row: beforeJson === null ? null : decodeRow(table, beforeJson),
        dirty: true,
      });
    }
    await this.#connection.run(`DELETE FROM ${UNDO_TABLE} WHERE block_number > $1`, [blockNumber]);
    return this.flush();
  }

  /** Drops undo records of blocks at or below `blockNumber` (deeper than any reorg expected). */
  async pruneUndo(blockNumber: bigint): Promise<void> {
    await this.#connection.run(`DELETE FROM ${UNDO_TABLE} WHERE block_number <= $1`, [blockNumber]);
  }

  /** Empties every table and the journal (a rebuild from scratch). Call inside a transaction. */
  async clear(): Promise<void> {
    this.discard();
    for (const table of this.#tables.values()) await this.#connection.run(`DELETE FROM ${table.name}`);
    await this.#connection.run(`DELETE FROM ${UNDO_TABLE}`);
  }

  #entriesOf(table: Table): Map<string, Entry> {
    let entries = this.#overlay.get(table.name);
    if (!entries) {
      entries = new Map();
      this.#overlay.set(table.name, entries);
    }
    return entries;
  }

  async #entry(table: Table, key: Value[]): Promise<Entry> {
    if (!this.#tables.has(table.name))
      throw new TypeError(`table ${table.name} is not registered with the store`);
    const entries = this.#entriesOf(table);
    const encoded = encodeKey(key);
    let entry = entries.get(encoded);
    if (!entry) {
      const where = table.key.map((k, i) => `${columnName(k)} = $${i + 1}`).join(" AND ");
      const reader = await this.#connection.runAndReadAll(
        `SELECT ${fieldsOf(table)
          .map((f) => columnName(f))
          .join(", ")} FROM ${table.name} WHERE ${where}`,
        key as DuckDBValue[],
      );
      const found = reader.getRows()[0];
      let row: Row | null = null;
      if (found) {
        row = {};
        fieldsOf(table).forEach((f, i) => {
          row![f] = found[i] as Value;
        });
      }
      entry = { key, row, dirty: false };
      entries.set(encoded, entry);
    }
    return entry;
  }

  #journal(table: Table, entry: Entry): void {
    if (this.#block === undefined) throw new TypeError("JournaledStore: call atBlock before writing");
    const key = encodeKey(entry.key);
    const touched = `${this.#block}|${table.name}|${key}`;
    if (this.#touched.has(touched)) return;
    this.#touched.add(touched);
    this.#undo.push({
      block: this.#block,
      seq: this.#seq++,
      table: table.name,
      key,
      before: entry.row === null ? null : encodeRow(table, entry.row),
    });
  }

  async #deleteKeys(table: Table, keys: Value[][]): Promise<void> {
    const width = table.key.length;
    const casts = table.key.map((k) => SQL_CAST[table.columns[k]!]);
    const cols = table.key.map(columnName).join(", ");
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      const tuples = chunk
        .map((_, j) => `(${casts.map((c, k) => `$${j * width + k + 1}::${c}`).join(", ")})`)
        .join(", ");
      await this.#connection.run(
        `DELETE FROM ${table.name} WHERE (${cols}) IN (SELECT * FROM (VALUES ${tuples}))`,
        chunk.flat() as DuckDBValue[],
      );
    }
  }

  async #insertRows(table: Table, rows: Row[]): Promise<void> {
    const fields = fieldsOf(table);
    const width = fields.length;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const tuples = chunk
        .map((_, j) => `(${fields.map((_f, k) => `$${j * width + k + 1}`).join(", ")})`)
        .join(", ");
      await this.#connection.run(
        `INSERT INTO ${table.name} (${fields.map(columnName).join(", ")}) VALUES ${tuples}`,
        chunk.flatMap((r) => fields.map((f) => r[f] ?? null)) as DuckDBValue[],
      );
    }
  }
}
