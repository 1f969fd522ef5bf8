import {
  challengeManufacturer,
  dimoBalanceOf,
  dimoTokenAbi,
  disputeFailureReport,
  EXIT_WAITING_PERIOD,
  fundLicenseLoan,
  getChallenge,
  getDeviceVesting,
  getLicense,
  HARDWARE_MONTH,
  issueLoanLicense,
  lapseChallenge,
  recordApplicationReadout,
  releaseDeviceStake,
  renounceLicense,
  reportDeviceFailure,
  ruleOnChallenge,
  setChallengeBondCall,
  setDeviceCategoryCall,
  stakeLicense,
  submitLicenseApplication,
  withdrawLicenseStake,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type HardwareFixture, hardwareFixture, LICENSE_STAKE, rejects } from "./hardwareFixture.ts";

const MONTH = BigInt(HARDWARE_MONTH);
const SIX_MONTHS = BigInt(EXIT_WAITING_PERIOD);
const BOND = parseEther("1000");

let f: HardwareFixture;
beforeAll(async () => {
  f = await hardwareFixture();
});
beforeEach(async () => {
  await f.reset();
});
afterAll(async () => {
  await f.close();
});

const supply = () =>
  f.admin.publicClient.readContract({
    address: f.addresses.dimoToken,
    abi: dimoTokenAbi,
    functionName: "totalSupply",
  });
const balance = (a: `0x${string}`) => dimoBalanceOf(f.gov.client, a);

describe("challenges against a maker", () => {
  it("upheld: slashes the licence stake (burn and payouts to affected users) and returns the bond", async () => {
    const alice = await balance(f.alice.address);
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://false-data",
    });
    expect(await balance(f.alice.address)).toBe(alice - BOND);
    expect((await getLicense(f.gov.client, f.manufacturerId)).openChallenges).toBe(1);
    const before = { supply: await supply(), bob: await balance(f.bob.address) };
    await rejects(
      ruleOnChallenge(f.integrations.client, { challengeId, upheld: true, rulingURI: "ipfs://ruling" }),
      "MissingRole",
    );
    await ruleOnChallenge(f.council.client, {
      challengeId,
      upheld: true,
      slash: { burn: parseEther("10000"), payouts: [{ to: f.bob.address, amount: parseEther("5000") }] },
      rulingURI: "ipfs://ruling",
    });
    expect(before.supply - (await supply())).toBe(parseEther("10000"));
    expect((await balance(f.bob.address)) - before.bob).toBe(parseEther("5000"));
    expect(await balance(f.alice.address)).toBe(alice);
    const license = await getLicense(f.gov.client, f.manufacturerId);
    expect(license).toMatchObject({ stake: parseEther("85000"), valid: false, openChallenges: 0 });
    await rejects(f.mintDevices(1), "LicenseNotValid");
    expect(await getChallenge(f.gov.client, challengeId)).toMatchObject({
      status: "upheld",
      challenger: f.alice.address,
      subject: "maker",
      rulingURI: "ipfs://ruling",
    });
    await rejects(
      ruleOnChallenge(f.council.client, { challengeId, upheld: false, rulingURI: "" }),
      "ChallengeNotOpen",
    );
  });

  it("dismissed: the bond is burned and the stake untouched", async () => {
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://weak",
    });
    const before = await supply();
    await rejects(
      ruleOnChallenge(f.council.client, {
        challengeId,
        upheld: false,
        slash: { burn: 1n, payouts: [] },
        rulingURI: "ipfs://no",
      }),
      "SlashNotApplicable",
    );
    await ruleOnChallenge(f.council.client, { challengeId, upheld: false, rulingURI: "ipfs://no" });
    expect(before - (await supply())).toBe(BOND);
    expect(await balance(f.hardware.arbitration)).toBe(0n);
    expect((await getLicense(f.gov.client, f.manufacturerId)).stake).toBe(LICENSE_STAKE);
  });

  it("cannot slash more than the stake", async () => {
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://e",
    });
    await rejects(
      ruleOnChallenge(f.council.client, {
        challengeId,
        upheld: true,
        slash: { burn: LICENSE_STAKE, payouts: [{ to: f.bob.address, amount: 1n }] },
        rulingURI: "ipfs://r",
      }),
      "SlashTooLarge",
    );
  });

  it("lapses when [d]Council does not rule in time: the bond comes back", async () => {
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://e",
    });
    const { openedAt } = await getChallenge(f.gov.client, challengeId);
    await rejects(lapseChallenge(f.bobHw.client, challengeId), "RulingPeriodRunning");
    await f.mineAt(BigInt(openedAt) + 90n * 86_400n);
    await rejects(
      ruleOnChallenge(f.council.client, { challengeId, upheld: true, rulingURI: "ipfs://late" }),
      "RulingPeriodOver",
    );
    const alice = await balance(f.alice.address);
    await lapseChallenge(f.bobHw.client, challengeId);
    expect((await balance(f.alice.address)) - alice).toBe(BOND);
    expect((await getChallenge(f.gov.client, challengeId)).status).toBe("lapsed");
    expect((await getLicense(f.gov.client, f.manufacturerId)).openChallenges).toBe(0);
  });

  it("validates evidence and the challenged licence; governance sets the bond", async () => {
    await rejects(
      challengeManufacturer(f.aliceHw.client, { manufacturerId: f.manufacturerId, evidenceURI: "" }),
      "InvalidEvidence",
    );
    await rejects(
      challengeManufacturer(f.aliceHw.client, { manufacturerId: 77n, evidenceURI: "x" }),
      "LicenseNotFound",
    );
    await f.governance([setChallengeBondCall(f.hardware, parseEther("50"))]);
    const { bond } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://e",
    });
    expect(bond).toBe(parseEther("50"));
  });
});

describe("slashing a foundation-backed licence", () => {
  it("takes the maker's own stake before the foundation's loan", async () => {
    await f.governance([
      setDeviceCategoryCall(f.hardware, {
        id: 3n,
        name: "Motorcycle tracker",
        perDeviceStake: parseEther("40"),
        underserved: true,
      }),
    ]);
    const { applicationId } = await submitLicenseApplication(f.bobHw.client, {
      name: "Bob Moto",
      regions: ["EU"],
      categoryId: 3n,
      modelName: "BM-1",
      modelSpecURI: "ipfs://bm-1",
      metadataURI: "ipfs://bob-moto",
    });
    await recordApplicationReadout(f.integrations.client, {
      applicationId,
      readoutURI: "ipfs://readout",
      requirements: ["secureElement"],
      recommended: true,
    });
    const { manufacturerId } = await issueLoanLicense(f.foundation.client, {
      applicationId,
      term: 12n * MONTH,
    });
    await f.fund(f.foundation.address, parseEther("60000"));
    await fundLicenseLoan(f.foundation.client, { manufacturerId, amount: parseEther("60000") });
    await stakeLicense(f.bobHw.client, { manufacturerId, amount: parseEther("40000") });
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId,
      evidenceURI: "ipfs://e",
    });
    await ruleOnChallenge(f.council.client, {
      challengeId,
      upheld: true,
      slash: { burn: parseEther("50000"), payouts: [] },
      rulingURI: "ipfs://r",
    });
    expect(await getLicense(f.gov.client, manufacturerId)).toMatchObject({
      ownStake: 0n,
      loanStake: parseEther("50000"),
    });
  });
});

describe("challenges and the renounce window", () => {
  it("an open challenge holds the stake; an upheld one restarts the six months", async () => {
    await renounceLicense(f.makerHw.client, f.manufacturerId);
    const { endedAt } = await getLicense(f.gov.client, f.manufacturerId);
    await f.mineAt(BigInt(endedAt) + 5n * MONTH);
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://e",
    });
    await f.mineAt(BigInt(endedAt) + SIX_MONTHS);
    await rejects(withdrawLicenseStake(f.gov.client, f.manufacturerId), "ChallengesOpen");
    await ruleOnChallenge(f.council.client, {
      challengeId,
      upheld: true,
      slash: { burn: parseEther("20000"), payouts: [] },
      rulingURI: "ipfs://r",
    });
    const { withdrawableAt } = await getLicense(f.gov.client, f.manufacturerId);
    expect(withdrawableAt).toBeGreaterThan(BigInt(endedAt) + SIX_MONTHS);
    await rejects(withdrawLicenseStake(f.gov.client, f.manufacturerId), "ExitWaitingPeriod");
    await f.mineAt(withdrawableAt);
    const maker = await balance(f.maker.address);
    await withdrawLicenseStake(f.gov.client, f.manufacturerId);
    expect((await balance(f.maker.address)) - maker).toBe(parseEther("80000"));
  });

  it("a dismissed challenge does not restart the six months", async () => {
    await renounceLicense(f.makerHw.client, f.manufacturerId);
    const { endedAt } = await getLicense(f.gov.client, f.manufacturerId);
    const { challengeId } = await challengeManufacturer(f.aliceHw.client, {
      manufacturerId: f.manufacturerId,
      evidenceURI: "ipfs://e",
    });
    await ruleOnChallenge(f.council.client, { challengeId, upheld: false, rulingURI: "ipfs://r" });
    await f.mineAt(BigInt(endedAt) + SIX_MONTHS);
    await withdrawLicenseStake(f.gov.client, f.manufacturerId);
  });
});

describe("disputes of failure reports", () => {
  async function reportedDevice() {
    const { deviceIds, keys } = await f.mintDevices(1);
    const deviceId = deviceIds[0]!;
    const { installedAt } = await f.install(deviceId, keys[0]!, f.aliceHw);
    await f.nextTimestamp(installedAt + 12n * MONTH + MONTH / 2n);
    await reportDeviceFailure(f.reporter.client, {
      deviceId,
      failure: "malfunction",
      evidenceURI: "ipfs://telemetry",
    });
    const { challengeId } = await disputeFailureReport(f.makerHw.client, {
      deviceId,
      evidenceURI: "ipfs://fine",
    });
    return { deviceId, installedAt, challengeId };
  }

  it("holds the user's tranches while disputed; upheld, the report is void and the maker keeps earning", async () => {
    const { deviceId, installedAt, challengeId } = await reportedDevice();
    expect((await getDeviceVesting(f.gov.client, deviceId)).disputed).toBe(true);
    await f.nextTimestamp(installedAt + 15n * MONTH);
    const alice = await balance(f.alice.address);
    const { released } = await releaseDeviceStake(f.gov.client, [deviceId]);
    expect(released[0]).toMatchObject({ paidTranches: 12, toUser: 0n, toMaker: 12n * parseEther("2.375") });
    await rejects(
      disputeFailureReport(f.bobHw.client, { deviceId, evidenceURI: "ipfs://again" }),
      "DisputeState",
    );
    const maker = await balance(f.maker.address);
    await ruleOnChallenge(f.council.client, { challengeId, upheld: true, rulingURI: "ipfs://device-ok" });
    expect((await balance(f.maker.address)) - maker).toBe(BOND);
    expect(await getDeviceVesting(f.gov.client, deviceId)).toMatchObject({
      failure: "none",
      disputed: false,
    });
    await f.nextTimestamp(installedAt + 24n * MONTH);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect((await balance(f.maker.address)) - maker).toBe(BOND + 12n * parseEther("2.375"));
    expect(await balance(f.alice.address)).toBe(alice);
  });

  it("dismissed: the report stands, the user is paid what waited, the bond is burned", async () => {
    const { deviceId, installedAt, challengeId } = await reportedDevice();
    await f.nextTimestamp(installedAt + 15n * MONTH);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    const before = { alice: await balance(f.alice.address), supply: await supply() };
    await ruleOnChallenge(f.council.client, { challengeId, upheld: false, rulingURI: "ipfs://broken" });
    expect(before.supply - (await supply())).toBe(BOND);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect((await balance(f.alice.address)) - before.alice).toBe(3n * parseEther("2.5"));
    await f.nextTimestamp(installedAt + 24n * MONTH);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect((await balance(f.alice.address)) - before.alice).toBe(parseEther("30"));
  });

  it("needs a report to dispute", async () => {
    const { deviceIds, keys } = await f.mintDevices(1);
    await f.install(deviceIds[0]!, keys[0]!, f.aliceHw);
    await rejects(
      disputeFailureReport(f.makerHw.client, { deviceId: deviceIds[0]!, evidenceURI: "ipfs://x" }),
      "NoFailureReported",
    );
  });
});
