/**
 * A small contract for the devnet's tests and benchmark, compiled at run time with the solc the
 * repository already has: one storage write and one event per call, like a registry's mint.
 * Not part of the package's public entry.
 */
import solc from "solc";
import { type Hex, parseAbi } from "viem";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

contract Counter {
    uint256 public count;

    event Incremented(address indexed by, uint256 count);

    error Refused(uint256 count);

    function increment() external {
        count += 1;
        emit Incremented(msg.sender, count);
    }

    function refuse() external view {
        revert Refused(count);
    }
}
`;

export const counterAbi = parseAbi([
  "function count() view returns (uint256)",
  "function increment()",
  "function refuse() view",
  "event Incremented(address indexed by, uint256 count)",
  "error Refused(uint256 count)",
]);

let bytecode: Hex | undefined;

/** The Counter's creation bytecode (compiled once per process, evmVersion cancun). */
export function counterBytecode(): Hex {
  if (bytecode) return bytecode;
  const input = {
    language: "Solidity",
    sources: { "Counter.sol": { content: SOURCE } },
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { Counter: ["evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: { "Counter.sol"?: { Counter?: { evm: { bytecode: { object: string } } } } };
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0)
    throw new Error(`Counter does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const object = output.contracts?.["Counter.sol"]?.Counter?.evm.bytecode.object;
  if (!object) throw new Error("solc returned no bytecode for Counter");
  bytecode = `0x${object}`;
  return bytecode;
}
