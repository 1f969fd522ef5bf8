import {
  challengeManufacturer,
  dimoBalanceOf,
  dimoTokenAbi,
  disputeFailureReport,
  EXIT_WAITING_PERIOD,
  getChallenge,
  getDeviceVesting,
  getLicense,
  HARDWARE_MONTH,
  lapseChallenge,
  ProtocolError,
  releaseDeviceStake,
  renounceLicense,
  reportDeviceFailure,
  ruleOnChallenge,
  stakeLicense,
  VESTING_MONTHS,
  withdrawLicenseStake,
} from "@dimo-open/protocol";
import fc from "fast-check";
import { type Address, type PrivateKeyAccount, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_STAKE, type HardwareFixture, hardwareFixture, LICENSE_STAKE } from "./hardwareFixture.ts";

const MONTH = BigInt(HARDWARE_MONTH);
const SUPPLY = parseEther("1000000000");
const BOND = parseEther("1000");
const LOCKED = parseEther("60"); // 80 − 25% burned
const RULING_PERIOD = 90n * 86_400n;

type Op =
  | { kind: "mint"; count: number }
  | { kind: "install"; user: number }
  | { kind: "advance"; seconds: number }
  | { kind: "release" }
  | { kind: "fail"; pick: number }
  | { kind: "challenge" }
  | { kind: "dispute"; pick: number }
  | { kind: "rule"; pick: number; upheld: boolean; burnPct: number; payPct: number }
  | { kind: "stake"; amount: number }
  | { kind: "renounce" }
  | { kind: "withdraw" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("mint" as const), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("install" as const), user: fc.nat(1) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.integer({ min: 1, max: 9 * HARDWARE_MONTH }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "release" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("fail" as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "challenge" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("dispute" as const), pick: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("rule" as const),
      pick: fc.nat(20),
      upheld: fc.boolean(),
      burnPct: fc.integer({ min: 0, max: 100 }),
      payPct: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("stake" as const),
      amount: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "renounce" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "withdraw" as const }) },
);

interface DeviceModel {
  id: bigint;
  key: PrivateKeyAccount;
  installed: boolean;
  paid: bigint; // DIMO released so far
}

interface ChallengeModel {
  id: bigint;
  subject: "maker" | "report";
  deviceId: bigint;
  open: boolean;
}

/**
 * What the spec says a release pays: tranche k (1..24) vests at start + k months, is the maker's
 * (95%) and [d]Integrations' (5%) when it vested by the failure report (or there is none), the
 * user's otherwise; a disputed report holds the user's tranches. Written tranche by tranche, unlike
 * the contract's closed form.
 */
function oracle(
  v: { startedAt: number; failedAt: number; disputed: boolean; paidTranches: number },
  at: bigint,
): { toMaker: bigint; toIntegrations: bigint; toUser: bigint } {
  const cum = (k: bigint) => (LOCKED * k) / BigInt(VESTING_MONTHS);
  const integrationsCum = (k: bigint) => (cum(k) * 500n) / 10_000n;
  let maker = 0n;
  let integrations = 0n;
  let user = 0n;
  for (let k = BigInt(v.paidTranches) + 1n; k <= BigInt(VESTING_MONTHS); k++) {
    const vestsAt = BigInt(v.startedAt) + k * MONTH;
    if (vestsAt > at) break;
    const makers = v.failedAt === 0 || vestsAt <= BigInt(v.failedAt);
    if (!makers && v.disputed) break;
    if (makers) {
      integrations += integrationsCum(k) - integrationsCum(k - 1n);
      maker += cum(k) - cum(k - 1n) - (integrationsCum(k) - integrationsCum(k - 1n));
    } else user += cum(k) - cum(k - 1n);
  }
  return { toMaker: maker, toIntegrations: integrations, toUser: user };
}

let f: HardwareFixture;
beforeAll(async () => {
  f = await hardwareFixture();
});
afterAll(async () => {
  await f.close();
});

describe("DIMO conservation", () => {
  it("never creates or loses DIMO, and every contract holds exactly what it owes, whatever the sequence", async () => {
    const holders: Address[] = [
      f.admin.walletClient.account.address,
      f.maker.address,
      f.alice.address,
      f.bob.address,
      f.app.address,
      f.relayer.walletClient.account.address,
      f.integrations.address,
      f.council.address,
      f.reporter.address,
      f.foundation.address,
      f.integrationsTreasury,
      f.hardware.timelock,
      f.hardware.governor,
      f.hardware.manufacturerLicense,
      f.hardware.deviceStake,
      f.hardware.arbitration,
      f.hardware.preorderSpots,
    ];
    const balance = (a: Address) => dimoBalanceOf(f.gov.client, a);
    const totalSupply = () =>
      f.admin.publicClient.readContract({
        address: f.addresses.dimoToken,
        abi: dimoTokenAbi,
        functionName: "totalSupply",
      });

    const counts: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 16 }), async (ops) => {
        await f.reset();
        const devices: DeviceModel[] = [];
        const challenges: ChallengeModel[] = [];
        let burned = 0n;
        let licenseStake = LICENSE_STAKE;
        let renounced = false;
        let exitStart = 0n;
        const openMakerChallenges = () => challenges.filter((c) => c.open && c.subject === "maker").length;
        // Start from a world with devices in every state: two installed, two still in stock.
        const start = await f.mintDevices(4);
        for (const [i, id] of start.deviceIds.entries()) {
          devices.push({ id, key: start.keys[i]!, installed: i < 2, paid: 0n });
          if (i < 2) {
            await f.install(id, start.keys[i]!, i === 0 ? f.aliceHw : f.bobHw);
            burned += DEVICE_STAKE - LOCKED;
          }
        }

        const check = async (after: string) => {
          const balances = await Promise.all(holders.map(balance));
          const sum = balances.reduce((a, b) => a + b, 0n);
          expect(sum + burned, `conservation after ${after}`).toBe(SUPPLY);
          expect(await totalSupply(), `supply after ${after}`).toBe(SUPPLY - burned);
          const pending = BigInt(devices.filter((d) => !d.installed).length) * DEVICE_STAKE;
          const locked = devices.filter((d) => d.installed).reduce((a, d) => a + LOCKED - d.paid, 0n);
          expect(await balance(f.hardware.deviceStake), `device stake after ${after}`).toBe(pending + locked);
          expect(await balance(f.hardware.manufacturerLicense), `licence stake after ${after}`).toBe(
            licenseStake,
          );
          const open = BigInt(challenges.filter((c) => c.open).length);
          expect(await balance(f.hardware.arbitration), `bonds after ${after}`).toBe(open * BOND);
        };

        for (const o of ops) {
          const valid = !renounced && licenseStake >= LICENSE_STAKE;
          try {
            switch (o.kind) {
              case "mint": {
                const minted = await f.mintDevices(o.count).then(
                  (r) => r,
                  (e: unknown) => e,
                );
                if (minted instanceof ProtocolError) {
                  expect(valid, "a valid licence mints").toBe(false);
                  expect(minted.errorName).toBe("LicenseNotValid");
                  break;
                }
                expect(valid, "an invalid licence does not mint").toBe(true);
                const { deviceIds, keys } = minted as Awaited<ReturnType<HardwareFixture["mintDevices"]>>;
                for (const [i, id] of deviceIds.entries()) {
                  devices.push({ id, key: keys[i]!, installed: false, paid: 0n });
                }
                break;
              }
              case "install": {
                const d = devices.find((x) => !x.installed);
                if (!d) break;
                await f.install(d.id, d.key, o.user === 0 ? f.aliceHw : f.bobHw);
                d.installed = true;
                burned += DEVICE_STAKE - LOCKED;
                break;
              }
              case "advance":
                await f.increaseTime(o.seconds);
                break;
              case "release": {
                const installed = devices.filter((d) => d.installed);
                if (installed.length === 0) break;
                const before = await Promise.all(installed.map((d) => getDeviceVesting(f.gov.client, d.id)));
                const result = await releaseDeviceStake(
                  f.bobHw.client,
                  installed.map((d) => d.id),
                );
                const { timestamp } = await f.admin.publicClient.getBlock({
                  blockNumber: result.receipt.blockNumber,
                });
                installed.forEach((d, i) => {
                  const expected = oracle(before[i]!, timestamp);
                  const got = result.released.find((r) => r.deviceId === d.id);
                  expect(
                    got
                      ? { toMaker: got.toMaker, toIntegrations: got.toIntegrations, toUser: got.toUser }
                      : oracle(before[i]!, 0n),
                    `release of device ${d.id}`,
                  ).toEqual(expected);
                  d.paid += expected.toMaker + expected.toIntegrations + expected.toUser;
                  expect(d.paid).toBeLessThanOrEqual(LOCKED);
                });
                break;
              }
              case "fail": {
                const candidates = devices.filter((d) => d.installed);
                const d = candidates[o.pick % Math.max(1, candidates.length)];
                if (!d) break;
                const v = await getDeviceVesting(f.gov.client, d.id);
                if (v.failure !== "none") break;
                const reported = await reportDeviceFailure(f.reporter.client, {
                  deviceId: d.id,
                  failure: "malfunction",
                  evidenceURI: "ipfs://ev",
                }).then(
                  () => undefined,
                  (e: unknown) => e,
                );
                const end = BigInt(v.startedAt) + BigInt(VESTING_MONTHS) * MONTH;
                if (reported instanceof ProtocolError) {
                  expect(reported.errorName).toBe("VestingComplete");
                  expect((await f.now()) + 5n).toBeGreaterThanOrEqual(end);
                } else {
                  if (reported) throw reported;
                  expect(BigInt((await getDeviceVesting(f.gov.client, d.id)).failedAt)).toBeLessThan(end);
                }
                break;
              }
              case "challenge": {
                const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
                  manufacturerId: f.manufacturerId,
                  evidenceURI: "ipfs://claim",
                });
                challenges.push({ id: challengeId, subject: "maker", deviceId: 0n, open: true });
                break;
              }
              case "dispute": {
                const failed: DeviceModel[] = [];
                for (const d of devices.filter((x) => x.installed)) {
                  const v = await getDeviceVesting(f.gov.client, d.id);
                  if (v.failure !== "none" && !v.disputed) failed.push(d);
                }
                const d = failed[o.pick % Math.max(1, failed.length)];
                if (!d) break;
                const { challengeId } = await disputeFailureReport(f.makerHw.client, {
                  deviceId: d.id,
                  evidenceURI: "ipfs://works",
                });
                challenges.push({ id: challengeId, subject: "report", deviceId: d.id, open: true });
                break;
              }
              case "rule": {
                const open = challenges.filter((c) => c.open);
                const c = open[o.pick % Math.max(1, open.length)];
                if (!c) break;
                const { openedAt } = await getChallenge(f.gov.client, c.id);
                c.open = false;
                if ((await f.now()) + 1n >= BigInt(openedAt) + RULING_PERIOD) {
                  // [d]Council missed its ruling period: anyone closes it and the bond comes back.
                  await lapseChallenge(f.bobHw.client, c.id);
                  break;
                }
                const slashable = c.subject === "maker" && o.upheld;
                const burn = slashable ? (licenseStake * BigInt(o.burnPct)) / 200n : 0n;
                const pay = slashable ? (licenseStake * BigInt(o.payPct)) / 200n : 0n;
                await ruleOnChallenge(f.council.client, {
                  challengeId: c.id,
                  upheld: o.upheld,
                  slash: { burn, payouts: pay > 0n ? [{ to: f.bob.address, amount: pay }] : [] },
                  rulingURI: "ipfs://ruling",
                });
                burned += burn + (o.upheld ? 0n : BOND);
                licenseStake -= burn + pay;
                if (c.subject === "maker" && o.upheld && renounced) exitStart = await f.now();
                break;
              }
              case "stake": {
                if (renounced) break;
                const amount = parseEther(String(o.amount));
                await stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount });
                licenseStake += amount;
                break;
              }
              case "renounce": {
                if (renounced) break;
                await renounceLicense(f.makerHw.client, f.manufacturerId);
                renounced = true;
                exitStart = BigInt((await getLicense(f.gov.client, f.manufacturerId)).endedAt);
                break;
              }
              case "withdraw": {
                const outcome = await withdrawLicenseStake(f.bobHw.client, f.manufacturerId).then(
                  () => "ok",
                  (e: unknown) => (e instanceof ProtocolError ? e.errorName : Promise.reject(e)),
                );
                const now = await f.now();
                const ready = renounced && openMakerChallenges() === 0 && licenseStake > 0n;
                if (outcome === "ok") {
                  expect(ready && now >= exitStart + BigInt(EXIT_WAITING_PERIOD), "withdrawal allowed").toBe(
                    true,
                  );
                  licenseStake = 0n;
                } else if (ready && now > exitStart + BigInt(EXIT_WAITING_PERIOD) + 5n) {
                  throw new Error(`withdrawal refused with ${outcome} although due`);
                }
                break;
              }
            }
          } catch (e) {
            throw new Error(`${JSON.stringify(o)} failed: ${(e as Error).message}`, { cause: e });
          }
          await check(JSON.stringify(o));
        }
        // Whatever happened: once the open disputes are ruled and two years pass, every locked
        // stake is paid out in full and the accounts still balance.
        await f.increaseTime(25 * HARDWARE_MONTH);
        for (const c of challenges.filter((x) => x.open && x.subject === "report")) {
          await lapseChallenge(f.bobHw.client, c.id);
          c.open = false;
        }
        const installed = devices.filter((d) => d.installed);
        if (installed.length > 0) {
          const { released } = await releaseDeviceStake(
            f.gov.client,
            installed.map((d) => d.id),
          );
          for (const d of installed) {
            const r = released.find((x) => x.deviceId === d.id);
            d.paid += r ? r.toMaker + r.toIntegrations + r.toUser : 0n;
            expect(d.paid).toBe(LOCKED);
            expect((await getDeviceVesting(f.gov.client, d.id)).paidTranches).toBe(VESTING_MONTHS);
          }
        }
        await check("the final release");
        counts.push(ops.length);
      }),
      { numRuns: 25 },
    );
    expect(counts.length).toBe(25);
  });
});
