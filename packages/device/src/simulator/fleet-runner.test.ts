import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvent, verifyEventSignature } from "@dimo-open/stream";
import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createFleet } from "./fleet.ts";
import { DEVELOPMENT_MNEMONIC, simulatedDeviceElement, startSimulatedFleet } from "./fleet-runner.ts";

describe("simulated fleet runner", () => {
  it("runs one agent per vehicle with its own key, sending to one node; skewed devices send skewed times", async () => {
    const received: { at: number; path: string; body: Buffer }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ at: Date.now(), path: req.url!, body: Buffer.concat(chunks) });
      res.statusCode = 202;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const start = Date.UTC(2026, 0, 5, 9);
    const wall0 = Date.now();
    const speed = 60;
    const fleet = await startSimulatedFleet({
      seed: "runner",
      size: 6,
      start,
      speed,
      misbehavingShare: 0.6,
      dataDir: mkdtempSync(join(tmpdir(), "dimo-fleet-")),
      uplink: { type: "http", url },
      codec: "json",
      identityFor: (i) => ({
        producer: `did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:${i + 1}`,
        subject: `did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${i + 1}`,
      }),
    });
    const deadline = Date.now() + 15_000;
    while (new Set(received.map((r) => r.path)).size < 6 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await fleet.stop();
    server.close();

    const bySigner = new Map<string, { time: number; at: number }[]>();
    for (const r of received) {
      const parsed = parseEvent(r.body, {
        contentType: "application/cloudevents+json",
        limits: { maxFutureSkewMs: 10 * 86_400_000 },
      });
      const { signer } = verifyEventSignature(parsed, { chainId: 31337 });
      expect(r.path).toBe(`/v1/devices/${signer}/events`);
      const list = bySigner.get(signer) ?? [];
      list.push({ time: Date.parse(parsed.event.time), at: r.at });
      bySigner.set(signer, list);
    }
    expect([...bySigner.keys()].sort()).toEqual(fleet.elements.map((e) => e.address).sort());
    expect(fleet.elements[2]!.address).toBe(simulatedDeviceElement(2).address);
    const skewed = fleet.vehicles.filter((v) => v.misbehaviour === "clock-skew");
    expect(skewed.length).toBeGreaterThan(0);
    for (const v of fleet.vehicles) {
      const first = bySigner.get(fleet.elements[v.index]!.address)![0]!;
      const simNow = start + (first.at - wall0) * speed;
      // Within a couple of simulated minutes of the true time plus the device's skew.
      expect(Math.abs(first.time - simNow - v.vehicle.faults.clockSkewMs)).toBeLessThan(3 * 60_000);
    }
  });
});

describe("a fleet living its day shifted", () => {
  it("drives on the shifted clock and stamps what it sends on the fleet's clock", async () => {
    const bodies: Buffer[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      bodies.push(Buffer.concat(chunks));
      res.statusCode = 202;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const start = Date.now();
    // Shift the car's day so that it is a minute into its first trip now, whatever the hour.
    const dayStart = Math.floor(start / 86_400_000) * 86_400_000;
    const probe = createFleet({ seed: "shifted", size: 1, start: dayStart, misbehavingShare: 0 })[0]!;
    const offset = probe.vehicle.trips[0]!.start + 60_000 - start;
    const fleet = await startSimulatedFleet({
      seed: "shifted",
      size: 1,
      start,
      localTimeOffsetMs: offset,
      misbehavingShare: 0,
      dataDir: mkdtempSync(join(tmpdir(), "dimo-fleet-")),
      uplink: { type: "http", url },
      codec: "json",
      eventIntervalMs: 300,
      identityFor: () => ({
        producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:1",
        subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1",
      }),
    });
    const readings = () =>
      bodies.flatMap((b) => {
        const { event } = parseEvent(b, { contentType: "application/cloudevents+json" });
        return (event.data as { signals?: { timestamp: number; name: string }[] }).signals ?? [];
      });
    const deadline = Date.now() + 20_000;
    while (!readings().some((r) => r.name === "speed") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const truth = fleet.vehicles[0]!.vehicle.truth;
    await fleet.stop();
    server.close();

    // The car lives `offset` ahead and is on its trip; what it sends is stamped on the fleet's clock.
    expect(Math.abs(truth.time - offset - Date.now())).toBeLessThan(60_000);
    expect(truth.ignition).toBe(true);
    const decoded = readings().filter((r) => r.name === "speed");
    expect(decoded.length).toBeGreaterThan(0);
    for (const r of readings()) expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(60_000);
  });
});

describe("simulated device keys", () => {
  it("derive along m/44'/60'/0'/0/(1000 + index) of the development mnemonic, as a wallet would", () => {
    for (const index of [0, 7]) {
      const expected = mnemonicToAccount(DEVELOPMENT_MNEMONIC, { addressIndex: 1000 + index }).address;
      expect(simulatedDeviceElement(index).address).toBe(expected);
    }
    expect(() => simulatedDeviceElement(-1)).toThrow(RangeError);
  });
});

describe("a subset of a simulated fleet", () => {
  it("runs the chosen vehicles as the same cars with the same keys, and counts what they sign", async () => {
    const start = Date.UTC(2026, 0, 5, 9);
    const options = {
      seed: "subset",
      size: 6,
      start,
      speed: 60,
      misbehavingShare: 0,
      // Nothing listens there: the events stay in the agents' buffers.
      uplink: { type: "http" as const, url: "http://127.0.0.1:1" },
      identityFor: (i: number) => ({
        producer: `did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:${i + 1}`,
        subject: `did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${i + 1}`,
      }),
    };
    await expect(
      startSimulatedFleet({ ...options, indexes: [6], dataDir: mkdtempSync(join(tmpdir(), "dimo-fleet-")) }),
    ).rejects.toThrow(RangeError);
    const fleet = await startSimulatedFleet({
      ...options,
      indexes: [4, 1],
      dataDir: mkdtempSync(join(tmpdir(), "dimo-fleet-")),
    });
    try {
      const whole = createFleet({ seed: "subset", size: 6, start, misbehavingShare: 0 });
      expect(fleet.vehicles.map((v) => v.index)).toEqual([4, 1]);
      expect(fleet.vehicles.map((v) => v.vehicle.vin)).toEqual([
        whole[4]!.vehicle.vin,
        whole[1]!.vehicle.vin,
      ]);
      expect(fleet.elements.map((e) => e.address)).toEqual([
        simulatedDeviceElement(4).address,
        simulatedDeviceElement(1).address,
      ]);
      const deadline = Date.now() + 15_000;
      while (fleet.eventsSigned() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await fleet.stop();
    }
    expect(fleet.eventsSigned()).toBeGreaterThan(0);
    expect(fleet.eventsSigned()).toBe(fleet.agents.reduce((n, a) => n + a.buffer.stats.pending, 0));
  });
});

describe("a fleet sending 2b batches", () => {
  it("passes the batch option to its agents: each POST is a batch of events under one signature", async () => {
    const posts: { type: string | undefined; body: Buffer }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      posts.push({ type: req.headers["content-type"], body: Buffer.concat(chunks) });
      res.statusCode = 200;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    // A car on its first trip now (as above), so that it produces events.
    const start = Date.now();
    const dayStart = Math.floor(start / 86_400_000) * 86_400_000;
    const probe = createFleet({ seed: "batches", size: 1, start: dayStart, misbehavingShare: 0 })[0]!;
    const fleet = await startSimulatedFleet({
      seed: "batches",
      size: 1,
      start,
      localTimeOffsetMs: probe.vehicle.trips[0]!.start + 60_000 - start,
      misbehavingShare: 0,
      dataDir: mkdtempSync(join(tmpdir(), "dimo-fleet-")),
      uplink: { type: "http", url },
      batch: { maxEvents: 3 },
      eventIntervalMs: 200,
      identityFor: () => ({
        producer: "did:erc721:31337:0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA:1",
        subject: "did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1",
      }),
    });
    const deadline = Date.now() + 20_000;
    while (posts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await fleet.stop();
    server.close();

    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (const post of posts.slice(0, 2)) {
      expect(post.type).toBe("application/cloudevents-batch+json");
      const items = JSON.parse(post.body.toString("utf8")) as { signature: string }[];
      expect(items).toHaveLength(3);
      expect(new Set(items.map((i) => i.signature)).size).toBe(1);
      for (const item of items) {
        const parsed = parseEvent(Buffer.from(JSON.stringify(item)), {
          contentType: "application/cloudevents+json",
        });
        const v = verifyEventSignature(parsed, { chainId: 31337 });
        expect(v).toMatchObject({ scheme: "v2b", signer: fleet.elements[0]!.address });
      }
    }
  });
});
