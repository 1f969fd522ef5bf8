import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedFile, generateProtobufSource } from "../../../proto/generate.ts";

describe("protobuf generated code", () => {
  it("is what buf generates from proto/ today (run `npm run generate -w packages/stream`)", () => {
    expect(readFileSync(generatedFile, "utf8")).toBe(generateProtobufSource());
  });
});
