/**
 * `dimo can …` end to end: the real command, spawned as a user runs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loggerConfigJsonSchema } from "@dimo-open/can";
import { afterAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const corpus = fileURLToPath(new URL("../../../../../shared/conformance/dbc/", import.meta.url));
const motohawk = join(corpus, "cantools/motohawk.dbc");
const toyota = join(corpus, "opendbc/generated/toyota_nodsu_pt_generated.dbc");
const scratch = mkdtempSync(join(tmpdir(), "dimo-can-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function dimo(args: string[], input = "") {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    cwd: repo,
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("dimo can decode", () => {
  it("prints one JSON line per decoded frame, with cantools' values", () => {
    const r = dimo(
      ["can", "decode", "--json", motohawk],
      "(1436509052.249713) can0 1F0#0000000000000000\n(2.0) can0 1F0#FFFFFFFFFFFFFFFF\n",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        t: 1436509052.249713,
        id: 0x1f0,
        name: "ExampleMessage",
        signals: { Temperature: 250, AverageRadius: 0, Enable: "Disabled" },
      },
      {
        t: 2,
        id: 0x1f0,
        name: "ExampleMessage",
        signals: { Temperature: 249.99, AverageRadius: 6.300000000000001, Enable: "Enabled" },
      },
    ]);
  });

  it("prints cantools-style text, passes unknown frames through, and exits 3 when some lines are not frames", () => {
    const r = dimo(
      ["can", "decode", motohawk],
      "(1.0) can0 1F0#0000000000000000\n(1.1) can0 123#01\nnot a frame\n(1.2) can0 1F0#00\n",
    );
    expect(r.code).toBe(3);
    expect(r.stdout.split("\n")).toEqual([
      "(1.0) can0 1F0#0000000000000000 :: ExampleMessage(Temperature: 250 degK, AverageRadius: 0 m, Enable: 'Disabled' -)",
      "(1.1) can0 123#01",
      "not a frame",
      "(1.2) can0 1F0#00 :: error: Frame for ExampleMessage is 1 byte(s) but the DBC says 8.",
      "",
    ]);
    expect(r.stderr).toMatch(/line 3: Not a candump frame line/);
    expect(r.stderr).toMatch(/1 input line\(s\) were not candump frames/);
  });

  it("decodes short frames with --truncated and numbers with --no-choices", () => {
    const r = dimo(
      ["can", "decode", "--json", "--truncated", "--no-choices", motohawk],
      "(1.0) can0 1F0#80\n",
    );
    expect(JSON.parse(r.stdout)).toEqual({
      t: 1,
      id: 0x1f0,
      name: "ExampleMessage",
      signals: { AverageRadius: 0, Enable: 1 },
    });
  });

  it("decodes a real opendbc file", () => {
    const r = dimo(["can", "decode", "--json", toyota], "(5.0) can0 0B4#0000000000271000\n");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "SPEED", signals: { SPEED: 100, CHECKSUM: 0 } });
  });

  it("fails with exit 1 and a located message for a missing or broken DBC", () => {
    expect(dimo(["can", "decode", join(scratch, "nope.dbc")])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no such DBC file: .*nope\.dbc/),
    });
    const broken = join(scratch, "broken.dbc");
    writeFileSync(broken, 'BO_ 1 M: 8 A\n SG_ S : 0|8@7+ (1,0) [0|0] "" A\n');
    expect(dimo(["can", "decode", broken])).toMatchObject({
      code: 1,
      stderr:
        "dimo: cannot use the DBC: broken.dbc:2:14: expected a byte order (0 Motorola, 1 Intel), found the number 7.\n",
    });
  });

  it("exits 2 on usage errors", () => {
    expect(dimo(["can", "decode"]).code).toBe(2);
    expect(dimo(["can", "decode", "--bogus", motohawk]).code).toBe(2);
  });
});

describe("dimo can logger-schema / check-config", () => {
  it("prints the logger configuration's JSON Schema", () => {
    const r = dimo(["can", "logger-schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(loggerConfigJsonSchema());
  });

  it("validates a configuration against its DBC", () => {
    const good = join(scratch, "good.json");
    writeFileSync(
      good,
      JSON.stringify({
        version: 1,
        signals: [
          { name: "speed", source: { dbc: { message: "SPEED", signal: "SPEED" } }, unit: "km/h" },
          { name: "powertrainCombustionEngineSpeed", source: { obd: { pid: "0x0C" } } },
        ],
      }),
    );
    expect(dimo(["can", "check-config", good, "--dbc", toyota, "--json"])).toMatchObject({
      code: 0,
      stdout: `${JSON.stringify({ valid: true, signals: 2, obdPolls: [{ pid: 12, intervalMs: 1000 }] })}\n`,
    });
    const bad = join(scratch, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        signals: [{ name: "speed", source: { dbc: { message: "SPEED", signal: "SPED" } } }],
      }),
    );
    const r = dimo(["can", "check-config", bad, "--dbc", toyota]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'signals[0].source.dbc.signal: message SPEED has no signal "SPED" (did you mean SPEED?)',
    );
  });
});
