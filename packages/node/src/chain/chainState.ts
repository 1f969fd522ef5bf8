import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import type { Hash } from "viem";

/** The last block the index has applied, with its hash so a reorg can be recognised. */
export interface Checkpoint {
  blockNumber: bigint;
  blockHash: Hash;
  /** Unix seconds. */
  blockTime: bigint;
}

export interface BlockRecord {
  number: bigint;
  hash: Hash;
  time: bigint;
}

/**
 * The indexer's own bookkeeping, in the same database (and the same transactions) as the index:
 * the checkpoint, the hashes of recent applied blocks (to find the common ancestor after a
 * reorg) and a few settings the index was built with.
 */
export class ChainState {
  readonly #connection: DuckDBConnection;

  private constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  static async open(connection: DuckDBConnection): Promise<ChainState> {
    await connection.run("CREATE TABLE IF NOT EXISTS chain_meta (key VARCHAR PRIMARY KEY, value VARCHAR)");
    await connection.run(
      "CREATE TABLE IF NOT EXISTS chain_checkpoint (id INTEGER PRIMARY KEY, block_number UBIGINT, block_hash VARCHAR, block_time UBIGINT)",
    );
    await connection.run(
      "CREATE TABLE IF NOT EXISTS chain_blocks (number UBIGINT PRIMARY KEY, hash VARCHAR, time UBIGINT)",
    );
    return new ChainState(connection);
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    const reader = await this.#connection.runAndReadAll(
      "SELECT block_number, block_hash, block_time FROM chain_checkpoint WHERE id = 1",
    );
    const row = reader.getRows()[0] as [bigint, Hash, bigint] | undefined;
    return row && { blockNumber: row[0], blockHash: row[1], blockTime: row[2] };
  }

  async saveCheckpoint(checkpoint: Checkpoint | undefined): Promise<void> {
    await this.#connection.run("DELETE FROM chain_checkpoint");
    if (!checkpoint) return;
    await this.#connection.run("INSERT INTO chain_checkpoint VALUES (1, $1, $2, $3)", [
      checkpoint.blockNumber,
      checkpoint.blockHash,
      checkpoint.blockTime,
    ]);
  }

  /** Remembers applied blocks' hashes (the blocks with events and each batch's last block). */
  async recordBlocks(blocks: readonly BlockRecord[]): Promise<void> {
    if (blocks.length === 0) return;
    const numbers = blocks.map((b) => b.number);
    await this.#connection.run(
      `DELETE FROM chain_blocks WHERE number IN (${numbers.map((_, i) => `$${i + 1}`).join(", ")})`,
      numbers,
    );
    await this.#connection.run(
      `INSERT INTO chain_blocks VALUES ${blocks.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(", ")}`,
      blocks.flatMap((b) => [b.number, b.hash, b.time]) as DuckDBValue[],
    );
  }

  /** Remembered blocks, ascending. */
  async blocks(): Promise<BlockRecord[]> {
    const reader = await this.#connection.runAndReadAll(
      "SELECT number, hash, time FROM chain_blocks ORDER BY number",
    );
    return (reader.getRows() as [bigint, Hash, bigint][]).map(([number, hash, time]) => ({
      number,
      hash,
      time,
    }));
  }

  async forgetBlocksAfter(blockNumber: bigint): Promise<void> {
    await this.#connection.run("DELETE FROM chain_blocks WHERE number > $1", [blockNumber]);
  }

  async pruneBlocks(upTo: bigint): Promise<void> {
    await this.#connection.run("DELETE FROM chain_blocks WHERE number <= $1", [upTo]);
  }

  async meta(key: string): Promise<string | undefined> {
    const reader = await this.#connection.runAndReadAll("SELECT value FROM chain_meta WHERE key = $1", [key]);
    return reader.getRows()[0]?.[0] as string | undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#connection.run("INSERT OR REPLACE INTO chain_meta VALUES ($1, $2)", [key, value]);
  }

  /** Forgets everything but the settings (a rebuild from scratch). */
  async clear(): Promise<void> {
    await this.#connection.run("DELETE FROM chain_checkpoint");
    await this.#connection.run("DELETE FROM chain_blocks");
  }
}
