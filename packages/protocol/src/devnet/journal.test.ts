import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, type Hex, parseEther } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { DEVNET_MNEMONIC, deriveDevnetAccounts } from "./accounts.ts";
import { devnetClients } from "./clients.ts";
import { counterAbi, counterBytecode } from "./counter.fixture.ts";
import { LOCK_FILE } from "./dataDirLock.ts";
import {
  DevnetConfigMismatchError,
  DevnetDataDirLockedError,
  JournalCorruptError,
  JournalReplayError,
} from "./errors.ts";
import { JOURNAL_FILE } from "./journal.ts";
import type { DevnetLogger } from "./logger.ts";
import { createDevnetProvider, type DevnetProvider, type DevnetProviderOptions } from "./provider.ts";

const GENESIS = 1_750_000_000;
const dirs: string[] = [];
const open: DevnetProvider[] = [];

afterEach(async () => {
  for (const devnet of open.splice(0)) await devnet.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "devnet-journal-"));
  dirs.push(dir);
  return dir;
}

function recordingLogger(): DevnetLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (_details, message) => warnings.push(message) };
}

async function start(options: DevnetProviderOptions): Promise<DevnetProvider> {
  const devnet = await createDevnetProvider({
    initialTimestamp: GENESIS,
    accounts: 4,
    logger: recordingLogger(),
    ...options,
  });
  open.push(devnet);
  return devnet;
}

/** Opens an existing data dir with no settings but the dir: they come from its journal. */
async function reopen(dir: string, options: DevnetProviderOptions = {}): Promise<DevnetProvider> {
  const devnet = await createDevnetProvider({ logger: recordingLogger(), ...options, dataDir: dir });
  open.push(devnet);
  return devnet;
}

async function stop(devnet: DevnetProvider): Promise<void> {
  await devnet.close();
  open.splice(open.indexOf(devnet), 1);
}

/** Every block (number, hash, timestamp, transactions) and every log of the chain. */
async function chainDigest(devnet: DevnetProvider) {
  const latest = BigInt((await devnet.request({ method: "eth_blockNumber" })) as Hex);
  const blocks: unknown[] = [];
  for (let n = 0n; n <= latest; n++) {
    const block = (await devnet.request({
      method: "eth_getBlockByNumber",
      params: [`0x${n.toString(16)}`, false],
    })) as {
      hash: Hex;
      stateRoot: Hex;
      timestamp: Hex;
      transactions: Hex[];
    };
    blocks.push([n, block.hash, block.stateRoot, block.timestamp, block.transactions]);
  }
  const logs = await devnet.request({
    method: "eth_getLogs",
    params: [{ fromBlock: "0x0", toBlock: "latest" }],
  });
  return { blocks, logs };
}

/** Builds a chain that uses every kind of journaled call. */
async function buildHistory(devnet: DevnetProvider): Promise<{ counter: Hex; keptSnapshot: Hex }> {
  const { publicClient, walletClients, testClient } = devnetClients(devnet);
  const deployed = await publicClient.waitForTransactionReceipt({
    hash: await walletClients[0]!.deployContract({ abi: counterAbi, bytecode: counterBytecode() }),
  });
  const counter = deployed.contractAddress!;
  const increment = async (index: number) =>
    publicClient.waitForTransactionReceipt({
      hash: await walletClients[index]!.writeContract({
        address: counter,
        abi: counterAbi,
        functionName: "increment",
      }),
    });
  await increment(1);
  await testClient.increaseTime({ seconds: 600 });
  await increment(2);
  const latest = await publicClient.getBlock();
  await testClient.setNextBlockTimestamp({ timestamp: latest.timestamp + 7200n });
  await increment(3);
  await testClient.mine({ blocks: 5, interval: 12 });
  // A snapshot reverted to (its blocks vanish) and one kept for later.
  const reverted = await testClient.snapshot();
  await increment(0);
  await testClient.revert({ id: reverted });
  const keptSnapshot = await testClient.snapshot();
  // Several transactions in one block.
  await testClient.setAutomine(false);
  for (const index of [0, 1, 2]) {
    await walletClients[index]!.writeContract({
      address: counter,
      abi: counterAbi,
      functionName: "increment",
      gas: 100_000n,
    });
  }
  await testClient.mine({ blocks: 1 });
  await testClient.setAutomine(true);
  // State edits, an impersonated sender, and a transaction signed outside the devnet.
  const stranger = "0x000000000000000000000000000000000000bEEF" as const;
  await testClient.setBalance({ address: stranger, value: parseEther("5") });
  await testClient.impersonateAccount({ address: stranger });
  await publicClient.waitForTransactionReceipt({
    hash: await devnetClients(devnet).walletClients[0]!.sendTransaction({
      account: stranger,
      to: counter,
      data: "0xd09de08a", // increment()
    }),
  });
  await testClient.stopImpersonatingAccount({ address: stranger });
  const local = deriveDevnetAccounts(DEVNET_MNEMONIC, 1)[0]!;
  const signer = createWalletClient({
    account: local,
    chain: devnetClients(devnet).chain,
    transport: custom(devnet),
  });
  await publicClient.waitForTransactionReceipt({
    hash: await signer.writeContract({ address: counter, abi: counterAbi, functionName: "increment" }),
  });
  return { counter, keptSnapshot };
}

describe("devnet journal", () => {
  it("a restart replays the journal to identical blocks, hashes and logs", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    const { counter, keptSnapshot } = await buildHistory(first);
    const before = await chainDigest(first);
    const count = await devnetClients(first).publicClient.readContract({
      address: counter,
      abi: counterAbi,
      functionName: "count",
    });
    expect(count).toBe(8n);
    expect((before.logs as unknown[]).length).toBe(8);
    await stop(first);

    const second = await reopen(dir);
    expect(second.replayedEntries).toBeGreaterThan(20);
    expect(await chainDigest(second)).toEqual(before);
    const { publicClient, walletClients, testClient } = devnetClients(second);
    expect(
      await publicClient.readContract({ address: counter, abi: counterAbi, functionName: "count" }),
    ).toBe(8n);

    // The chain goes on, and a snapshot id handed out before the restart is still valid.
    await publicClient.waitForTransactionReceipt({
      hash: await walletClients[0]!.writeContract({
        address: counter,
        abi: counterAbi,
        functionName: "increment",
      }),
    });
    const extended = await chainDigest(second);
    await testClient.revert({ id: keptSnapshot });
    expect(
      await publicClient.readContract({ address: counter, abi: counterAbi, functionName: "count" }),
    ).toBe(3n);
    const reverted = await chainDigest(second);
    expect(reverted.blocks.length).toBeLessThan(extended.blocks.length);
    await stop(second);

    const third = await reopen(dir);
    expect(await chainDigest(third)).toEqual(reverted);
  });

  it("journals concurrent calls in the order they ran", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    const [a, b] = first.accounts.map((account) => account.address);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        first.request({
          method: "eth_sendTransaction",
          params: [{ from: i % 2 ? a : b, to: i % 2 ? b : a, value: `0x${(i + 1).toString(16)}` }],
        }),
      ),
    );
    const before = await chainDigest(first);
    expect(before.blocks).toHaveLength(21);
    await stop(first);
    expect(await chainDigest(await reopen(dir))).toEqual(before);
  });

  it("journals only the calls that changed the chain", async () => {
    const dir = dataDir();
    const devnet = await start({ dataDir: dir });
    const lines = () => readFileSync(join(dir, JOURNAL_FILE), "utf8").split("\n").filter(Boolean).length;
    expect(lines()).toBe(1); // the header
    await devnet.request({ method: "eth_blockNumber" });
    await devnet.request({ method: "eth_getBalance", params: [devnet.accounts[0]!.address, "latest"] });
    const refused = await devnet.handle({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendTransaction",
      params: [{ from: devnet.accounts[0]!.address, to: devnet.accounts[1]!.address, nonce: "0x5" }],
    });
    expect("error" in refused).toBe(true);
    expect(await devnet.request({ method: "evm_revert", params: ["0x99"] })).toBe(false);
    expect(lines()).toBe(1);
    await devnet.request({ method: "hardhat_setBalance", params: [devnet.accounts[1]!.address, "0x1"] });
    expect(lines()).toBe(2);
  });

  it("keeps the settings the chain was created with", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir, chainId: 4242, accounts: 2 });
    await stop(first);
    // Left out, the journal's settings apply.
    const second = await reopen(dir);
    expect(second.chainId).toBe(4242);
    expect(second.accounts).toHaveLength(2);
    await stop(second);
    // Contradicting them is an error naming the setting.
    await expect(reopen(dir, { chainId: 1 })).rejects.toThrow(DevnetConfigMismatchError);
    await expect(reopen(dir, { accounts: 3 })).rejects.toThrow(/accounts/);
    await expect(reopen(dir, { initialTimestamp: GENESIS + 1 })).rejects.toThrow(/initialTimestamp/);
    const otherMnemonic =
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    await expect(reopen(dir, { mnemonic: otherMnemonic })).rejects.toThrow(/mnemonic/);
    // A failed start leaves the data dir free.
    const fourth = await reopen(dir);
    expect(fourth.chainId).toBe(4242);
  });

  it("drops an incomplete last line left by a crash, says so, and appends cleanly after it", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    const { walletClients, publicClient } = devnetClients(first);
    await publicClient.waitForTransactionReceipt({
      hash: await walletClients[0]!.sendTransaction({ to: walletClients[1]!.account.address, value: 1n }),
    });
    const before = await chainDigest(first);
    await stop(first);
    const file = join(dir, JOURNAL_FILE);
    const intact = readFileSync(file, "utf8");
    appendFileSync(file, '{"seq":3,"at":1750000000000,"method":"eth_sendRawTran');

    const logger = recordingLogger();
    const second = await reopen(dir, { logger });
    expect(logger.warnings.join("\n")).toMatch(/incomplete line/);
    expect(await chainDigest(second)).toEqual(before);
    expect(readFileSync(file, "utf8")).toBe(intact);
    const clients = devnetClients(second);
    await clients.publicClient.waitForTransactionReceipt({
      hash: await clients.walletClients[0]!.sendTransaction({
        to: walletClients[1]!.account.address,
        value: 2n,
      }),
    });
    const after = await chainDigest(second);
    await stop(second);

    const third = await reopen(dir);
    expect(await chainDigest(third)).toEqual(after);
  });

  it("treats an unreadable but complete last line as torn too", async () => {
    const dir = dataDir();
    await stop(await start({ dataDir: dir }));
    appendFileSync(join(dir, JOURNAL_FILE), "\0\0\0\0\n");
    const logger = recordingLogger();
    const devnet = await reopen(dir, { logger });
    expect(logger.warnings.join("\n")).toMatch(/last line is unreadable/);
    expect(devnet.replayedEntries).toBe(0);
  });

  it("refuses a journal damaged before its last line, naming the line", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    await first.request({ method: "evm_mine" });
    await first.request({ method: "evm_mine" });
    await stop(first);
    const file = join(dir, JOURNAL_FILE);
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = lines[1]!.slice(0, 20);
    writeFileSync(file, lines.join("\n"));
    const error = await reopen(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as JournalCorruptError).line).toBe(2);
  });

  it("detects a replay that lands on a different block", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    await first.request({ method: "evm_mine" });
    await first.request({ method: "evm_mine" });
    await stop(first);
    const file = join(dir, JOURNAL_FILE);
    const lines = readFileSync(file, "utf8").split("\n");
    const entry = JSON.parse(lines[1]!) as { head: { hash: string } };
    entry.head.hash = `0x${"ab".repeat(32)}`;
    lines[1] = JSON.stringify(entry);
    writeFileSync(file, lines.join("\n"));
    const error = await reopen(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalReplayError);
    expect((error as JournalReplayError).line).toBe(2);
  });

  it("lets one devnet at a time use a data dir, and takes over a dead process's lock", async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    const error = await reopen(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetDataDirLockedError);
    expect((error as DevnetDataDirLockedError).pid).toBe(process.pid);
    await stop(first);

    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dir, LOCK_FILE), `${deadPid}\n`);
    const logger = recordingLogger();
    const second = await reopen(dir, { logger });
    expect(logger.warnings.join("\n")).toMatch(/taking over the lock/);
    await stop(second);
  });

  it("keeps the chain clock running across a restart", async () => {
    const dir = dataDir();
    const now = Math.floor(Date.now() / 1000);
    const first = await start({ dataDir: dir, initialTimestamp: now - 1_000_000 });
    await first.request({ method: "evm_mine" });
    const mined = (await devnetClients(first).publicClient.getBlock()).timestamp;
    // Time travel after the last block must survive the restart too.
    await first.request({ method: "evm_increaseTime", params: [5000] });
    await stop(first);

    const second = await reopen(dir);
    await second.request({ method: "evm_mine" });
    const next = (await devnetClients(second).publicClient.getBlock()).timestamp;
    expect(next - mined).toBeGreaterThanOrEqual(5000n);
    expect(next - mined).toBeLessThan(5000n + 30n);
  });
});
