import { BaseError, ContractFunctionRevertedError, type Hex, numberToHex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetClients } from "./clients.ts";
import { counterAbi, counterBytecode } from "./counter.fixture.ts";
import { InvalidDevnetOptionError } from "./errors.ts";
import { DevnetRpcError, RpcErrorCode } from "./jsonRpc.ts";
import { createDevnetProvider, type DevnetProvider } from "./provider.ts";

const GENESIS = 1_750_000_000;

describe("createDevnetProvider (in memory)", () => {
  let devnet: DevnetProvider;
  let clients: ReturnType<typeof devnetClients>;
  let counter: Hex;

  beforeAll(async () => {
    devnet = await createDevnetProvider({ initialTimestamp: GENESIS, accounts: 5 });
    clients = devnetClients(devnet);
    const wallet = clients.walletClients[0]!;
    const hash = await wallet.deployContract({ abi: counterAbi, bytecode: counterBytecode() });
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
    counter = receipt.contractAddress!;
  });
  afterAll(() => devnet.close());

  it("serves the configured chain id, prague rules and funded, unlocked accounts", async () => {
    expect(devnet.chainId).toBe(31337);
    expect(await clients.publicClient.getChainId()).toBe(31337);
    expect(devnet.hardfork).toBe("prague");
    const genesis = await clients.publicClient.getBlock({ blockNumber: 0n });
    expect(genesis.timestamp).toBe(BigInt(GENESIS));
    expect(genesis.gasLimit).toBe(60_000_000n);
    // requestsHash (EIP-7685) exists from Prague on.
    expect((genesis as unknown as { requestsHash?: Hex }).requestsHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await devnet.request({ method: "eth_accounts" })).toEqual(
      devnet.accounts.map((a) => a.address.toLowerCase()),
    );
    expect(devnet.accounts).toHaveLength(5);
    const balance = await clients.publicClient.getBalance({ address: devnet.accounts[4]!.address });
    expect(balance).toBe(parseEther("1000000"));
  });

  it("runs a contract: a call writes storage and emits an event", async () => {
    const wallet = clients.walletClients[1]!;
    const before = await clients.publicClient.readContract({
      address: counter,
      abi: counterAbi,
      functionName: "count",
    });
    const hash = await wallet.writeContract({ address: counter, abi: counterAbi, functionName: "increment" });
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const logs = await clients.publicClient.getContractEvents({
      address: counter,
      abi: counterAbi,
      eventName: "Incremented",
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    expect(logs).toHaveLength(1);
    expect(logs[0]?.args).toEqual({ by: devnet.accounts[1]!.address, count: before + 1n });
  });

  it("reports a revert with its custom error, decodable by viem", async () => {
    const error = await clients.publicClient
      .readContract({ address: counter, abi: counterAbi, functionName: "refuse" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaseError);
    const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
    expect(reverted).toBeInstanceOf(ContractFunctionRevertedError);
    expect((reverted as ContractFunctionRevertedError).data?.errorName).toBe("Refused");
  });

  it("enforces the EIP-170 contract size limit (24,576 bytes)", async () => {
    const deploy = async (initCode: Hex) => {
      const hash = await clients.walletClients[0]!.sendTransaction({ data: initCode, gas: 10_000_000n });
      return (await clients.publicClient.waitForTransactionReceipt({ hash })).status;
    };
    // Init code returning that many zero bytes as runtime code: PUSH2 <size> PUSH1 0 RETURN.
    expect(await deploy("0x6160006000f3")).toBe("success");
    expect(await deploy("0x6160016000f3")).toBe("reverted");
  });

  it("travels in time: evm_increaseTime, evm_setNextBlockTimestamp, evm_mine", async () => {
    const { publicClient, testClient } = clients;
    const start = (await publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: 3600 });
    await testClient.mine({ blocks: 1 });
    const afterHour = (await publicClient.getBlock()).timestamp;
    expect(afterHour - start).toBeGreaterThanOrEqual(3600n);
    expect(afterHour - start).toBeLessThan(3600n + 30n);
    await testClient.setNextBlockTimestamp({ timestamp: afterHour + 86_400n });
    await testClient.mine({ blocks: 1 });
    expect((await publicClient.getBlock()).timestamp).toBe(afterHour + 86_400n);
    const number = await publicClient.getBlockNumber();
    await testClient.mine({ blocks: 10, interval: 12 });
    const last = await publicClient.getBlock();
    expect(last.number).toBe(number + 10n);
    // hardhat_mine: the first block one second on, then the interval between the others.
    expect(last.timestamp).toBe(afterHour + 86_400n + 1n + 9n * 12n);
  });

  it("takes snapshots and reverts to them", async () => {
    const { publicClient, testClient, walletClients } = clients;
    const read = () =>
      publicClient.readContract({ address: counter, abi: counterAbi, functionName: "count" });
    const countBefore = await read();
    const blockBefore = await publicClient.getBlockNumber();
    const id = await testClient.snapshot();
    const hash = await walletClients[0]!.writeContract({
      address: counter,
      abi: counterAbi,
      functionName: "increment",
    });
    await publicClient.waitForTransactionReceipt({ hash });
    expect(await read()).toBe(countBefore + 1n);
    await testClient.revert({ id });
    expect(await read()).toBe(countBefore);
    expect(await publicClient.getBlockNumber()).toBe(blockBefore);
    // A snapshot is used up by reverting to it.
    expect(await devnet.request({ method: "evm_revert", params: [id] })).toBe(false);
  });

  it("mines many transactions in one block with automine off", async () => {
    const { publicClient, testClient, walletClients } = clients;
    await testClient.setAutomine(false);
    const number = await publicClient.getBlockNumber();
    const hashes: Hex[] = [];
    for (let i = 0; i < 5; i++) {
      hashes.push(
        await walletClients[2]!.writeContract({
          address: counter,
          abi: counterAbi,
          functionName: "increment",
          gas: 100_000n,
        }),
      );
    }
    expect(await publicClient.getBlockNumber()).toBe(number);
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
    const block = await publicClient.getBlock({ blockNumber: number + 1n });
    expect(block.transactions).toEqual(hashes);
  });

  it("answers refused, unknown and malformed calls with JSON-RPC errors", async () => {
    const refused = await devnet
      .request({ method: "evm_setIntervalMining", params: [1000] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DevnetRpcError);
    expect((refused as DevnetRpcError).code).toBe(RpcErrorCode.methodNotSupported);
    expect((refused as DevnetRpcError).message).toMatch(/interval mining/);

    const unknown = await devnet.handle({ jsonrpc: "2.0", id: 7, method: "eth_makeMeRich", params: [] });
    expect(unknown).toMatchObject({ id: 7, error: { code: RpcErrorCode.methodNotFound } });

    const named = await devnet.handle({
      jsonrpc: "2.0",
      id: 8,
      method: "eth_getBalance",
      params: { address: "0x0" },
    });
    expect(named).toMatchObject({ id: 8, error: { code: RpcErrorCode.invalidParams } });

    const badParams = await devnet.handle({
      jsonrpc: "2.0",
      id: 9,
      method: "eth_getBalance",
      params: ["nonsense"],
    });
    expect(badParams).toMatchObject({ id: 9, error: { code: RpcErrorCode.invalidParams } });

    const badTx = await devnet.handle({
      jsonrpc: "2.0",
      id: 10,
      method: "eth_sendRawTransaction",
      params: ["0x1234"],
    });
    expect("error" in badTx).toBe(true);
  });
});

describe("createDevnetProvider options", () => {
  it("takes a chain id and the cancun hardfork", async () => {
    const devnet = await createDevnetProvider({ chainId: 1_337_000, hardfork: "cancun", accounts: 1 });
    try {
      expect(await devnet.request({ method: "eth_chainId" })).toBe(numberToHex(1_337_000));
      const genesis = (await devnet.request({
        method: "eth_getBlockByNumber",
        params: ["0x0", false],
      })) as Record<string, unknown>;
      expect(genesis.requestsHash).toBeUndefined();
      expect(genesis.parentBeaconBlockRoot).toBeDefined();
    } finally {
      await devnet.close();
    }
  });

  it("rejects out-of-range options with the option's name", async () => {
    await expect(createDevnetProvider({ chainId: 0 })).rejects.toThrow(InvalidDevnetOptionError);
    await expect(createDevnetProvider({ chainId: 2 ** 40 })).rejects.toThrow(/chainId/);
    await expect(createDevnetProvider({ hardfork: "london" as "cancun" })).rejects.toThrow(/hardfork/);
    await expect(createDevnetProvider({ initialTimestamp: -1 })).rejects.toThrow(/initialTimestamp/);
    await expect(createDevnetProvider({ blockGasLimit: 10n })).rejects.toThrow(/blockGasLimit/);
    await expect(createDevnetProvider({ balance: -1n })).rejects.toThrow(/balance/);
  });

  it("answers every call after close with EIP-1193's disconnected error", async () => {
    const devnet = await createDevnetProvider({ accounts: 1 });
    await devnet.close();
    await devnet.close();
    const error = await devnet.request({ method: "eth_blockNumber" }).catch((e: unknown) => e);
    expect((error as DevnetRpcError).code).toBe(RpcErrorCode.disconnected);
  });
});
