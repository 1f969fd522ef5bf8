/**
 * @dimo-open/cli: the `dimo` command (main.ts) and, for programs and tests, the devnet stack it
 * runs: `startDevnetStack(options)` brings up the chain, the demo data, the node, the simulated
 * fleet and the console in one process.
 */
export * from "./stack/index.ts";
