import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleServer, resolveStaticPath, startConsoleServer } from "./consoleServer.ts";

const root = realpathSync(mkdtempSync(join(tmpdir(), "dimo-console-")));
const outside = realpathSync(mkdtempSync(join(tmpdir(), "dimo-outside-")));
let server: ConsoleServer;
let upstream: ReturnType<typeof createServer>;
const seen: { method: string; url: string; body: string; host: string }[] = [];

beforeAll(async () => {
  writeFileSync(join(root, "index.html"), "<!doctype html><title>console</title>");
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "assets", "app-1a2b.js"), "console.log(1)");
  writeFileSync(join(root, "assets", "app.css"), "body{}");
  writeFileSync(join(outside, "secret.txt"), "secret");
  symlinkSync(join(outside, "secret.txt"), join(root, "leak.txt"));
  upstream = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    seen.push({ method: req.method!, url: req.url!, body, host: req.headers.host! });
    res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  server = await startConsoleServer({
    dir: root,
    host: "127.0.0.1",
    port: 0,
    config: { chainId: 31337, rpcUrl: "/rpc", nodeUrl: "/node", addresses: {} },
    nodeUrl: `${up}/`,
    rpcUrl: `${up}/`,
  });
});
afterAll(async () => {
  await server.close();
  upstream.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("the console server", () => {
  it("serves the built files with their content types, and config.json", async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await index.text()).toContain("<title>console</title>");
    const js = await fetch(`${server.url}/assets/app-1a2b.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${server.url}/assets/app.css`)).headers.get("content-type")).toBe(
      "text/css; charset=utf-8",
    );
    const config = await fetch(`${server.url}/config.json`);
    expect(config.headers.get("cache-control")).toBe("no-store");
    expect(await config.json()).toEqual({ chainId: 31337, rpcUrl: "/rpc", nodeUrl: "/node", addresses: {} });
    expect((await fetch(`${server.url}/nothing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/index.html`, { method: "DELETE" })).status).toBe(405);
  });

  it("never serves a file outside its directory", async () => {
    for (const path of [
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2fetc%2fpasswd",
      "/leak.txt",
      "/%00index.html",
      "/..%5c..%5cetc",
    ]) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(await r.text()).not.toContain("secret");
    }
    expect(resolveStaticPath(root, "/assets/../index.html")).toBeUndefined();
    expect(resolveStaticPath(root, "/%E0%A4%A")).toBeUndefined();
    expect(resolveStaticPath(root, "/")).toBe(join(root, "index.html"));
  });

  it("forwards /node/… and /rpc to the node and the chain, same origin", async () => {
    const r = await fetch(`${server.url}/node/v1/node?x=1`, { method: "POST", body: "hello" });
    expect(r.status).toBe(201);
    expect(r.headers.get("x-upstream")).toBe("yes");
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/v1/node?x=1", body: "hello" });
    await fetch(`${server.url}/rpc`, { method: "POST", body: '{"id":1}' });
    expect(seen.at(-1)).toMatchObject({ url: "/", body: '{"id":1}' });
    expect(seen.at(-1)!.host).not.toBe(new URL(server.url).host);
  });
});
