import {
  BOOLEAN,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  LIST,
  listValue,
  UBIGINT,
  VARCHAR,
} from "@duckdb/node-api";
import {
  type ColumnType,
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
  /** The row now (null: none). Meaningful when `loaded` or `dirty`. */
  row: Row | null;
  dirty: boolean;
  /** Read from the database; when false and not dirty, the database's image is not known yet. */
  loaded: boolean;
}

interface UndoRecord {
  block: bigint;
  seq: number;
  table: string;
  key: string;
  /** The encoded row before the block, null when there was none; undefined: the database's row, read at flush. */
  before: string | null | undefined;
}

const LIST_OF: Record<ColumnType, DuckDBType> = {
  u64: LIST(UBIGINT),
  int: LIST(INTEGER),
  text: LIST(VARCHAR),
  bool: LIST(BOOLEAN),
};

/** Appends one value of a column's type (the appender writes inside the connection's transaction). */
function append(appender: DuckDBAppender, type: ColumnType, value: Value): void {
  if (value === null) appender.appendNull();
  else if (type === "u64") appender.appendUBigInt(value as bigint);
  else if (type === "int") appender.appendInteger(value as number);
  else if (type === "bool") appender.appendBoolean(value as boolean);
  else appender.appendVarchar(value as string);
}

/**
 * The tables the indexer derives from events, written through a per-batch overlay with an undo
 * journal. Handlers read and write whole rows by key; the overlay keeps a batch's reads and
 * writes in memory and `flush` writes the net result in a few statements (DuckDB is slow at
 * row-at-a-time writes, fast at sets). For every block, the first write to a row records the row
 * as it was before that block, so `revertAfter(n)` can restore the state at the end of block n
 * without re-reading the chain: a reorg costs as much as it is deep, not as much as the history.
 *
 * `put` and `remove` do not read the row first (most events create or replace whole rows, and a
 * DuckDB point read costs about a millisecond): the before-images they need are read in bulk at
 * flush, before the batch's writes.
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

  /**
   * Creates the tables (if missing) and the undo journal. With `recreate`, drops them first and
   * starts empty (a rebuild under a new table layout; call inside a transaction).
   */
  static async open(
    connection: DuckDBConnection,
    tables: readonly Table[],
    options: { recreate?: boolean } = {},
  ): Promise<JournaledStore> {
    if (options.recreate) {
      for (const table of tables) await connection.run(`DROP TABLE IF EXISTS ${table.name}`);
      await connection.run(`DROP TABLE IF EXISTS ${UNDO_TABLE}`);
    }
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
    const entry = await this.#entry(table, keyValues(table, key), true);
    return (entry.row ?? undefined) as R | undefined;
  }

  async put<R extends Row>(table: Table<R>, row: R): Promise<void> {
    const entry = await this.#entry(table, keyValues(table, row), false);
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
    const entry = await this.#entry(table, keyValues(table, key), false);
    if ((entry.loaded || entry.dirty) && entry.row === null) return;
    this.#journal(table, entry);
    entry.row = null;
    entry.dirty = true;
  }

  /**
   * Writes the overlay's net changes and its undo records. Call inside the batch's transaction;
   * on rollback call `discard`.
   */
  async flush(): Promise<RowChange[]> {
    await this.#readPendingImages();
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
    if (this.#undo.length > 0) {
      const appender = await this.#connection.createAppender(UNDO_TABLE);
      for (const u of this.#undo) {
        appender.appendUBigInt(u.block);
        appender.appendInteger(u.seq);
        appender.appendVarchar(u.table);
        appender.appendVarchar(u.key);
        append(appender, "text", u.before ?? null);
        appender.endRow();
      }
      appender.closeSync();
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
        loaded: true,
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

  /** The overlay's entry for a key; with `load`, read from the database if the overlay has none. */
  async #entry(table: Table, key: Value[], load: boolean): Promise<Entry> {
    if (!this.#tables.has(table.name))
      throw new TypeError(`table ${table.name} is not registered with the store`);
    const entries = this.#entriesOf(table);
    const encoded = encodeKey(key);
    let entry = entries.get(encoded);
    if (!entry) {
      entry = { key, row: null, dirty: false, loaded: false };
      if (load) {
        entry.row = (await this.#select(table, [key])).get(encoded) ?? null;
        entry.loaded = true;
      }
      entries.set(encoded, entry);
    }
    return entry;
  }

  /** Rows of `table` at `keys`, by encoded key. */
  async #select(table: Table, keys: Value[][]): Promise<Map<string, Row>> {
    const fields = fieldsOf(table);
    const found = new Map<string, Row>();
    const [where, values, types] = this.#keyIn(table, keys);
    const reader = await this.#connection.runAndReadAll(
      `SELECT ${fields.map(columnName).join(", ")} FROM ${table.name} WHERE ${where}`,
      values,
      types,
    );
    for (const rowValues of reader.getRows()) {
      const row: Row = {};
      fields.forEach((f, j) => {
        row[f] = rowValues[j] as Value;
      });
      found.set(encodeKey(keyValues(table, row)), row);
    }
    return found;
  }

  /** Fills the undo records of rows first written without being read: their database image. */
  async #readPendingImages(): Promise<void> {
    const pending = new Map<string, UndoRecord[]>();
    for (const u of this.#undo) {
      if (u.before === undefined) pending.set(u.table, [...(pending.get(u.table) ?? []), u]);
    }
    for (const [name, records] of pending) {
      const table = this.#tables.get(name)!;
      const found = await this.#select(
        table,
        records.map((u) => this.#overlay.get(name)!.get(u.key)!.key),
      );
      for (const u of records) {
        const row = found.get(u.key);
        u.before = row ? encodeRow(table, row) : null;
      }
    }
  }

  /** `(key columns) IN (the keys)`, the keys bound as one typed list per key column (set-based, one statement). */
  #keyIn(table: Table, keys: Value[][]): [string, DuckDBValue[], DuckDBType[]] {
    const columns = table.key.map((k, i) => ({
      type: table.columns[k]!,
      values: keys.map((key) => key[i]!),
    }));
    return [
      `(${table.key.map(columnName).join(", ")}) IN (SELECT ${columns.map((_, i) => `unnest($${i + 1})`).join(", ")})`,
      columns.map((c) => listValue(c.values as DuckDBValue[])),
      columns.map((c) => LIST_OF[c.type]),
    ];
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
      // Neither read nor written in this batch: the database holds the image (read at flush).
      before:
        !entry.loaded && !entry.dirty ? undefined : entry.row === null ? null : encodeRow(table, entry.row),
    });
  }

  async #deleteKeys(table: Table, keys: Value[][]): Promise<void> {
    const [where, values, types] = this.#keyIn(table, keys);
    await this.#connection.run(`DELETE FROM ${table.name} WHERE ${where}`, values, types);
  }

  /** Appends rows in the table's column order (the order `createTableSql` created it with). */
  async #insertRows(table: Table, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const fields = fieldsOf(table);
    const appender = await this.#connection.createAppender(table.name);
    for (const row of rows) {
      for (const f of fields) append(appender, table.columns[f]!, row[f] ?? null);
      appender.endRow();
    }
    appender.closeSync();
  }
}
