import { mintVehicle, vehicleIdAbi } from "@dimo-open/protocol";
import { devnetChain } from "@dimo-open/protocol/devnet";
import { createPublicClient, custom, type PublicClient } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IdentityWriter } from "../identity/writer.ts";
import { type IndexerFixture, indexerFixture, recordingLogger } from "./devnet.fixture.ts";
import { ChainMovedError, ChainRpcError, IndexMismatchError, InvalidIndexerOptionError } from "./errors.ts";
import { defineEventSource, type EventSource } from "./eventSource.ts";

describe("polling", () => {
  let fx: IndexerFixture;
  beforeEach(async () => {
    fx = await indexerFixture();
  });
  afterEach(() => fx.close());

  const mint = (make = "Ford") =>
    mintVehicle(fx.f.alice.client, {
      manufacturerId: fx.f.manufacturerId,
      make,
      model: "M",
      year: 2020,
      definitionURI: "",
    });

  /** A client over the devnet whose answers a test can spoil. */
  function spoiledClient(spoil: (method: string, params: unknown) => unknown | undefined): PublicClient {
    return createPublicClient({
      chain: devnetChain({ chainId: fx.f.devnet.chainId }),
      transport: custom(
        {
          request: async ({ method, params }: { method: string; params: unknown }) => {
            const spoiled = spoil(method, params);
            if (spoiled !== undefined) return spoiled;
            return fx.f.devnet.request({ method, params } as never);
          },
        },
        { retryCount: 0 },
      ),
      cacheTime: 0,
    }) as PublicClient;
  }

  it("holds events back until they have the configured number of confirmations", async () => {
    const indexer = await fx.indexer(await fx.database(), { confirmations: 2 });
    const { tokenId, receipt } = await mint();
    await indexer.syncToHead();
    expect(indexer.checkpoint?.blockNumber).toBe(receipt.blockNumber - 2n);
    expect(indexer.stats.head).toBe(receipt.blockNumber);
    expect(await indexer.identity.getVehicle(tokenId)).toBeUndefined();
    await fx.mine(1);
    await indexer.syncToHead();
    expect(await indexer.identity.getVehicle(tokenId)).toBeUndefined();
    await fx.mine(1);
    await indexer.syncToHead();
    expect(indexer.checkpoint?.blockNumber).toBe(receipt.blockNumber);
    expect((await indexer.identity.getVehicle(tokenId))?.owner).toBe(fx.f.alice.address);
  });

  it("retries failed and garbled RPC calls with back-off, logs them, and asks for smaller ranges", async () => {
    await mint();
    const head = await fx.head();
    const faults = ["eth_blockNumber", "eth_getLogs", "eth_getLogs", "garbage"];
    const ranges: bigint[] = [];
    const client = spoiledClient((method, params) => {
      if (method === "eth_getLogs") {
        const [{ fromBlock, toBlock }] = params as [{ fromBlock: string; toBlock: string }];
        ranges.push(BigInt(toBlock) - BigInt(fromBlock) + 1n);
      }
      if (faults[0] === method) {
        faults.shift();
        throw new Error(`injected ${method} failure`);
      }
      if (method === "eth_getLogs" && faults[0] === "garbage") {
        faults.shift();
        return "not a list of logs";
      }
      return undefined;
    });
    const logger = recordingLogger();
    const indexer = await fx.indexer(await fx.database(), {
      client,
      logger,
      maxBlockRange: 8,
      retryDelayMs: 5,
      maxRetryDelayMs: 30,
      pollIntervalMs: 5,
    });
    indexer.start();
    await indexer.waitForBlock(head, 20_000);
    await indexer.stop();

    const warnings = logger.records.filter((r) => r.level === "warn");
    expect(warnings.map((w) => w.details.retryInMs)).toEqual([5, 10, 20, 30]);
    for (const w of warnings) expect(w.details.err).toBeInstanceOf(ChainRpcError);
    expect((warnings[0]!.details.err as Error).message).toMatch(/eth_blockNumber failed: .*injected/);
    expect(indexer.stats.failures).toBe(4);
    expect(ranges.slice(0, 4)).toEqual([8n, 4n, 2n, 1n]);
    expect(Math.max(...ranges.map(Number))).toBe(8);
    expect((await indexer.identity.getVehicle(1n))?.make).toBe("Ford");
  });

  it("drops a batch whose logs do not come from the blocks it read, and reads it again", async () => {
    const { tokenId } = await mint();
    let moved = 1;
    const client = spoiledClient((method, params) => {
      if (method !== "eth_getLogs" || moved-- <= 0) return undefined;
      // The answer of a node that has switched to another branch in between.
      return (fx.f.devnet.request({ method, params } as never) as Promise<{ blockHash: string }[]>).then(
        (logs) => logs.map((l) => ({ ...l, blockHash: `0x${"ab".repeat(32)}` })),
      );
    });
    const indexer = await fx.indexer(await fx.database(), { client });
    const error = await indexer.syncOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainMovedError);
    expect((error as Error).message).toMatch(/changed while a batch was read: a log came from 0xabab/);
    expect(indexer.checkpoint).toBeUndefined();
    await indexer.syncToHead();
    expect((await indexer.identity.getVehicle(tokenId))?.make).toBe("Ford");
  });

  it("keeps polling after a failing handler and applies the batch once it succeeds", async () => {
    let broken = true;
    const breaker = defineEventSource<typeof vehicleIdAbi, IdentityWriter>({
      name: "breaker",
      address: fx.f.addresses.vehicleId,
      abi: vehicleIdAbi,
      handlers: {
        VehicleMinted: () => {
          if (broken) throw new Error("broken handler");
        },
      },
    });
    const logger = recordingLogger();
    const indexer = await fx.indexer(await fx.database(), {
      logger,
      retryDelayMs: 5,
      pollIntervalMs: 5,
      sources: [breaker],
    });
    indexer.start();
    await mint("Kept");
    const until = Date.now() + 10_000;
    while (logger.records.filter((r) => r.level === "error").length < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const errors = logger.records.filter((r) => r.level === "error");
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect((errors[0]!.details.err as Error).message).toMatch(
      /breaker\.VehicleMinted failed .*broken handler/,
    );
    expect(await indexer.identity.getVehicle(1n)).toBeUndefined();
    broken = false;
    await indexer.waitForBlock(await fx.head(), 10_000);
    await indexer.stop();
    expect((await indexer.identity.getVehicle(1n))?.make).toBe("Kept");
  });

  it("refuses to mix chains: an index of one chain id is not continued from another", async () => {
    const db = await fx.database();
    await (await fx.indexer(db)).syncToHead();
    const liar = spoiledClient((method) => (method === "eth_chainId" ? "0x1" : undefined));
    const other = await fx.indexer(db, { client: liar });
    const error = await other.syncOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexMismatchError);
    expect(error).toMatchObject({ indexedChainId: fx.f.devnet.chainId, rpcChainId: 1 });
  });

  it("rebuilds when the set of followed contracts changes", async () => {
    const db = await fx.database();
    await mint();
    const first = await fx.indexer(db);
    await first.syncToHead();
    const logger = recordingLogger();
    const extra: EventSource<IdentityWriter> = {
      name: "extra",
      address: fx.f.addresses.dimoToken,
      abi: [],
      handlers: {},
    };
    const second = await fx.indexer(db, { sources: [extra], logger });
    expect(second.checkpoint).toBeUndefined();
    expect(logger.records.map((r) => r.message)).toContain(
      "indexed contracts, start block or table layout changed; rebuilding the index",
    );
    await second.syncToHead();
    expect(await second.identity.dump()).toEqual(await first.identity.dump());
  });

  it("rebuilds under a new table layout", async () => {
    const db = await fx.database();
    const { tokenId } = await mint("Relaid");
    await (await fx.indexer(db)).syncToHead();
    // An older release's layout of a table, and its fingerprint.
    const c = await db.connect();
    await c.run("DROP TABLE identity_devices");
    await c.run("CREATE TABLE identity_devices (token_id UBIGINT PRIMARY KEY, owner VARCHAR)");
    await c.run(
      `UPDATE chain_meta SET value = replace(value, '"tables":"0x', '"tables":"0xold') WHERE key = 'fingerprint'`,
    );
    const indexer = await fx.indexer(db);
    expect(indexer.checkpoint).toBeUndefined();
    await indexer.syncToHead();
    expect((await indexer.identity.getVehicle(tokenId))?.make).toBe("Relaid");
  });

  it("rejects unusable options with the option, the value and what it takes", async () => {
    const db = await fx.database();
    const bad = [
      { confirmations: -1 },
      { confirmations: 1.5 },
      { maxBlockRange: 0 },
      { pollIntervalMs: 0 },
      { startBlock: -1n },
      { confirmations: 10, reorgHorizon: 5 },
      {
        sources: [
          { name: "manufacturerId", address: fx.f.addresses.dimoToken, abi: [], handlers: {} },
        ] as EventSource<IdentityWriter>[],
      },
    ];
    for (const options of bad) {
      const error = await fx.indexer(db, options).catch((e: unknown) => e);
      expect(
        error,
        JSON.stringify(options, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).toBeInstanceOf(InvalidIndexerOptionError);
    }
    const error = (await fx.indexer(db, { maxBlockRange: 0 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "Invalid indexer option maxBlockRange: 0; expected an integer from 1 to 1000000.",
    );
  });

  it("waitForBlock rejects with a clear error when the index does not get there in time", async () => {
    const indexer = await fx.indexer(await fx.database());
    await expect(indexer.waitForBlock(10_000n, 50)).rejects.toThrow(
      "The index did not reach block 10000 within 50 ms.",
    );
  });
});
