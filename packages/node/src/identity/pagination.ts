import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { InvalidIdentityQueryError } from "./errors.ts";
import type { Page, PageArgs } from "./model.ts";

export const MAX_PAGE_SIZE = 100;

export function encodeCursor(tokenId: bigint): string {
  return Buffer.from(`id:${tokenId}`).toString("base64url");
}

export function decodeCursor(argument: string, cursor: string): bigint {
  const text = cursor.length <= 64 ? Buffer.from(cursor, "base64url").toString() : "";
  const match = /^id:(\d{1,20})$/.exec(text);
  if (!match) throw new InvalidIdentityQueryError(argument, cursor, "a cursor from an earlier page");
  return BigInt(match[1]!);
}

function pageSize(argument: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new InvalidIdentityQueryError(argument, value, `an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return value;
}

/** SQL with positional parameters, built up piece by piece. */
export class SqlParams {
  readonly values: DuckDBValue[] = [];
  /** Adds a value; returns its placeholder. */
  add(value: DuckDBValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * One page of rows ordered by token id, newest first (as DIMO's identity API lists them).
 * `from` is the FROM clause (with joins), `where` conditions over it, `id` the token id column.
 */
export async function paginate<T>(
  connection: DuckDBConnection,
  query: {
    select: string;
    from: string;
    where: string[];
    params: SqlParams;
    id: string;
    page: PageArgs;
    toNode: (row: Record<string, unknown>) => T;
    tokenIdOf: (node: T) => bigint;
  },
): Promise<Page<T>> {
  const { page, params } = query;
  if (page.first !== undefined && page.last !== undefined) {
    throw new InvalidIdentityQueryError(
      "first/last",
      `${page.first}/${page.last}`,
      "only one of first and last",
    );
  }
  const backwards = page.last !== undefined;
  const size = backwards ? pageSize("last", page.last!) : pageSize("first", page.first ?? MAX_PAGE_SIZE);
  const after = page.after === undefined ? undefined : decodeCursor("after", page.after);
  const before = page.before === undefined ? undefined : decodeCursor("before", page.before);
  const where = [...query.where];
  const whereSql = (extra: string[]) => {
    const all = [...where, ...extra];
    return all.length ? `WHERE ${all.join(" AND ")}` : "";
  };
  const count = await connection.runAndReadAll(
    `SELECT count(*) FROM ${query.from} ${whereSql([])}`,
    params.values,
  );
  const totalCount = Number(count.getRows()[0]![0]);

  // Newest first: "after" a cursor means smaller ids.
  const bounds: string[] = [];
  const boundParams = new SqlParams();
  boundParams.values.push(...params.values);
  if (after !== undefined) bounds.push(`${query.id} < ${boundParams.add(after)}`);
  if (before !== undefined) bounds.push(`${query.id} > ${boundParams.add(before)}`);
  const order = backwards ? "ASC" : "DESC";
  const reader = await connection.runAndReadAll(
    `SELECT ${query.select} FROM ${query.from} ${whereSql(bounds)} ORDER BY ${query.id} ${order} LIMIT ${size + 1}`,
    boundParams.values,
  );
  let nodes = reader.getRowObjects().map((row) => query.toNode(row as Record<string, unknown>));
  const more = nodes.length > size;
  nodes = nodes.slice(0, size);
  if (backwards) nodes.reverse();
  const cursors = nodes.map((n) => encodeCursor(query.tokenIdOf(n)));
  const exists = async (condition: string, value: bigint) => {
    const p = new SqlParams();
    p.values.push(...params.values);
    const r = await connection.runAndReadAll(
      `SELECT EXISTS (SELECT 1 FROM ${query.from} ${whereSql([`${query.id} ${condition} ${p.add(value)}`])})`,
      p.values,
    );
    return Boolean(r.getRows()[0]![0]);
  };
  return {
    nodes,
    cursors,
    totalCount,
    pageInfo: {
      startCursor: cursors[0],
      endCursor: cursors[cursors.length - 1],
      hasNextPage: backwards ? before !== undefined && (await exists("<=", before)) : more,
      hasPreviousPage: backwards ? more : after !== undefined && (await exists(">=", after)),
    },
  };
}
