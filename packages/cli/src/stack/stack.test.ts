/**
 * The whole devnet stack, as `dimo devnet` runs it, on ephemeral ports in a temporary dir: the
 * setup's transactions, the node, the simulated fleet's data arriving, an app reading it through
 * the SDK with the demo licence's key, and a second start resuming the same network.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getDevice,
  getDevLicense,
  getGrantedPrivileges,
  getLicense,
  withHardware,
} from "@dimo-open/protocol";
import { DimoClient } from "@dimo-open/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { readStackUrls, STACK_FILE } from "./record.ts";
import { demoAccounts } from "./roles.ts";
import { type DevnetStack, StackSetupIncompleteError, startDevnetStack } from "./stack.ts";

const dataDir = mkdtempSync(join(tmpdir(), "dimo-stack-"));
const stacks: DevnetStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A port nothing listens on now (the OS picks it). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const start = async () => {
  const stack = await startDevnetStack({
    dataDir,
    ports: { chain: 0, api: 0, ingest: 0, mqtt: 0, console: false },
    vehicles: 2,
    fleet: { eventIntervalMs: 1000 },
    logLevel: "warn",
  });
  stacks.push(stack);
  return stack;
};

describe("startDevnetStack", () => {
  it("sets up the demo network, streams the fleet's data to the node, serves it to the demo app, and resumes", async () => {
    const steps: string[] = [];
    const first = await startDevnetStack({
      dataDir,
      ports: { chain: 0, api: 0, ingest: 0, mqtt: 0, console: false },
      vehicles: 2,
      fleet: { eventIntervalMs: 1000 },
      logLevel: "warn",
      onProgress: (s) => steps.push(s),
    });
    stacks.push(first);
    expect(first.resumed).toBe(false);
    expect(steps.some((s) => s.includes("licensed by governance"))).toBe(true);
    const { record } = first;
    expect(record.fleet.vehicles).toHaveLength(2);
    expect(readStackUrls(dataDir)).toMatchObject({ pid: process.pid, nodeUrl: first.node.apiUrl });

    // What the record says is what the chain holds.
    const chain = withHardware(first.chain.admin, record.hardware);
    const license = await getLicense(chain, BigInt(record.maker.manufacturerId));
    expect(license).toMatchObject({ status: "active", valid: true });
    for (const v of record.fleet.vehicles) {
      const device = await getDevice(chain, BigInt(v.deviceId));
      expect(device.vehicleId).toBe(BigInt(v.vehicleId));
      expect(device.deviceAddress).toBe(v.deviceAddress);
      expect(device.owner).toBe(demoAccounts()[v.owner as "alice" | "bob"].address);
      expect(
        await getGrantedPrivileges(chain, {
          tokenId: BigInt(v.vehicleId),
          grantee: record.developer.clientId,
        }),
      ).toEqual([1, 2, 4, 8]);
    }

    // The demo app signs in with its signer, exchanges a vehicle token and reads the fleet's data.
    const sdk = new DimoClient({ baseUrl: first.node.apiUrl });
    await sdk.signIn({
      clientId: record.developer.clientId,
      domain: record.developer.redirectUris[0]!,
      signer: demoAccounts().developer,
    });
    const vehicleId = BigInt(record.fleet.vehicles[0]!.vehicleId);
    const token = await sdk.exchange({ tokenId: vehicleId, privileges: [1, 4] });
    let latest: Awaited<ReturnType<DimoClient["latestSignals"]>> | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      latest = await sdk.latestSignals(token, {
        tokenId: vehicleId,
        signals: ["currentLocationCoordinates"],
      });
      if (latest.values.currentLocationCoordinates) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(latest?.errors ?? []).toEqual([]);
    const location = latest!.values.currentLocationCoordinates!;
    expect(Math.abs(Date.parse(location.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(location.value).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });

    // The performance service (fed from stored telemetry every few seconds) groups the fleet's
    // devices under their certified model, read from DeviceStake.
    let modelDevices = 0;
    for (const until = Date.now() + 60_000; modelDevices === 0 && Date.now() < until; ) {
      const byModel = await fetch(
        `${first.node.apiUrl}/v1/device-performance/models/${record.maker.modelId}`,
      );
      modelDevices = ((await byModel.json()) as { devices: number }).devices;
      if (modelDevices === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(modelDevices).toBeGreaterThan(0);

    await first.close();
    expect(readStackUrls(dataDir)).toBeUndefined();
    const recorded = readFileSync(join(dataDir, STACK_FILE), "utf8");
    const journalLines = () => readFileSync(join(dataDir, "chain.jsonl"), "utf8").trim().split("\n").length;
    const transactions = journalLines();

    // A second start resumes: same chain, same record, no setup.
    const second = await start();
    expect(second.resumed).toBe(true);
    expect(second.record).toEqual(record);
    expect(readFileSync(join(dataDir, STACK_FILE), "utf8")).toBe(recorded);
    expect(journalLines()).toBe(transactions);
    const again = await getLicense(
      withHardware(second.chain.admin, record.hardware),
      BigInt(record.maker.manufacturerId),
    );
    expect(again.valid).toBe(true);
    await second.close();
  });

  it("serves the console with its config.json and the node under one origin, and lets the demo app sign in from it", async () => {
    const files = mkdtempSync(join(tmpdir(), "dimo-stack-console-"));
    writeFileSync(join(files, "index.html"), "<!doctype html><title>console</title>");
    const port = await freePort();
    const third = await startDevnetStack({
      dataDir,
      ports: { chain: 0, api: 0, ingest: 0, mqtt: false, console: port },
      console: { dir: files },
      fleet: false,
      logLevel: "warn",
    });
    stacks.push(third);
    try {
      expect(third.consoleUrl).toBe(`http://127.0.0.1:${port}`);
      const config = (await (await fetch(`${third.consoleUrl}/config.json`)).json()) as Record<
        string,
        unknown
      >;
      expect(config).toMatchObject({
        chainId: 31337,
        rpcUrl: "/rpc",
        nodeUrl: "/node",
        addresses: third.record.addresses,
        hardware: third.record.hardware,
        demoMnemonic: "test test test test test test test test test test test junk",
      });
      expect(await (await fetch(`${third.consoleUrl}/node/health`)).json()).toEqual({ status: "ok" });
      // A console on a port the network was not set up for: the app's redirect URIs follow it.
      const origin = `http://localhost:${port}`;
      expect(third.record.developer.redirectUris).toContain(origin);
      const license = await getDevLicense(third.chain.admin, BigInt(third.record.developer.licenseId));
      expect(license.redirectUris).toContain(origin);
      const sdk = new DimoClient({ baseUrl: `${third.consoleUrl}/node` });
      await sdk.signIn({
        clientId: third.record.developer.clientId,
        domain: origin,
        signer: demoAccounts().developer,
      });
    } finally {
      await third.close();
      rmSync(files, { recursive: true, force: true });
    }
  });

  it("refuses a chain without its setup record and says to start over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dimo-stack-partial-"));
    try {
      const { startDevnetNetwork } = await import("@dimo-open/protocol/devnet");
      const network = await startDevnetNetwork({ dataDir: dir, port: 0 });
      await network.close();
      expect(existsSync(join(dir, STACK_FILE))).toBe(false);
      await expect(
        startDevnetStack({
          dataDir: dir,
          ports: { chain: 0, api: 0, ingest: 0, mqtt: false, console: false },
        }),
      ).rejects.toThrow(StackSetupIncompleteError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
