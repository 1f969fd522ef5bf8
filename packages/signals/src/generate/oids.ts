import { parse } from "csv-parse/sync";

/**
 * Ruptela's I/O parameter table (oids.csv): how each `signals.<id>` value is encoded. The device
 * sends the raw integer as hex text; physical value = raw * multiplier + offset, in `unit`.
 * The cells are hand-written (`100/255; 0`, `0,05; 0`, `65024 to 65279`, `0xFFFF - not available`),
 * so each parser accepts exactly the spellings the file uses and throws on anything else: a new
 * spelling must be looked at, not guessed.
 */
export interface OidRow {
  id: number;
  name: string;
  bytes: number;
  type: string;
  rawMin?: number;
  rawMax?: number;
  factor: number;
  offset: number;
  /** The unit cell as written (`°C`, `PSI`, `-`, ``). */
  unit: string;
  notAvailable: [number, number][];
  notes: string;
}

export function parseOidsCsv(text: string): Map<number, string[]> {
  const records = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  const rows = new Map<number, string[]>();
  for (const r of records.slice(1)) {
    const id = Number(r[0]);
    if (Number.isInteger(id)) rows.set(id, r);
  }
  return rows;
}

const NUMBER = /^(-?0x[0-9a-f]+|-?\d+)$/i;

function parseInteger(text: string, where: string): number {
  const t = text.trim();
  if (!NUMBER.test(t)) throw new Error(`oids.csv ${where}: cannot read integer ${JSON.stringify(text)}`);
  const negative = t.startsWith("-");
  const value = Number(negative ? t.slice(1) : t); // Number() reads both 0x.. and decimal
  return negative ? -value : value;
}

/** `-`, `1; 0`, `0.25`, `100/255; 0`, `0,05; 0`, `1/20; 0`, `100/128; -100` → [factor, offset]. */
export function parseMultiplierCell(cell: string, where: string): [number, number] {
  const t = cell.trim();
  if (t === "-" || t === "") return [1, 0];
  const [factorText = "", offsetText = "0", ...extra] = t.split(";");
  if (extra.length > 0) throw new Error(`oids.csv ${where}: cannot read multiplier ${JSON.stringify(cell)}`);
  const readNumber = (s: string): number => {
    const u = s.trim().replace(",", ".");
    const fraction = /^(-?\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(u);
    const n = fraction
      ? Number(fraction[1]) / Number(fraction[2])
      : /^-?\d+(\.\d+)?$/.test(u)
        ? Number(u)
        : NaN;
    if (!Number.isFinite(n))
      throw new Error(`oids.csv ${where}: cannot read multiplier ${JSON.stringify(cell)}`);
    return n;
  };
  return [readNumber(factorText), readNumber(offsetText)];
}

/** `-`, `255`, `2, 3`, `65024 to 65279`, `0xFB-0xFF`, `0xFFFF - Fuel level not available`. */
export function parseErrorValuesCell(cell: string, where: string): [number, number][] {
  let t = cell.trim();
  if (t === "-" || t === "") return [];
  // A trailing explanation: "0xFFFF - Fuel level not available".
  t = t.replace(/\s+-\s+[A-Za-z].*$/s, "");
  return t.split(",").map((part) => {
    const range = /^(\S+?)\s*(?:-|\bto\b)\s*(\S+)$/.exec(part.trim());
    if (range && NUMBER.test(range[1] ?? "") && NUMBER.test(range[2] ?? "")) {
      return [parseInteger(range[1] ?? "", where), parseInteger(range[2] ?? "", where)];
    }
    const single = parseInteger(part, where);
    return [single, single];
  });
}

/** `0`, `65,535`, `0xFFFF or 65535`, `-2147483648`, `` → raw bound. */
export function parseBoundCell(cell: string, where: string): number | undefined {
  let t = cell.trim();
  if (t === "") return undefined;
  t = (t.split(" or ")[0] ?? "").trim();
  if (/^\d{1,3}(,\d{3})+$/.test(t)) t = t.replaceAll(",", "");
  return parseInteger(t, where);
}

export function readOidRow(rows: Map<number, string[]>, id: number): OidRow {
  const r = rows.get(id);
  if (!r) throw new Error(`oids.csv has no row for I/O id ${id}`);
  const where = `row ${id}`;
  const bytes = Number(r[2]);
  if (![1, 2, 4, 8].includes(bytes)) throw new Error(`oids.csv ${where}: size ${JSON.stringify(r[2])} bytes`);
  const [factor, offset] = parseMultiplierCell(r[6] ?? "", where);
  return {
    id,
    name: r[1] ?? "",
    bytes,
    type: (r[3] ?? "").trim(),
    rawMin: parseBoundCell(r[4] ?? "", where),
    rawMax: parseBoundCell(r[5] ?? "", where),
    factor,
    offset,
    unit: (r[7] ?? "").trim(),
    notAvailable: parseErrorValuesCell(r[8] ?? "", where),
    notes: r[9] ?? "",
  };
}
