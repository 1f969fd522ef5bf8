import { createRequire } from "node:module";
import { SOLC_VERSION, SOURCES_HASH } from "@dimo-open/protocol";
import { describe, expect, it } from "vitest";
import { sourcesHash } from "../scripts/sources.ts";

describe("compiled artifacts", () => {
  it("are built from the current sources with the installed solc (run `npm run build:contracts` if not)", () => {
    const solc = createRequire(import.meta.url)("solc") as { version(): string };
    expect(solc.version()).toBe(SOLC_VERSION);
    expect(sourcesHash(SOLC_VERSION)).toBe(SOURCES_HASH);
  });
});
