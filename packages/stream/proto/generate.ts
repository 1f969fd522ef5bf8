/**
 * Regenerates src/codec/protobuf/cloudevent_pb.gen.ts from proto/ with buf and protoc-gen-es
 * (both npm packages; buf ships its binary inside its package, so this works offline).
 *
 *   npm run generate -w packages/stream
 *
 * The output is renamed to `*.gen.ts` because the repository's formatter skips that suffix;
 * the generated file imports only @bufbuild/protobuf, so the rename breaks no import.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
export const generatedFile = join(packageDir, "src", "codec", "protobuf", "cloudevent_pb.gen.ts");

/** Runs buf generate into a temporary directory and returns the generated TypeScript. */
export function generateProtobufSource(): string {
  const out = mkdtempSync(join(tmpdir(), "dimo-stream-proto-"));
  try {
    const require = (p: string) => fileURLToPath(import.meta.resolve(p));
    const buf = require("@bufbuild/buf/bin/buf");
    const pluginBin = dirname(require("@bufbuild/protoc-gen-es/bin/protoc-gen-es"));
    execFileSync(process.execPath, [buf, "generate", "--template", "buf.gen.yaml", "-o", out], {
      cwd: packageDir,
      env: { ...process.env, PATH: `${pluginBin}${delimiter}${process.env.PATH ?? ""}` },
      stdio: ["ignore", "inherit", "inherit"],
    });
    return readFileSync(join(out, "gen", "dimo", "stream", "v1", "cloudevent_pb.ts"), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(generatedFile, generateProtobufSource());
  console.error(`wrote ${generatedFile}`);
}
