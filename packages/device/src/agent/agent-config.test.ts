import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEvent } from "@dimo-open/stream";
import { describe, expect, it } from "vitest";
import { AgentConfigError } from "../errors.ts";
import { parseAgentConfig } from "./agent-config.ts";

const pkg = fileURLToPath(new URL("../../", import.meta.url));
const identity = {
  chainId: 31337,
  devicesContract: "0x9c94C395cBcBDe662235E0A9d3bB87Ad708561BA",
  deviceTokenId: 1,
  vehiclesContract: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
  vehicleTokenId: "7",
};

describe("agent configuration and the runnable entry", () => {
  it("names every invalid member", () => {
    const error = (() => {
      try {
        parseAgentConfig({
          dataDir: "d",
          keystore: { type: "file", path: "k" },
          identity: { ...identity, devicesContract: "nope" },
          uplink: { type: "mqtt", url: "http://x" },
          can: { type: "socketcan", interface: "can0" },
          node: { url: "http://n" },
        });
      } catch (e) {
        return e as AgentConfigError;
      }
    })();
    expect(error).toBeInstanceOf(AgentConfigError);
    expect(error!.details).toContain("identity.devicesContract: an 0x address");
    expect(error!.details).toContain("uplink.url");
    expect(() =>
      parseAgentConfig({
        dataDir: "d",
        keystore: { type: "file", path: "k" },
        identity,
        uplink: { type: "http" },
        can: { type: "socketcan", interface: "can0" },
      }),
    ).toThrow(AgentConfigError);
  });

  it("main.ts runs a simulated device that uploads over HTTP and stops cleanly on SIGTERM", async () => {
    const bodies: Buffer[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.url?.endsWith("/events")) bodies.push(Buffer.concat(chunks));
      res.statusCode = 202;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), "dimo-main-"));
    writeFileSync(
      join(dir, "agent.json"),
      JSON.stringify({
        dataDir: "data",
        keystore: { type: "file", path: "device.key", create: true },
        identity,
        uplink: { type: "http", url: `http://127.0.0.1:${port}` },
        codec: "json",
        can: { type: "simulator", seed: "main", model: "honda-civic", speed: 200 },
        logger: {
          config: join(pkg, "logger-configs/honda_civic_touring_2016_can.logger.json"),
          dbc: join(pkg, "dbc/honda_civic_touring_2016_can_generated.dbc"),
        },
        eventIntervalMs: 1000,
      }),
    );
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(pkg, "src/main.ts"), "--config", join(dir, "agent.json")],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const deadline = Date.now() + 20_000;
    while (bodies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    server.close();
    expect(output).toContain("SOFTWARE KEYSTORE");
    expect(bodies.length, output).toBeGreaterThanOrEqual(2);
    const event = parseEvent(bodies[0]!, {
      contentType: "application/cloudevents+json",
      limits: { maxFutureSkewMs: 365 * 86_400_000 },
    }).event;
    expect(event.type).toBe("dimo.status");
    expect(event.subject).toBe("did:erc721:31337:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7");
    expect(code).toBe(0);
  });
});
