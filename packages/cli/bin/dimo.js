#!/usr/bin/env node
// The `dimo` command for `npx dimo …` inside the repository: the CLI runs from its TypeScript
// sources (no build step), so this launcher registers tsx's loader and then runs main.ts.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
