/**
 * The money loop on a devnet started here, with no manual step: the simulated fleet drives, the
 * node's rewards job publishes week 0 from that activity (the devnet's first week ends shortly
 * after setup), an owner sees and claims the reward with `dimo rewards`, anyone verifies the week,
 * and a second claim is refused. The demo app's queries are settled on chain by the node's
 * settlement job, which `dimo credits balance` shows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeRewardsInputs,
  dimoBalanceOf,
  fetchRewardsInputs,
  getRewardsWeek,
  withRewards,
} from "@dimo-open/protocol";
import { DimoClient } from "@dimo-open/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoAccounts } from "../stack/roles.ts";
import { type DevnetStack, startDevnetStack } from "../stack/stack.ts";
import { runDimo } from "./dimo.test-support.ts";

const dataDir = mkdtempSync(join(tmpdir(), "dimo-money-"));
let stack: DevnetStack;
const dimo = (args: string[]) => runDimo(dataDir, args);
const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;

/** Polls `check` until it returns a value (the devnet works in real time). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  stack = await startDevnetStack({
    dataDir,
    ports: { chain: 0, api: 0, ingest: 0, mqtt: false, console: false },
    vehicles: 2,
    fleet: { eventIntervalMs: 500, misbehavingShare: 0 },
    rewards: { firstWeekSeconds: 30, challengeWindowSeconds: 5 },
    jobIntervals: { rewards: 1_000, settlement: 1_000 },
    idleBlockSeconds: 2,
    logLevel: "warn",
  });
}, 300_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("rewards on the devnet", () => {
  it("publishes week 0 from the fleet's driving; the owner sees it, claims once, and anyone verifies it", async () => {
    expect(stack.jobsSkipped).toEqual([]);
    const client = withRewards(stack.chain.admin, stack.record.rewards);
    const vehicle = stack.record.fleet.vehicles.find((v) => v.owner === "alice")!;
    const alice = demoAccounts().alice.address;

    // The node publishes once the week is over (the devnet's clock mines a block at its end).
    const week = await until("week 0 to be published", async () => {
      const w = await getRewardsWeek(client, 0n);
      return w.status === "none" ? undefined : w;
    });
    expect(week.status).toBe("pending");
    expect(week.total).toBe(1_105_000n * 10n ** 18n);

    // The week's inputs, from the URI the node published on chain (hash-checked): both vehicles
    // sent data; alice's drove (non-constant signals) from the demo maker's LTE dongle (class 1).
    const inputs = decodeRewardsInputs(await fetchRewardsInputs(client, 0n));
    expect(inputs.vehicles.map((v) => v.vehicleId.toString()).sort()).toEqual(
      stack.record.fleet.vehicles.map((v) => v.vehicleId).sort(),
    );
    const active = inputs.vehicles.filter((v) => v.active && v.duplicateOf === null);
    expect(active.map((v) => v.vehicleId.toString())).toContain(vehicle.vehicleId);
    // Every active vehicle has the same class and level: the week's issuance is split evenly.
    const share = week.total / BigInt(active.length);

    const shown = await dimo(["rewards", "show", "--week", "0", "--owner", alice, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const earned = json<{
      earnings: { vehicleId: string; amount: string; points: number; claimed: boolean }[];
    }>(shown).earnings;
    expect(earned).toEqual([
      {
        vehicleId: vehicle.vehicleId,
        deviceId: vehicle.deviceId,
        points: 6000,
        level: 1,
        amount: share.toString(),
        claimed: false,
      },
    ]);
    const text = await dimo(["rewards", "show", "--week", "0", "--owner", alice]);
    expect(text.stdout).toContain(`${alice} earned:`);
    expect(text.stdout).toMatch(
      new RegExp(`${vehicle.vehicleId}\\s+${vehicle.deviceId}\\s+6000\\s+L1\\s+[0-9,.]+ DIMO\\s+no`),
    );

    // Claims open when the challenge window has passed (the clock mines a block then too).
    await until("week 0 to be final", async () =>
      (await getRewardsWeek(client, 0n)).final ? true : undefined,
    );
    const before = await dimoBalanceOf(client, alice);
    // Alice claims her vehicle's reward for week 0 (the same command twice: paid once).
    const claim = () =>
      dimo([
        "rewards",
        "claim",
        "--week",
        "0",
        "--vehicle",
        vehicle.vehicleId,
        "--devnet-account",
        "alice",
        "--json",
      ]);
    const claimed = await claim();
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(json(claimed)).toMatchObject({ beneficiary: alice, amount: share.toString() });
    expect(await dimoBalanceOf(client, alice)).toBe(before + share);

    const verified = await dimo(["rewards", "verify", "--week", "0", "--identities", "--json"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(json(verified)).toMatchObject({ ok: true, identitiesChecked: active.length });

    const again = await claim();
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(`vehicle ${vehicle.vehicleId}'s reward for week 0 was already claimed`);
    const after = json<{ earnings: { claimed: boolean }[] }>(
      await dimo(["rewards", "show", "--week", "0", "--owner", alice, "--json"]),
    );
    expect(after.earnings).toEqual([expect.objectContaining({ claimed: true })]);
  });
});

describe("settlement on the devnet", () => {
  it("settles the demo app's queries on chain: its licence's credits fall by what the node charged", async () => {
    const vehicle = stack.record.fleet.vehicles[0]!;
    const balance = async () =>
      BigInt(json<{ balance: string }>(await dimo(["credits", "balance", "--json"])).balance);
    const before = await balance();
    const queried = await dimo([
      "query",
      "signals",
      "--vehicle",
      vehicle.vehicleId,
      "--signals",
      "speed:MAX",
      "--from",
      "-1h",
      "--devnet-account",
      "developer",
      "--json",
    ]);
    expect(queried.code, queried.stderr).toBe(0);
    const after = await until("the query to be settled", async () => {
      const now = await balance();
      return now < before ? now : undefined;
    });
    // The node's price list is one on-chain credit per credit its ledger charged the app.
    const app = new DimoClient({ baseUrl: stack.node.apiUrl });
    await app.signIn({
      clientId: stack.record.developer.clientId,
      domain: stack.record.developer.redirectUris[0]!,
      signer: demoAccounts().developer,
    });
    const { totalCredits } = await app.usage();
    expect(totalCredits).toBeGreaterThan(0);
    expect(before - after).toBe(BigInt(totalCredits));
  });
});
