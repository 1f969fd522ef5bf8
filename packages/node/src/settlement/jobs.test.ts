import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NodeConfigError, parseNodeConfig } from "../config.ts";
import { JobKeyError, readJobKey } from "./jobs.ts";

const dir = mkdtempSync(join(tmpdir(), "dimo-job-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A throwaway key made up for this test (no account anywhere holds anything with it).
const KEY = `0x${"5a".repeat(32)}`;

const base = {
  dataDir: dir,
  chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  contracts: {
    dimoToken: `0x${"1".repeat(40)}`,
    manufacturerId: `0x${"2".repeat(40)}`,
    vehicleId: `0x${"3".repeat(40)}`,
    aftermarketDeviceId: `0x${"4".repeat(40)}`,
    permissions: `0x${"5".repeat(40)}`,
    devLicense: `0x${"6".repeat(40)}`,
  },
  api: {},
};

describe("node money jobs: configuration", () => {
  it("runs no job unless configured", () => {
    expect(parseNodeConfig(base).jobs).toEqual({});
  });

  it("takes a job with its key source and defaults its cadence", () => {
    const config = parseNodeConfig({
      ...base,
      jobs: { rewards: { dimoRewards: `0x${"7".repeat(40)}`, key: { env: "DIMO_REWARDS_KEY" } } },
    });
    expect(config.jobs.rewards).toMatchObject({
      key: { env: "DIMO_REWARDS_KEY" },
      intervalMs: 300_000,
      firstWeek: 0,
    });
  });

  it("refuses a key written into the configuration itself", () => {
    expect(() =>
      parseNodeConfig({
        ...base,
        jobs: { rewards: { dimoRewards: `0x${"7".repeat(40)}`, key: { privateKey: KEY } } },
      }),
    ).toThrow(NodeConfigError);
  });
});

describe("node money jobs: keys", () => {
  it("reads a key from an environment variable, and names the variable when it is not set", () => {
    process.env.DIMO_TEST_JOB_KEY = KEY;
    expect(readJobKey({ env: "DIMO_TEST_JOB_KEY" }, dir, "rewards").address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    delete process.env.DIMO_TEST_JOB_KEY;
    expect(() => readJobKey({ env: "DIMO_TEST_JOB_KEY" }, dir, "rewards")).toThrow(
      /rewards job's key is not set: export DIMO_TEST_JOB_KEY/,
    );
  });

  it("reads a key file in the data dir only when others cannot read it", () => {
    writeFileSync(join(dir, "operator.key"), `${KEY}\n`, { mode: 0o600 });
    const account = readJobKey({ file: "operator.key" }, dir, "settlement");
    process.env.DIMO_TEST_JOB_KEY = KEY;
    expect(account.address).toBe(readJobKey({ env: "DIMO_TEST_JOB_KEY" }, dir, "settlement").address);
    delete process.env.DIMO_TEST_JOB_KEY;
    chmodSync(join(dir, "operator.key"), 0o644);
    expect(() => readJobKey({ file: "operator.key" }, dir, "settlement")).toThrow(
      /mode 644\); run chmod 600/,
    );
  });

  it("says what a file holds is not a key, without echoing it", () => {
    writeFileSync(join(dir, "bad.key"), "0xnot-a-key-but-secret\n", { mode: 0o600 });
    let error: unknown;
    try {
      readJobKey({ file: "bad.key" }, dir, "device-stake");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JobKeyError);
    expect((error as Error).message).toContain("does not hold a private key");
    expect((error as Error).message).not.toContain("not-a-key-but-secret");
    expect(() => readJobKey({ file: "missing.key" }, dir, "rewards")).toThrow(/cannot be read/);
  });
});
