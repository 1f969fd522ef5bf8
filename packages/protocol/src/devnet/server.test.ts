import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, type Hex, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetChain, devnetClients } from "./clients.ts";
import { counterAbi, counterBytecode } from "./counter.fixture.ts";
import { DevnetDataDirLockedError, InvalidDevnetOptionError } from "./errors.ts";
import { RpcErrorCode } from "./jsonRpc.ts";
import type { DevnetLogger } from "./logger.ts";
import { type RunningDevnet, startDevnet } from "./server.ts";

const quiet: DevnetLogger = { info() {}, warn() {} };

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

describe("startDevnet", () => {
  let dataDir: string;
  let devnet: RunningDevnet;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "devnet-server-"));
    devnet = await startDevnet({
      dataDir,
      port: 0,
      accounts: 3,
      initialTimestamp: 1_750_000_000,
      logger: quiet,
    });
  });
  afterAll(async () => {
    await devnet.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves standard JSON-RPC on loopback that viem's http transport speaks", async () => {
    expect(devnet.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const client = createPublicClient({ chain: devnetChain(devnet), transport: http(devnet.rpcUrl) });
    expect(await client.getChainId()).toBe(31337);
    expect(await client.getBalance({ address: devnet.accounts[2]!.address })).toBe(parseEther("1000000"));
  });

  it("start, mint, stop, start again: the contract and its events are still there", async () => {
    const { publicClient, walletClients } = devnetClients(devnet, { via: "http" });
    const deployed = await publicClient.waitForTransactionReceipt({
      hash: await walletClients[0]!.deployContract({ abi: counterAbi, bytecode: counterBytecode() }),
    });
    const counter = deployed.contractAddress!;
    const minted = await publicClient.waitForTransactionReceipt({
      hash: await walletClients[1]!.writeContract({
        address: counter,
        abi: counterAbi,
        functionName: "increment",
      }),
    });
    const events = await publicClient.getContractEvents({ address: counter, abi: counterAbi, fromBlock: 0n });
    await devnet.close();

    devnet = await startDevnet({ dataDir, port: 0, logger: quiet });
    const again = devnetClients(devnet, { via: "http" }).publicClient;
    expect(await again.readContract({ address: counter, abi: counterAbi, functionName: "count" })).toBe(1n);
    expect(await again.getContractEvents({ address: counter, abi: counterAbi, fromBlock: 0n })).toEqual(
      events,
    );
    expect((await again.getBlock({ blockNumber: minted.blockNumber })).hash).toBe(minted.blockHash);
  });

  it("gives the same answers in process and over HTTP", async () => {
    const inProcess = devnetClients(devnet).publicClient;
    const overHttp = devnetClients(devnet, { via: "http" }).publicClient;
    expect(await overHttp.getBlock()).toEqual(await inProcess.getBlock());
  });

  it("answers a batch in order, leaving out notifications", async () => {
    const { status, body } = await post(
      devnet.rpcUrl,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
        { jsonrpc: "2.0", method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: "b", method: "eth_noSuchMethod", params: [] },
        { id: 3, method: "eth_chainId" },
      ]),
    );
    expect(status).toBe(200);
    expect(body).toEqual([
      { jsonrpc: "2.0", id: 1, result: "0x7a69" },
      { jsonrpc: "2.0", id: "b", error: expect.objectContaining({ code: RpcErrorCode.methodNotFound }) },
      { jsonrpc: "2.0", id: 3, error: expect.objectContaining({ code: RpcErrorCode.invalidRequest }) },
    ]);
  });

  it("answers malformed input with JSON-RPC errors and keeps serving", async () => {
    const parse = await post(devnet.rpcUrl, '{"jsonrpc":"2.0","id":1,');
    expect(parse.body).toMatchObject({ id: null, error: { code: RpcErrorCode.parseError } });
    const empty = await post(devnet.rpcUrl, "[]");
    expect(empty.body).toMatchObject({
      error: { code: RpcErrorCode.invalidRequest, message: /empty batch/ },
    });
    const badId = await post(
      devnet.rpcUrl,
      JSON.stringify({ jsonrpc: "2.0", id: { x: 1 }, method: "eth_chainId" }),
    );
    expect(badId.body).toMatchObject({ id: null, error: { code: RpcErrorCode.invalidRequest } });
    const scalar = await post(devnet.rpcUrl, "42");
    expect(scalar.body).toMatchObject({ error: { code: RpcErrorCode.invalidRequest } });
    const badParams = await post(
      devnet.rpcUrl,
      JSON.stringify({ jsonrpc: "2.0", id: 5, method: "eth_getBalance", params: "0xdead" }),
    );
    expect(badParams.body).toMatchObject({ id: 5, error: { code: RpcErrorCode.invalidRequest } });
    const notification = await post(devnet.rpcUrl, JSON.stringify({ jsonrpc: "2.0", method: "eth_chainId" }));
    expect(notification.status).toBe(204);
    const ok = await post(devnet.rpcUrl, JSON.stringify({ jsonrpc: "2.0", id: 6, method: "eth_chainId" }));
    expect(ok.body).toEqual({ jsonrpc: "2.0", id: 6, result: "0x7a69" });
  });

  it("rejects a body over the size limit, declared or streamed, with 413", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_chainId",
      params: ["x".repeat(10 * 2 ** 20)],
    });
    const declared = await post(devnet.rpcUrl, big);
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({
      error: { code: RpcErrorCode.invalidRequest, message: /exceeds the limit/ },
    });

    // Chunked, without a content-length: answered 413 and cut off once the limit is passed (the
    // client, still writing, may see the connection reset before it reads the answer).
    const streamed = await new Promise<number | "reset">((resolve, reject) => {
      const req = httpRequest(
        devnet.rpcUrl,
        { method: "POST", headers: { "content-type": "application/json" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "ECONNRESET" || error.code === "EPIPE" ? resolve("reset") : reject(error),
      );
      const chunk = Buffer.alloc(2 ** 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 12) {
          sent++;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect([413, "reset"]).toContain(streamed);
    const ok = await post(devnet.rpcUrl, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_chainId" }));
    expect(ok.status).toBe(200);
  });

  it("answers health checks, CORS preflights and wrong routes", async () => {
    const health = await fetch(new URL("/health", devnet.rpcUrl));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      chainId: 31337,
      blockNumber: expect.any(Number),
    });

    const preflight = await fetch(devnet.rpcUrl, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/content-type/);

    const answer = await post(
      devnet.rpcUrl,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }),
    );
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect((await fetch(new URL("/nope", devnet.rpcUrl))).status).toBe(404);
    expect((await fetch(devnet.rpcUrl, { method: "PUT", body: "{}" })).status).toBe(405);
  });

  it("refuses a second devnet on the same data dir, and frees it when a start fails", async () => {
    await expect(startDevnet({ dataDir, port: 0, logger: quiet })).rejects.toThrow(DevnetDataDirLockedError);
    const port = Number(new URL(devnet.rpcUrl).port);
    const otherDir = mkdtempSync(join(tmpdir(), "devnet-server-"));
    try {
      // The port is taken: the start fails and must release its data dir.
      await expect(startDevnet({ dataDir: otherDir, port, logger: quiet })).rejects.toThrow(/EADDRINUSE/);
      const retry = await startDevnet({ dataDir: otherDir, port: 0, logger: quiet });
      await retry.close();
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    await expect(startDevnet({ port: 70000 })).rejects.toThrow(InvalidDevnetOptionError);
  });
});

describe("devnetClients", () => {
  it("needs a served devnet for the http transport", async () => {
    const { createDevnetProvider } = await import("./provider.ts");
    const provider = await createDevnetProvider({ accounts: 1 });
    try {
      expect(() => devnetClients(provider, { via: "http" })).toThrow(InvalidDevnetOptionError);
      const hash: Hex = await devnetClients(provider).walletClients[0]!.sendTransaction({
        to: provider.accounts[0]!.address,
        value: 0n,
      });
      expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    } finally {
      await provider.close();
    }
  });
});
