import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * The node's embedded database (DuckDB): one file holds the chain index, the telemetry store and
 * the node's own state. Each subsystem takes its own connection; DuckDB serialises what must be.
 * At scale the same ports have PostgreSQL / ClickHouse adapters instead.
 */
export interface NodeDatabase {
  /** File path, or ":memory:". */
  readonly path: string;
  connect(): Promise<DuckDBConnection>;
  close(): Promise<void>;
}

export async function openDatabase(path: string): Promise<NodeDatabase> {
  const instance = await DuckDBInstance.create(path);
  const connections: DuckDBConnection[] = [];
  let closed = false;
  return {
    path,
    async connect() {
      if (closed) throw new Error(`database ${path} is closed`);
      const c = await instance.connect();
      connections.push(c);
      return c;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of connections) c.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `work` inside a transaction on `connection`: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run("BEGIN TRANSACTION");
  try {
    const result = await work();
    await connection.run("COMMIT");
    return result;
  } catch (error) {
    await connection.run("ROLLBACK");
    throw error;
  }
}
