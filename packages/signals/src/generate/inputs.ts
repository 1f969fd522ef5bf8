/**
 * The source files the catalogue is generated from (DIMO model-garage data, Apache-2.0).
 * Build time only: nothing under src/generate is exported by the package, and the product never
 * reads these files; it reads the checked-in catalogue.gen.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SOURCE_FILES = {
  vss: "vss_rel_4.2-DIMO-7fad33e.csv",
  definitions: "default-definitions.yaml",
  events: "default-event-names.yaml",
  autopi: "autopi_definitions.yaml",
  ruptela: "ruptela_definitions.yaml",
  oids: "oids.csv",
  license: "LICENSE",
  source: "SOURCE",
} as const;

export type SourceTexts = Record<keyof typeof SOURCE_FILES, string>;

/** `<repo>/../shared/reference/signals`: the shared folder sits beside the repository. */
export function sharedSignalsDir(): string {
  return fileURLToPath(new URL("../../../../../shared/reference/signals/", import.meta.url));
}

/** The package folder (packages/signals), where the generated files are written. */
export function packageDir(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

export function readSourceTexts(dir: string = sharedSignalsDir()): SourceTexts {
  const texts = {} as SourceTexts;
  for (const [key, file] of Object.entries(SOURCE_FILES) as [keyof SourceTexts, string][]) {
    try {
      texts[key] = readFileSync(join(dir, file), "utf8");
    } catch (cause) {
      throw new Error(
        `Cannot read ${join(dir, file)}: the catalogue is generated from shared/reference/signals beside the repository.`,
        { cause },
      );
    }
  }
  return texts;
}
