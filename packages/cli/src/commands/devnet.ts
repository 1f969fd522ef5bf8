import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { DEVNET_MNEMONIC, startDevnetNetwork } from "@dimo-open/protocol/devnet";
import type { Command } from "commander";
import { CliError, ExitCode } from "../errors.ts";

interface DevnetOptions {
  dataDir: string;
  host: string;
  port: string;
  reset?: boolean;
  json?: boolean;
}

/** `dimo devnet`: the whole network on one machine, on embedded defaults. */
export function registerDevnetCommand(program: Command): void {
  program
    .command("devnet")
    .description(
      "start a local DIMO network: in-process EVM chain with the protocol deployed (resumes from --data-dir)",
    )
    .option("--data-dir <dir>", "where the chain journal and deployment record live", ".devnet")
    .option("--host <host>", "interface for JSON-RPC", "127.0.0.1")
    .option("--port <port>", "JSON-RPC port (0 picks a free one)", "8545")
    .option("--reset", "discard the data dir and start a new network")
    .option("--json", "print the network description as JSON")
    .action(async (options: DevnetOptions) => {
      const dataDir = resolve(options.dataDir);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CliError(
          `--port must be an integer from 0 to 65535, got "${options.port}"`,
          ExitCode.Usage,
        );
      }
      if (options.reset) rmSync(dataDir, { recursive: true, force: true });
      const progress = (line: string) => {
        if (!options.json) process.stderr.write(`${line}\n`);
      };
      progress(`devnet: starting chain in ${dataDir} …`);
      const network = await startDevnetNetwork({ dataDir, host: options.host, port });
      const { deployment } = network;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...deployment, dataDir, resumed: network.resumed })}\n`);
      } else {
        progress(network.resumed ? "devnet: resumed the existing network" : "devnet: deployed the protocol");
        const lines = [
          "",
          `  JSON-RPC   ${deployment.rpcUrl}   (chain id ${deployment.chainId})`,
          `  Data dir   ${dataDir}`,
          "",
          "  Contracts",
          ...Object.entries(deployment.addresses).map(
            ([name, address]) => `    ${name.padEnd(20)} ${address}`,
          ),
          "",
          `  Accounts: derived from the public test mnemonic "${DEVNET_MNEMONIC}"`,
          `    (account 0 = ${deployment.deployer}: deployer, registry admin, DIMO treasury)`,
          "",
          `  Try: cast block-number --rpc-url ${deployment.rpcUrl}`,
          "  Stop with Ctrl-C; `npm start` again resumes this network, `--reset` starts over.",
          "",
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      await new Promise<void>((done) => {
        const stop = () => {
          progress("devnet: stopping …");
          network.close().then(done, (error: unknown) => {
            process.stderr.write(`devnet: error while stopping: ${String(error)}\n`);
            done();
          });
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
