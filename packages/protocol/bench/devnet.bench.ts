/**
 * Devnet throughput: how many state-changing contract calls per second the in-process EVM takes,
 * called in process and over JSON-RPC, with and without the journal, mined one per block
 * (automine) or many per block; and how fast a restart replays the journal.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, encodeFunctionData, type Hex } from "viem";
import { counterAbi, counterBytecode } from "../src/devnet/counter.fixture.ts";
import {
  createDevnetProvider,
  type DevnetLogger,
  type DevnetProvider,
  devnetClients,
  JOURNAL_FILE,
  startDevnet,
} from "../src/devnet/index.ts";

const SEQUENTIAL = 2000;
const BATCHED = 5000;
const PER_BLOCK = 500;
const VIEM_CALLS = 300;
const quiet: DevnetLogger = { info() {}, warn() {} };
const INCREMENT = encodeFunctionData({ abi: counterAbi, functionName: "increment" });
// An explicit gas limit, as a wallet would set after estimating: without one the EVM reserves
// its default (half a block) per transaction, and few would fit in a block.
const GAS = "0x186a0";

interface Row {
  scenario: string;
  txs: number;
  ms: number;
  blocks: number;
}

type Send = (method: string, params: unknown[]) => Promise<unknown>;

function inProcess(devnet: DevnetProvider): Send {
  return (method, params) => devnet.request({ method, params });
}

function overHttp(rpcUrl: string): {
  send: Send;
  batch: (calls: [string, unknown[]][]) => Promise<unknown[]>;
} {
  let id = 0;
  const post = async (body: unknown) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.json() as Promise<unknown>;
  };
  return {
    async send(method, params) {
      const answer = (await post({ jsonrpc: "2.0", id: ++id, method, params })) as {
        result?: unknown;
        error?: unknown;
      };
      if (answer.error) throw new Error(JSON.stringify(answer.error));
      return answer.result;
    },
    async batch(calls) {
      const answers = (await post(
        calls.map(([method, params]) => ({ jsonrpc: "2.0", id: ++id, method, params })),
      )) as { result?: unknown; error?: unknown }[];
      const failed = answers.find((a) => a.error);
      if (failed) throw new Error(JSON.stringify(failed.error));
      return answers.map((a) => a.result);
    },
  };
}

async function deployCounter(send: Send, from: Address): Promise<Address> {
  const hash = await send("eth_sendTransaction", [{ from, data: counterBytecode(), gas: "0x1e8480" }]);
  const receipt = (await send("eth_getTransactionReceipt", [hash])) as { contractAddress: Address };
  return receipt.contractAddress;
}

async function blockNumber(send: Send): Promise<number> {
  return Number(await send("eth_blockNumber", []));
}

/** `count` transactions one after another, each mined in its own block before the next is sent. */
async function sequential(
  scenario: string,
  send: Send,
  from: Address,
  to: Address,
  count: number,
): Promise<Row> {
  for (let i = 0; i < 50; i++) await send("eth_sendTransaction", [{ from, to, data: INCREMENT, gas: GAS }]);
  const firstBlock = await blockNumber(send);
  const started = performance.now();
  for (let i = 0; i < count; i++)
    await send("eth_sendTransaction", [{ from, to, data: INCREMENT, gas: GAS }]);
  const ms = performance.now() - started;
  return { scenario, txs: count, ms, blocks: (await blockNumber(send)) - firstBlock };
}

/** Automine off: `count` transactions queued, mined `PER_BLOCK` to a block with evm_mine. */
async function batchedInProcess(
  scenario: string,
  send: Send,
  from: Address,
  to: Address,
  count: number,
): Promise<Row> {
  await send("evm_setAutomine", [false]);
  const firstBlock = await blockNumber(send);
  const started = performance.now();
  for (let sent = 0; sent < count; sent += PER_BLOCK) {
    for (let i = 0; i < PER_BLOCK; i++)
      await send("eth_sendTransaction", [{ from, to, data: INCREMENT, gas: GAS }]);
    await send("evm_mine", []);
  }
  const ms = performance.now() - started;
  await send("evm_setAutomine", [true]);
  return { scenario, txs: count, ms, blocks: (await blockNumber(send)) - firstBlock };
}

/** The same over HTTP, each block's transactions sent as one JSON-RPC batch, then evm_mine. */
async function batchedOverHttp(
  scenario: string,
  http: ReturnType<typeof overHttp>,
  from: Address,
  to: Address,
  count: number,
): Promise<Row> {
  await http.send("evm_setAutomine", [false]);
  const firstBlock = await blockNumber(http.send);
  const call: [string, unknown[]] = ["eth_sendTransaction", [{ from, to, data: INCREMENT, gas: GAS }]];
  const started = performance.now();
  for (let sent = 0; sent < count; sent += PER_BLOCK) {
    await http.batch(Array.from({ length: PER_BLOCK }, () => call));
    await http.send("evm_mine", []);
  }
  const ms = performance.now() - started;
  await http.send("evm_setAutomine", [true]);
  return { scenario, txs: count, ms, blocks: (await blockNumber(http.send)) - firstBlock };
}

/** What an application sees: viem's writeContract, then waitForTransactionReceipt. */
async function viaViem(scenario: string, devnet: DevnetProvider, to: Address, count: number): Promise<Row> {
  const { publicClient, walletClients } = devnetClients(devnet);
  const wallet = walletClients[0]!;
  const once = async () => {
    const hash: Hex = await wallet.writeContract({ address: to, abi: counterAbi, functionName: "increment" });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 1 });
  };
  for (let i = 0; i < 20; i++) await once();
  const firstBlock = Number(await publicClient.getBlockNumber());
  const started = performance.now();
  for (let i = 0; i < count; i++) await once();
  const ms = performance.now() - started;
  return { scenario, txs: count, ms, blocks: Number(await publicClient.getBlockNumber()) - firstBlock };
}

function table(rows: Row[]): string {
  const lines = [
    "| scenario | transactions | blocks | seconds | tx/s | µs per tx |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const seconds = row.ms / 1000;
    lines.push(
      `| ${row.scenario} | ${row.txs} | ${row.blocks} | ${seconds.toFixed(2)} | ${Math.round(row.txs / seconds)} | ${Math.round((row.ms * 1000) / row.txs)} |`,
    );
  }
  return lines.join("\n");
}

export default async function bench(): Promise<string> {
  const rows: Row[] = [];
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "devnet-bench-"));
    dirs.push(dir);
    return dir;
  };
  try {
    // A throwaway chain first, so that no measured row pays for warming up the JIT and the EVM.
    const warmUp = await createDevnetProvider({ logger: quiet, accounts: 1 });
    {
      const send = inProcess(warmUp);
      const from = warmUp.accounts[0]!.address;
      await sequential("warm-up", send, from, await deployCounter(send, from), 500);
    }
    await warmUp.close();

    // In process, chain in memory: the EVM alone.
    const memory = await createDevnetProvider({ logger: quiet, accounts: 2 });
    {
      const send = inProcess(memory);
      const from = memory.accounts[0]!.address;
      const counter = await deployCounter(send, from);
      rows.push(await sequential("in-process, memory only, automine", send, from, counter, SEQUENTIAL));
      rows.push(
        await batchedInProcess(
          `in-process, memory only, ${PER_BLOCK} tx/block`,
          send,
          from,
          counter,
          BATCHED,
        ),
      );
    }
    await memory.close();

    // In process, journaled without fsync, to show what the fsync costs.
    const unsynced = await createDevnetProvider({
      logger: quiet,
      accounts: 2,
      dataDir: tempDir(),
      journalSync: false,
    });
    {
      const send = inProcess(unsynced);
      const from = unsynced.accounts[0]!.address;
      const counter = await deployCounter(send, from);
      rows.push(
        await sequential("in-process, journal without fsync, automine", send, from, counter, SEQUENTIAL),
      );
    }
    await unsynced.close();

    // Served over HTTP with the journal fsync'd (the default); the same chain also called in process.
    const dataDir = tempDir();
    const served = await startDevnet({ dataDir, port: 0, logger: quiet, accounts: 2 });
    let entries = 0;
    let blocks = 0;
    {
      const send = inProcess(served.provider);
      const http = overHttp(served.rpcUrl);
      const from = served.accounts[0]!.address;
      const counter = await deployCounter(send, from);
      rows.push(await sequential("in-process, journal fsync'd, automine", send, from, counter, SEQUENTIAL));
      rows.push(
        await sequential(
          "JSON-RPC over HTTP, journal fsync'd, automine",
          http.send,
          from,
          counter,
          SEQUENTIAL,
        ),
      );
      rows.push(
        await batchedInProcess(
          `in-process, journal fsync'd, ${PER_BLOCK} tx/block`,
          send,
          from,
          counter,
          BATCHED,
        ),
      );
      rows.push(
        await batchedOverHttp(
          `JSON-RPC over HTTP (batches of ${PER_BLOCK}), journal fsync'd, ${PER_BLOCK} tx/block`,
          http,
          from,
          counter,
          BATCHED,
        ),
      );
      rows.push(
        await viaViem(
          "viem writeContract + receipt, in-process, journal fsync'd",
          served.provider,
          counter,
          VIEM_CALLS,
        ),
      );
      blocks = await blockNumber(send);
    }
    await served.close();
    const journalBytes = statSync(join(dataDir, JOURNAL_FILE)).size;

    // Restart: replay the whole journal.
    const started = performance.now();
    const replayed = await createDevnetProvider({ dataDir, logger: quiet });
    const replayMs = performance.now() - started;
    entries = replayed.replayedEntries;
    await replayed.close();

    return [
      "## Devnet throughput (in-process EVM, EDR 0.13)",
      "",
      "Each transaction calls `Counter.increment()` (one storage write, one event) from an unlocked account",
      "(`eth_sendTransaction`, gas limit given) on the devnet (`packages/protocol/src/devnet`), hardfork prague.",
      `Sequential rows send ${SEQUENTIAL} transactions one after another with automine (one block each, answered after`,
      `mining and journaling); batched rows turn automine off and mine ${PER_BLOCK} per block with \`evm_mine\`. HTTP rows`,
      "POST to the devnet's JSON-RPC server on 127.0.0.1 with Node's fetch (keep-alive). \"fsync'd\" = each journal",
      "line is written and fdatasync'd before the answer. 50 warm-up transactions precede each sequential row.",
      "",
      table(rows),
      "",
      `Journal replay on restart: ${entries} entries (${blocks} blocks, ${(journalBytes / 2 ** 20).toFixed(1)} MiB) in ${(replayMs / 1000).toFixed(2)} s`,
      `= ${Math.round(entries / (replayMs / 1000))} entries/s, including creating the EVM and checking every block hash.`,
    ].join("\n");
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
