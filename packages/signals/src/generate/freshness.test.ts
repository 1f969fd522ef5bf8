import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fixture from "../__fixtures__/autopi-status-v2.json" with { type: "json" };
import { packageDir, readSourceTexts, sharedSignalsDir } from "./inputs.ts";
import { renderCatalogueFiles } from "./render.ts";

// The only test that reads ../shared: it proves the checked-in catalogue is what the generator
// makes from DIMO's files today. If it fails, run `npm run generate -w packages/signals`.
describe("generated catalogue", () => {
  const files = renderCatalogueFiles(readSourceTexts());

  it.each(Object.keys(files))("%s is up to date", (path) => {
    expect(readFileSync(join(packageDir(), path), "utf8")).toBe(files[path]);
  });

  it("tests with a faithful excerpt of the real AutoPi payload", () => {
    const original = JSON.parse(
      readFileSync(join(sharedSignalsDir(), "..", "payloads", "autopi-status-v2.json"), "utf8"),
    ) as typeof fixture;
    const { data: originalData, ...originalEnvelope } = original;
    const { data, ...envelope } = fixture;
    expect(envelope).toEqual(originalEnvelope);
    expect(data.device).toEqual(originalData.device);
    for (const s of data.vehicle.signals) expect(originalData.vehicle.signals).toContainEqual(s);
    expect(new Set(data.vehicle.signals.map((s) => s.name))).toEqual(
      new Set(originalData.vehicle.signals.map((s) => s.name)),
    );
  });
});
