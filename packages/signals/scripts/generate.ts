/**
 * Regenerate the signal catalogue from <repo>/../shared/reference/signals:
 *   npm run generate -w packages/signals
 * Writes src/catalogue.gen.ts, NOTICE and LICENSE.model-garage. The freshness test
 * (src/generate/freshness.test.ts) fails when the checked-in files differ from what this writes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir, readSourceTexts, sharedSignalsDir } from "../src/generate/inputs.ts";
import { renderCatalogueFiles } from "../src/generate/render.ts";

const dir = process.argv[2] ?? sharedSignalsDir();
for (const [path, text] of Object.entries(renderCatalogueFiles(readSourceTexts(dir)))) {
  writeFileSync(join(packageDir(), path), text);
  console.log(`wrote packages/signals/${path}`);
}
