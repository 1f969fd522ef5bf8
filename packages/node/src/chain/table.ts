/**
 * Tables the indexer writes through the journaled store: a column type per field and a primary
 * key. Rows are plain objects with camelCase fields; the SQL columns are their snake_case names.
 */
export type ColumnType = "u64" | "int" | "text" | "bool";
export type Value = bigint | number | string | boolean | null;
export type Row = Record<string, Value>;

export interface Table<R extends Row = Row> {
  readonly name: string;
  readonly columns: { readonly [K in keyof R & string]-?: ColumnType };
  readonly key: readonly (keyof R & string)[];
  /** Secondary indexes for the read side's lookups. */
  readonly indexes?: readonly (readonly (keyof R & string)[])[];
}

/** Rows of `T`. */
export type RowOf<T> = T extends Table<infer R> ? R : never;
/** The key fields of a row of `T`. */
export type KeyOf<R extends Row> = Partial<R>;

export function defineTable<R extends Row>(table: Table<R>): Table<R> {
  return table;
}

const SQL_TYPE: Record<ColumnType, string> = {
  u64: "UBIGINT",
  int: "INTEGER",
  text: "VARCHAR",
  bool: "BOOLEAN",
};

export function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function fieldsOf(table: Table): string[] {
  return Object.keys(table.columns);
}

export function createTableSql(table: Table): string[] {
  const cols = fieldsOf(table).map((f) => `${columnName(f)} ${SQL_TYPE[table.columns[f]!]}`);
  const key = table.key.map(columnName).join(", ");
  const statements = [`CREATE TABLE IF NOT EXISTS ${table.name} (${cols.join(", ")}, PRIMARY KEY (${key}))`];
  for (const index of table.indexes ?? []) {
    const name = `${table.name}_by_${index.map(columnName).join("_")}`;
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${name} ON ${table.name} (${index.map(columnName).join(", ")})`,
    );
  }
  return statements;
}

/** The SELECT list that reads a table's rows back under their field names. */
export function selectList(table: Table, alias?: string): string {
  const p = alias ? `${alias}.` : "";
  return fieldsOf(table)
    .map((f) => `${p}${columnName(f)} AS "${f}"`)
    .join(", ");
}

export function keyValues<R extends Row>(table: Table<R>, row: Partial<R>): Value[] {
  return table.key.map((k) => {
    const v = row[k];
    if (v === undefined || v === null) throw new TypeError(`${table.name}: key field ${k} is missing`);
    return v as Value;
  });
}

/** A value as JSON-safe data (bigints as decimal strings), and back by column type. */
export function encodeValue(v: Value): string | number | boolean | null {
  return typeof v === "bigint" ? v.toString() : v;
}

export function decodeValue(type: ColumnType, v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "u64":
      return BigInt(v as string);
    case "int":
      return Number(v);
    case "bool":
      return Boolean(v);
    case "text":
      return String(v);
  }
}

export function encodeRow(table: Table, row: Row): string {
  return JSON.stringify(fieldsOf(table).map((f) => encodeValue(row[f] ?? null)));
}

export function decodeRow(table: Table, json: string): Row {
  const values = JSON.parse(json) as unknown[];
  const row: Row = {};
  fieldsOf(table).forEach((f, i) => {
    row[f] = decodeValue(table.columns[f]!, values[i]);
  });
  return row;
}

export function encodeKey(values: readonly Value[]): string {
  return JSON.stringify(values.map(encodeValue));
}

export function decodeKey(table: Table, json: string): Value[] {
  const values = JSON.parse(json) as unknown[];
  return table.key.map((k, i) => decodeValue(table.columns[k]!, values[i]));
}
