import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of contracts/ and the compiler settings every build uses. */
export const contractsRoot = fileURLToPath(new URL("..", import.meta.url));
export const artifactsDir = fileURLToPath(new URL("../../packages/protocol/src/artifacts/", import.meta.url));

export const compilerSettings = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
} as const;

/** Every .sol file under contracts/src, as `src/...` paths in a stable order. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".sol")) out.push(relative(contractsRoot, path));
    }
  };
  walk(join(contractsRoot, "src"));
  return out;
}

/** Hash of sources + settings + compiler version: the artifacts record it so staleness is detectable. */
export function sourcesHash(solcVersion: string): string {
  const h = createHash("sha256");
  h.update(solcVersion);
  h.update(JSON.stringify(compilerSettings));
  for (const file of sourceFiles()) {
    h.update(file);
    h.update(readFileSync(join(contractsRoot, file)));
  }
  return h.digest("hex");
}
