import { parse } from "csv-parse/sync";

/** One row of DIMO's VSS CSV export (columns Node, Type, DataType, Deprecated, Unit, Min, Max, Desc, Allowed…). */
export interface VssRow {
  path: string;
  type: string;
  dataType: string;
  unit: string;
  min: string;
  max: string;
  description: string;
  allowed: string;
}

export function parseVssCsv(text: string): Map<string, VssRow> {
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const rows = new Map<string, VssRow>();
  for (const r of records) {
    const path = r.Node;
    if (!path) throw new Error("VSS CSV: row without a Node column");
    rows.set(path, {
      path,
      type: r.Type ?? "",
      dataType: r.DataType ?? "",
      unit: r.Unit ?? "",
      min: r.Min ?? "",
      max: r.Max ?? "",
      description: r.Desc ?? "",
      allowed: r.Allowed ?? "",
    });
  }
  return rows;
}

/** VSS writes allowed values as a Python-style list: `['LOW', 'NORMAL']`. */
export function parseAllowed(cell: string): string[] | undefined {
  if (cell.trim() === "") return undefined;
  const values = [...cell.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? "");
  if (values.length === 0) throw new Error(`VSS CSV: cannot read allowed values ${JSON.stringify(cell)}`);
  return values;
}

export function parseBound(cell: string, what: string): number | undefined {
  if (cell.trim() === "") return undefined;
  const n = Number(cell);
  if (!Number.isFinite(n)) throw new Error(`VSS CSV: ${what} ${JSON.stringify(cell)} is not a number`);
  return n;
}
