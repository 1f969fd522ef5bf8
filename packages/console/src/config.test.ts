import { describe, expect, it } from "vitest";
import { ConsoleConfigError, loadConsoleConfig, parseConsoleConfig } from "./config.ts";

const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const valid = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545/",
  nodeUrl: "http://127.0.0.1:8080/",
  addresses: {
    dimoToken: a(1),
    manufacturerId: a(2),
    vehicleId: a(3),
    aftermarketDeviceId: a(4),
    permissions: a(5),
    devLicense: a(6),
  },
  payments: { dimoCredits: a(7), nodeRegistry: a(8), usageSettlement: a(9) },
  demoMnemonic: "test test test test test test test test test test test junk",
};

describe("parseConsoleConfig", () => {
  it("accepts the devnet's config.json and normalises URLs and addresses", () => {
    const c = parseConsoleConfig({ ...valid, startBlock: 5 });
    expect(c.chainId).toBe(31337);
    expect(c.nodeUrl).toBe("http://127.0.0.1:8080");
    expect(c.addresses.vehicleId).toBe("0x0000000000000000000000000000000000000003");
    expect(c.payments?.usageSettlement).toBe(a(9));
    expect(c.hardware).toBeUndefined();
    expect(c.startBlock).toBe(5n);
  });

  it("resolves relative URLs against where config.json came from", () => {
    const c = parseConsoleConfig(
      { ...valid, nodeUrl: "/", rpcUrl: "/rpc" },
      "http://127.0.0.1:9000/console/config.json",
    );
    expect(c.nodeUrl).toBe("http://127.0.0.1:9000");
    expect(c.rpcUrl).toBe("http://127.0.0.1:9000/rpc");
  });

  it("names the field and the value it refuses", () => {
    expect(() => parseConsoleConfig({ ...valid, chainId: "31337" })).toThrow(
      /`chainId` must be a positive integer, got "31337"/,
    );
    expect(() =>
      parseConsoleConfig({ ...valid, addresses: { ...valid.addresses, permissions: "0x12" } }),
    ).toThrow(/`addresses.permissions` must be a 0x address, got "0x12"/);
    expect(() => parseConsoleConfig({ ...valid, hardware: { governor: a(1) } })).toThrow(
      /`hardware.timelock`/,
    );
    expect(() => parseConsoleConfig({ ...valid, rpcUrl: "ftp://x" })).toThrow(/must be http\(s\)/);
    expect(() => parseConsoleConfig({ ...valid, nodeUrl: "/" })).toThrow(ConsoleConfigError);
    expect(() => parseConsoleConfig({ ...valid, demoMnemonic: "one two" })).toThrow(/demoMnemonic/);
    expect(() => parseConsoleConfig({ ...valid, startBlock: -1 })).toThrow(/startBlock/);
    expect(() => parseConsoleConfig([])).toThrow(/JSON object/);
  });
});

describe("loadConsoleConfig", () => {
  it("fetches and parses", async () => {
    const fetchFn = (async () => Response.json(valid)) as typeof fetch;
    const c = await loadConsoleConfig("http://127.0.0.1:9/config.json", fetchFn);
    expect(c.rpcUrl).toBe(valid.rpcUrl);
  });

  it("says what to do when the server answers an error or nothing", async () => {
    const notFound = (async () => new Response("no", { status: 404 })) as typeof fetch;
    await expect(loadConsoleConfig("http://127.0.0.1:9/config.json", notFound)).rejects.toThrow(/HTTP 404/);
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(loadConsoleConfig("http://127.0.0.1:9/config.json", down)).rejects.toThrow(/dimo devnet/);
    const html = (async () => new Response("<html>")) as typeof fetch;
    await expect(loadConsoleConfig("http://127.0.0.1:9/config.json", html)).rejects.toThrow(/not JSON/);
  });
});
