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

export interface DatabaseOptions {
  /**
   * DuckDB's buffer pool bound (`memory_limit`, e.g. "512MB"; default 1GB). DuckDB's own default
   * is 80% of the machine's RAM, and it keeps table blocks cached up to it, so an ingesting node
   * would grow for hours; bounded, its memory stays flat (beyond it DuckDB evicts, or spills to
   * temporary files).
   */
  memoryLimit?: string;
  /**
   * WAL size that triggers a checkpoint (`checkpoint_threshold`; default 128MB, DuckDB's is 16MB).
   * Each checkpoint rewrites the tables' changed row groups and the primary-key index, a cost that
   * grows with the tables: under ingest, 16MB checkpoints cost more CPU than everything else the
   * store does (BENCHMARKS.md). A larger WAL means fewer of them, and a longer replay after a crash.
   */
  checkpointThreshold?: string;
  /**
   * DuckDB's worker threads (`threads`; default: DuckDB's, one per core). Ingest commits are small
   * (hundreds of events) and parallelising them costs more CPU than it saves: on the 2-core
   * benchmark machine, 1 thread halved the store's CPU per event and its wall time (BENCHMARKS.md),
   * at the price of slower large analytical queries.
   */
  threads?: number;
}

/** The bound on DuckDB's memory when the caller sets none. */
export const DEFAULT_MEMORY_LIMIT = "1GB";
export const DEFAULT_CHECKPOINT_THRESHOLD = "128MB";

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;

function checkSize(name: string, value: string): string {
  if (!SIZE.test(value)) {
    throw new RangeError(`${name} must be a size such as "512MB" or "2GB", got ${JSON.stringify(value)}`);
  }
  return value;
}

export async function openDatabase(path: string, options: DatabaseOptions = {}): Promise<NodeDatabase> {
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
  }
  const instance = await DuckDBInstance.create(path, {
    ...(options.threads !== undefined ? { threads: String(options.threads) } : {}),
    memory_limit: checkSize("memoryLimit", options.memoryLimit ?? DEFAULT_MEMORY_LIMIT),
    checkpoint_threshold: checkSize(
      "checkpointThreshold",
      options.checkpointThreshold ?? DEFAULT_CHECKPOINT_THRESHOLD,
    ),
  });
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
