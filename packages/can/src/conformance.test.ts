/**
 * Conformance against the shared corpus: every DBC of opendbc and of cantools' test suite
 * loads, and cantools' decode vectors decode to the same values; encode→decode round-trips for
 * every vector. The corpus sits beside the repository (`<repo>/../shared/conformance/dbc/`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SignalValue } from "./codec/decoder.ts";
import type { Database } from "./dbc/database.ts";
import { decodeDbcBytes } from "./dbc/file.ts";
import { parseDbc } from "./dbc/parser.ts";
import { DbcSemanticError, DbcSyntaxError, MultiplexerError } from "./errors.ts";

const corpus = fileURLToPath(new URL("../../../../shared/conformance/dbc/", import.meta.url));

function dbcFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...dbcFiles(path));
    else if (name.endsWith(".dbc")) out.push(relative(corpus, path));
  }
  return out;
}

const files = dbcFiles(corpus);
const cache = new Map<string, Database>();
function load(file: string, strict = false): Database {
  const key = `${strict}:${file}`;
  let db = cache.get(key);
  if (!db) {
    db = parseDbc(decodeDbcBytes(readFileSync(join(corpus, file))), { file, strict });
    cache.set(key, db);
  }
  return db;
}

/**
 * Files that strict mode refuses, with the kind of their first finding. These are genuinely
 * invalid: a frame id above 11 bits without the extended flag (nonstandard-extended-id) or
 * above 29 bits (frame-id-out-of-range), a signal outside its frame, signals sharing bits, or a
 * statement that does not follow the grammar (a comment without its signal name, a missing
 * ";", a bare "m" multiplexer indicator). The default mode loads them all, with diagnostics.
 */
const STRICT_FAILURES: Record<string, string> = {
  "cantools/bad_message_length.dbc": "signal-outside-frame",
  "cantools/issue_199.dbc": "nonstandard-extended-id",
  "cantools/issue_199_extended.dbc": "frame-id-out-of-range",
  "cantools/issue_63.dbc": "signals-overlap",
  "opendbc/dbc/FORD_CADS_64.dbc": "signal-outside-frame",
  "opendbc/dbc/chrysler_cusw.dbc": "nonstandard-extended-id",
  "opendbc/dbc/fca_giorgio.dbc": "nonstandard-extended-id",
  "opendbc/dbc/generator/chrysler/_stellantis_common.dbc": "syntax",
  "opendbc/dbc/generator/gm/gm_global_a_powertrain.dbc": "syntax",
  "opendbc/dbc/generator/honda/_bosch_2018.dbc": "nonstandard-extended-id",
  "opendbc/dbc/generator/honda/_honda_common.dbc": "syntax",
  "opendbc/dbc/generator/honda/_steering_control_c.dbc": "signals-overlap",
  "opendbc/dbc/generator/honda/honda_bosch_radarless.dbc": "nonstandard-extended-id",
  "opendbc/dbc/generator/honda/honda_crv_ex_2017_body.dbc": "nonstandard-extended-id",
  "opendbc/dbc/generator/hyundai/hyundai_can.dbc": "syntax",
  "opendbc/dbc/generator/hyundai/hyundai_canfd.dbc": "signals-overlap",
  "opendbc/dbc/generator/hyundai/hyundai_palisade_2023.dbc": "signals-overlap",
  "opendbc/dbc/generator/toyota/_toyota_2017.dbc": "signals-overlap",
  "opendbc/dbc/generator/volkswagen/_vw_meb_common.dbc": "signals-overlap",
  "opendbc/dbc/gm_global_a_lowspeed.dbc": "nonstandard-extended-id",
  "opendbc/dbc/gm_global_a_lowspeed_1818125.dbc": "signals-overlap",
  "opendbc/dbc/gwm_haval_h6_phev_2024.dbc": "signals-overlap",
  "opendbc/dbc/hongqi_hs5.dbc": "signals-overlap",
  "opendbc/dbc/hyundai_i30_2014.dbc": "signals-overlap",
  "opendbc/dbc/mazda_2017.dbc": "syntax",
  "opendbc/dbc/mazda_3_2019.dbc": "signal-outside-frame",
  "opendbc/dbc/nissan_xterra_2011.dbc": "signals-overlap",
  "opendbc/dbc/psa_aee2010_r3.dbc": "signals-overlap",
  "opendbc/dbc/toyota_2017_ref_pt.dbc": "frame-id-out-of-range",
  "opendbc/dbc/toyota_radar_dsu_tssp.dbc": "syntax",
  "opendbc/dbc/volvo_v40_2017_pt.dbc": "signals-overlap",
  "opendbc/dbc/vw_mqb.dbc": "signals-overlap",
  "opendbc/dbc/vw_mqbevo.dbc": "nonstandard-extended-id",
  "opendbc/dbc/vw_pq.dbc": "syntax",
  "opendbc/generated/acura_ilx_2016_can_generated.dbc": "syntax",
  "opendbc/generated/acura_rdx_2018_can_generated.dbc": "syntax",
  "opendbc/generated/acura_rdx_2020_can_generated.dbc": "syntax",
  "opendbc/generated/chrysler_pacifica_2017_hybrid_generated.dbc": "syntax",
  "opendbc/generated/gm_global_a_powertrain_generated.dbc": "syntax",
  "opendbc/generated/honda_bosch_radarless_generated.dbc": "syntax",
  "opendbc/generated/honda_civic_hatchback_ex_2017_can_generated.dbc": "syntax",
  "opendbc/generated/honda_civic_touring_2016_can_generated.dbc": "syntax",
  "opendbc/generated/honda_clarity_hybrid_2018_can_generated.dbc": "syntax",
  "opendbc/generated/honda_common_canfd_generated.dbc": "syntax",
  "opendbc/generated/honda_crv_ex_2017_body_generated.dbc": "nonstandard-extended-id",
  "opendbc/generated/honda_crv_touring_2016_can_generated.dbc": "syntax",
  "opendbc/generated/honda_e_advance_2020_can_generated.dbc": "syntax",
  "opendbc/generated/honda_insight_ex_2019_can_generated.dbc": "syntax",
  "opendbc/generated/honda_odyssey_exl_2018_generated.dbc": "syntax",
  "opendbc/generated/honda_odyssey_twn_2018_generated.dbc": "syntax",
  "opendbc/generated/hyundai_can_generated.dbc": "syntax",
  "opendbc/generated/hyundai_canfd_generated.dbc": "signals-overlap",
  "opendbc/generated/hyundai_palisade_2023_generated.dbc": "signals-overlap",
  "opendbc/generated/toyota_new_mc_pt_generated.dbc": "signals-overlap",
  "opendbc/generated/toyota_nodsu_pt_generated.dbc": "signals-overlap",
  "opendbc/generated/toyota_secoc_pt_generated.dbc": "signals-overlap",
  "opendbc/generated/toyota_tnga_k_pt_generated.dbc": "signals-overlap",
  "opendbc/generated/vw_meb_2024_generated.dbc": "signals-overlap",
  "opendbc/generated/vw_meb_generated.dbc": "signals-overlap",
};

describe("DBC corpus (opendbc + cantools)", () => {
  it("finds the corpus", () => {
    expect(files.length).toBeGreaterThan(200);
  });

  it("loads every file in the default mode", () => {
    const failures: string[] = [];
    for (const file of files) {
      try {
        const db = load(file);
        expect(db.file).toBe(file);
      } catch (error) {
        failures.push(`${file}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("refuses in strict mode exactly the files listed as invalid, with a located error", () => {
    const refused: Record<string, string> = {};
    for (const file of files) {
      try {
        load(file, true);
      } catch (error) {
        expect(error instanceof DbcSemanticError || error instanceof DbcSyntaxError).toBe(true);
        const e = error as DbcSemanticError | DbcSyntaxError;
        expect(e.location.file).toBe(file);
        expect(e.location.line).toBeGreaterThan(0);
        refused[file] = e instanceof DbcSemanticError ? e.code : "syntax";
      }
    }
    expect(refused).toEqual(STRICT_FAILURES);
  });
});

interface Vector {
  file: string;
  message: string;
  frame_id: number;
  is_extended: boolean;
  is_fd: boolean;
  length: number;
  kind: string;
  data_hex: string;
  decoded_raw: Record<string, unknown> | null;
  decoded: Record<string, unknown> | null;
  decoded_scaled: Record<string, unknown> | null;
  errors?: Record<string, string>;
  strict?: boolean;
}

const vectorsDoc = JSON.parse(readFileSync(join(corpus, "vectors.json"), "utf8")) as {
  files: { file: string; load_error?: string }[];
  vectors: Vector[];
};

const hexBytes = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** Compares one decoded value with the vector's JSON (ints beyond 2^53 and NaN/Inf are strings). */
function same(actual: SignalValue | undefined, expected: unknown): boolean {
  if (typeof actual === "bigint")
    return (typeof expected === "number" || typeof expected === "string") && BigInt(expected) === actual;
  if (typeof actual === "string") return actual === expected;
  if (typeof actual === "number") {
    if (expected === "NaN") return Number.isNaN(actual);
    if (expected === "Infinity") return actual === Number.POSITIVE_INFINITY;
    if (expected === "-Infinity") return actual === Number.NEGATIVE_INFINITY;
    if (typeof expected === "string") return /^-?\d+$/.test(expected) && BigInt(expected) === BigInt(actual);
    return actual === expected;
  }
  return false;
}

function diff(actual: Record<string, SignalValue>, expected: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    if (!same(actual[key], expected[key]))
      problems.push(`${key}: got ${String(actual[key])}, want ${JSON.stringify(expected[key])}`);
  }
  return problems;
}

const MODES = [
  ["decoded_raw", { raw: true }],
  ["decoded", { choices: true }],
  ["decoded_scaled", {}],
] as const;

describe("cantools decode vectors", () => {
  const loadErrors = vectorsDoc.files.filter((f) => f.load_error).map((f) => f.file);

  it("covers the documented corpus", () => {
    expect(vectorsDoc.vectors.length).toBe(642);
    expect(loadErrors.sort()).toEqual(["cantools/issue_199.dbc", "cantools/issue_199_extended.dbc"]);
  });

  it("decodes every vector to cantools' values (raw, with names, scaled)", () => {
    const problems: string[] = [];
    let compared = 0;
    let refusedLikeCantools = 0;
    for (const v of vectorsDoc.vectors) {
      if (v.strict === false) continue; // cantools cannot decode these at all; see below
      const db = load(v.file);
      const message = db.messageById(v.frame_id, v.is_extended);
      const where = `${v.file} ${v.message} ${v.kind}`;
      if (!message || message.name !== v.message) {
        problems.push(`${where}: message not found by id ${v.frame_id}`);
        continue;
      }
      if (message.fd !== v.is_fd || message.length !== v.length) problems.push(`${where}: fd/length differ`);
      const data = hexBytes(v.data_hex);
      for (const [mode, options] of MODES) {
        const error = v.errors?.[mode];
        if (error) {
          // cantools refuses a selector value without a branch; our strict multiplexing does too.
          expect(error).toMatch(/^DecodeError: expected multiplexer id/);
          expect(() => message.decode(data, { ...options, unknownMultiplexer: "error" })).toThrow(
            MultiplexerError,
          );
          refusedLikeCantools++;
          continue;
        }
        const got = message.decode(data, { ...options, unknownMultiplexer: "error" });
        for (const p of diff(got, v[mode]!)) problems.push(`${where} ${mode}: ${p}`);
        compared += Object.keys(v[mode]!).length;
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(3000);
    expect(refusedLikeCantools).toBe(243);
  });
});

describe("encode → decode round trip on every vector", () => {
  it("gives back every raw value exactly, and every scaled value where a double holds it", () => {
    const problems: string[] = [];
    let rawChecked = 0;
    let scaledChecked = 0;
    for (const v of vectorsDoc.vectors) {
      if (v.strict === false || !v.decoded_raw || !v.decoded_scaled) continue;
      const message = load(v.file).messageById(v.frame_id, v.is_extended)!;
      const where = `${v.file} ${v.message} ${v.kind}`;
      const raw = message.decode(hexBytes(v.data_hex), { raw: true });
      try {
        const back = message.decode(message.encode(raw, { raw: true }), { raw: true });
        for (const p of diff(back, v.decoded_raw)) problems.push(`${where} raw: ${p}`);
        rawChecked += Object.keys(raw).length;
      } catch (error) {
        problems.push(`${where} raw: ${(error as Error).message}`);
      }
      // A wide signal with a fractional factor is scaled in double precision: not invertible.
      const exact = message.signals.every(
        (s) => s.length <= 53 || (Number.isInteger(s.factor) && Number.isInteger(s.offset)),
      );
      if (!exact) continue;
      const scaled = message.decode(hexBytes(v.data_hex));
      try {
        const back = message.decode(message.encode(scaled, { checkRange: false }));
        for (const p of diff(back, v.decoded_scaled)) problems.push(`${where} scaled: ${p}`);
        scaledChecked += Object.keys(scaled).length;
      } catch (error) {
        problems.push(`${where} scaled: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    expect(rawChecked).toBeGreaterThan(1000);
    expect(scaledChecked).toBeGreaterThan(1000);
  });
});

describe("files cantools loads only non-strictly (documented behaviour, not cantools')", () => {
  it("decodes overlapping signals each on its own (issue_63)", () => {
    const message = load("cantools/issue_63.dbc").message("AFT1PSI2")!;
    const data = hexBytes("685d2578acfb210b");
    const out = message.decode(data, { raw: true });
    // HtrRes is bits 40..55 and MaxRes bits 32..47, both Intel: read straight from the bytes.
    expect(out.HtrRes).toBe(data[5]! | (data[6]! << 8));
    expect(out.MaxRes).toBe(data[4]! | (data[5]! << 8));
  });

  it("never reads a signal that lies outside its frame (bad_message_length)", () => {
    const db = load("cantools/bad_message_length.dbc");
    expect(db.diagnostics.map((d) => d.code)).toContain("signal-outside-frame");
    expect(db.message("Message1")!.decode(hexBytes("ff"))).toEqual({});
  });
});
