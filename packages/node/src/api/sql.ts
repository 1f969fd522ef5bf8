import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBValue } from "@duckdb/node-api";
import type { NodeDatabase } from "../db/database.ts";

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/**
 * One DuckDB connection whose statements run one after another. A connection runs a single
 * statement at a time; the API's modules each hold one of these so that concurrent requests
 * queue instead of interleaving (and transactions stay whole).
 */
export class SerialConnection {
  private tail: Promise<unknown> = Promise.resolve();
  /** Prepared statements by SQL text: the API runs the same few statements over and over. */
  private readonly prepared = new Map<string, DuckDBPreparedStatement>();
  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(database: NodeDatabase): Promise<SerialConnection> {
    return new SerialConnection(await database.connect());
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  run(sql: string, params?: SqlParams): Promise<void> {
    return this.enqueue(async () => {
      await this.connection.run(sql, params);
    });
  }

  /** Rows as plain JS objects (BIGINT → bigint, TIMESTAMP → Date; select epoch numbers where that matters). */
  all(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.enqueue(async () => {
      if (!params) return (await this.connection.runAndReadAll(sql)).getRowObjectsJS() as Row[];
      let statement = this.prepared.get(sql);
      if (!statement) {
        statement = await this.connection.prepare(sql);
        if (this.prepared.size >= 200) {
          const [oldest, old] = this.prepared.entries().next().value!;
          this.prepared.delete(oldest);
          old.destroySync();
        }
        this.prepared.set(sql, statement);
      }
      statement.bind(params);
      return (await statement.runAndReadAll()).getRowObjectsJS() as Row[];
    });
  }

  /** Runs `work` inside one transaction; nothing else runs on this connection meanwhile. */
  transaction<T>(work: (tx: { run: SerialConnection["run"]; all: SerialConnection["all"] }) => Promise<T>) {
    return this.enqueue(async () => {
      const c = this.connection;
      const tx = {
        run: async (sql: string, params?: SqlParams) => {
          await c.run(sql, params);
        },
        all: async (sql: string, params?: SqlParams) =>
          (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Row[],
      };
      await c.run("BEGIN TRANSACTION");
      try {
        const result = await work(tx);
        await c.run("COMMIT");
        return result;
      } catch (error) {
        await c.run("ROLLBACK");
        throw error;
      }
    });
  }
}
