import {
  amendLicenseApplication,
  approveApplicationCall,
  castGovernanceVote,
  DEVNET_GOVERNANCE,
  deployHardware,
  dimoBalanceOf,
  EXIT_WAITING_PERIOD,
  executeGovernance,
  fundLicenseLoan,
  getDeviceModel,
  getDeviceVesting,
  getLicense,
  getLicenseApplication,
  getManufacturer,
  getProposal,
  HARDWARE_MONTH,
  issueLoanLicense,
  type LicenseApplicationInput,
  manufacturerLicenseAbi,
  proposeGovernance,
  queueGovernance,
  raiseStakeRequirement,
  recordApplicationReadout,
  reinstateLicense,
  rejectApplicationCall,
  releaseDeviceStake,
  renounceLicense,
  repayLicenseLoan,
  requestApplicationInformation,
  revokeLicense,
  setDeviceCategoryCall,
  setMinimumLicenseStakeCall,
  stakeLicense,
  submitLicenseApplication,
  suspendLicense,
  withdrawLicenseStake,
  writeContract,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type HardwareFixture, hardwareFixture, LICENSE_STAKE, rejects } from "./hardwareFixture.ts";

const MONTH = BigInt(HARDWARE_MONTH);
const SIX_MONTHS = BigInt(EXIT_WAITING_PERIOD);

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

const bobsApplication: LicenseApplicationInput = {
  name: "Bob Cams",
  regions: ["UK"],
  categoryId: 1n,
  modelName: "BC-1",
  modelSpecURI: "ipfs://bc-1-spec",
  metadataURI: "ipfs://bob-cams-application",
};

async function reviewedApplication(input = bobsApplication, recommended = true) {
  const { applicationId } = await submitLicenseApplication(f.bobHw.client, input);
  await recordApplicationReadout(f.integrations.client, {
    applicationId,
    readoutURI: "ipfs://bc-1-readout",
    requirements: ["secureElement", "streamingInterface", "bluetooth", "powerManagement", "ota"],
    recommended,
  });
  return applicationId;
}

describe("application and approval", () => {
  it("approves through a real proposal, vote, queue and execution, issuing a provisional licence", async () => {
    const applicationId = await reviewedApplication();
    const proposal = {
      calls: [approveApplicationCall(f.hardware, applicationId)],
      description: "Approve Bob Cams",
    };
    const { proposalId } = await proposeGovernance(f.gov.client, proposal);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("pending");
    await rejects(
      castGovernanceVote(f.gov.client, { proposalId, support: "for" }),
      "GovernorUnexpectedProposalState",
    );
    await f.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("active");
    await castGovernanceVote(f.gov.client, { proposalId, support: "for", reason: "good readout" });
    await rejects(queueGovernance(f.gov.client, proposal), "GovernorUnexpectedProposalState");
    await f.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("succeeded");
    await queueGovernance(f.gov.client, proposal);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("queued");
    await rejects(executeGovernance(f.gov.client, proposal), "TimelockUnexpectedOperationState");
    await f.increaseTime(DEVNET_GOVERNANCE.timelockDelay + 1);
    await executeGovernance(f.gov.client, proposal);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("executed");

    const application = await getLicenseApplication(f.gov.client, applicationId);
    expect(application).toMatchObject({ status: "approved", applicant: f.bob.address, regions: ["UK"] });
    const manufacturerId = application.manufacturerId;
    expect(await getManufacturer(f.gov.client, manufacturerId)).toMatchObject({
      name: "Bob Cams",
      owner: f.bob.address,
    });
    const license = await getLicense(f.gov.client, manufacturerId);
    expect(license).toMatchObject({ status: "active", valid: false, temporary: false, regions: ["UK"] });
    const model = await getDeviceModel(f.gov.client, 2n);
    expect(model).toMatchObject({
      manufacturerId,
      status: "certified",
      name: "BC-1",
      resultsURI: "ipfs://bc-1-readout",
      fullyCertified: false,
    });
    expect(model.requirements).toEqual([
      "secureElement",
      "streamingInterface",
      "bluetooth",
      "powerManagement",
      "ota",
    ]);
    // The licence NFT is the maker's, and cannot be transferred.
    const nft = { address: f.hardware.manufacturerLicense, abi: manufacturerLicenseAbi } as const;
    expect(
      await f.gov.client.publicClient.readContract({
        ...nft,
        functionName: "ownerOf",
        args: [manufacturerId],
      }),
    ).toBe(f.bob.address);
    await rejects(
      writeContract(f.bob.client, {
        ...nft,
        functionName: "transferFrom",
        args: [f.bob.address, f.alice.address, manufacturerId],
      }),
      "LicenseNotTransferable",
    );
    // Valid once staked.
    await stakeLicense(f.bobHw.client, { manufacturerId, amount: LICENSE_STAKE });
    expect((await getLicense(f.gov.client, manufacturerId)).valid).toBe(true);
  });

  it("does not approve when the vote fails", async () => {
    const applicationId = await reviewedApplication();
    const proposal = {
      calls: [approveApplicationCall(f.hardware, applicationId)],
      description: "Approve (voted down)",
    };
    const { proposalId } = await proposeGovernance(f.gov.client, proposal);
    await f.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1);
    await castGovernanceVote(f.gov.client, { proposalId, support: "against" });
    await f.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1);
    expect((await getProposal(f.gov.client, proposalId)).state).toBe("defeated");
    await rejects(queueGovernance(f.gov.client, proposal), "GovernorUnexpectedProposalState");
    expect((await getLicenseApplication(f.gov.client, applicationId)).status).toBe("reviewed");
  });

  it("rejects by vote; a rejected application cannot be approved", async () => {
    const applicationId = await reviewedApplication();
    await f.governance([rejectApplicationCall(f.hardware, applicationId, "ipfs://why")]);
    expect((await getLicenseApplication(f.gov.client, applicationId)).status).toBe("rejected");
    await rejects(
      f.governance([approveApplicationCall(f.hardware, applicationId)]),
      "InvalidApplicationStatus",
    );
  });

  it("lets only governance approve, and only after the testers' readout", async () => {
    const { applicationId } = await submitLicenseApplication(f.bobHw.client, bobsApplication);
    await rejects(
      writeContract(f.integrations.client, {
        address: f.hardware.licenseApplications,
        abi: (await import("@dimo-open/protocol")).licenseApplicationsAbi,
        functionName: "approve",
        args: [applicationId],
      }),
      "MissingRole",
    );
    await rejects(
      f.governance([approveApplicationCall(f.hardware, applicationId)]),
      "InvalidApplicationStatus",
    );
  });

  it("takes questions and amendments; an amendment needs a new readout", async () => {
    const applicationId = await reviewedApplication();
    await requestApplicationInformation(f.integrations.client, {
      applicationId,
      questionsURI: "ipfs://questions",
    });
    await rejects(
      amendLicenseApplication(f.aliceHw.client, { applicationId, metadataURI: "ipfs://x" }),
      "NotApplicant",
    );
    await amendLicenseApplication(f.bobHw.client, { applicationId, metadataURI: "ipfs://answers" });
    expect(await getLicenseApplication(f.gov.client, applicationId)).toMatchObject({
      status: "submitted",
      metadataURI: "ipfs://answers",
      readoutURI: "",
    });
  });

  it("validates applications", async () => {
    await rejects(
      submitLicenseApplication(f.bobHw.client, { ...bobsApplication, regions: [] }),
      "InvalidRegions",
    );
    await rejects(
      submitLicenseApplication(f.bobHw.client, { ...bobsApplication, name: "Fixture Devices" }),
      "ManufacturerNameUnavailable",
    );
    await rejects(
      submitLicenseApplication(f.bobHw.client, { ...bobsApplication, categoryId: 9n }),
      "CategoryNotFound",
    );
    await rejects(
      submitLicenseApplication(f.bobHw.client, { ...bobsApplication, metadataURI: "" }),
      "InvalidMetadata",
    );
    await rejects(
      submitLicenseApplication(f.bobHw.client, { ...bobsApplication, manufacturerId: f.manufacturerId }),
      "NotManufacturerOperator",
    );
    await rejects(
      submitLicenseApplication(f.makerHw.client, { ...bobsApplication, manufacturerId: f.manufacturerId }),
      "AlreadyLicensed",
    );
  });
});

describe("licence validity", () => {
  async function mintOne() {
    return f.mintDevices(1);
  }

  it("checks the licence at every device mint: suspension and reinstatement", async () => {
    await mintOne();
    await suspendLicense(f.integrations.client, {
      manufacturerId: f.manufacturerId,
      reasonURI: "ipfs://audit",
    });
    expect(await getLicense(f.gov.client, f.manufacturerId)).toMatchObject({
      status: "suspended",
      valid: false,
    });
    await rejects(mintOne(), "LicenseNotValid");
    await rejects(reinstateLicense(f.aliceHw.client, f.manufacturerId), "MissingRole");
    await reinstateLicense(f.integrations.client, f.manufacturerId);
    await mintOne();
  });

  it("[d]Integrations raises one maker's requirement; the maker stakes up to stay valid", async () => {
    const requirement = parseEther("150000");
    await rejects(
      raiseStakeRequirement(f.integrations.client, {
        manufacturerId: f.manufacturerId,
        requirement: parseEther("90000"),
      }),
      "RequirementNotRaised",
    );
    await rejects(
      raiseStakeRequirement(f.makerHw.client, { manufacturerId: f.manufacturerId, requirement }),
      "MissingRole",
    );
    await raiseStakeRequirement(f.integrations.client, { manufacturerId: f.manufacturerId, requirement });
    expect(await getLicense(f.gov.client, f.manufacturerId)).toMatchObject({ requirement, valid: false });
    await rejects(mintOne(), "LicenseNotValid");
    await stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount: parseEther("50000") });
    await mintOne();
  });

  it("follows the governance minimum", async () => {
    await f.governance([setMinimumLicenseStakeCall(f.hardware, parseEther("120000"))]);
    expect(await getLicense(f.gov.client, f.manufacturerId)).toMatchObject({
      requirement: parseEther("120000"),
      valid: false,
    });
    await rejects(mintOne(), "LicenseNotValid");
  });

  it("revocation ends the licence: no more devices, the stake exits after six months", async () => {
    await revokeLicense(f.integrations.client, {
      manufacturerId: f.manufacturerId,
      reasonURI: "ipfs://fraud",
    });
    const license = await getLicense(f.gov.client, f.manufacturerId);
    expect(license).toMatchObject({ status: "revoked", valid: false });
    expect(license.withdrawableAt).toBe(BigInt(license.endedAt) + SIX_MONTHS);
    await rejects(mintOne(), "LicenseNotValid");
    await rejects(
      stakeLicense(f.makerHw.client, { manufacturerId: f.manufacturerId, amount: 1n }),
      "LicenseNotActive",
    );
  });
});

describe("renouncing", () => {
  it("returns the licence stake exactly six months after renouncing, not a second earlier", async () => {
    await rejects(withdrawLicenseStake(f.gov.client, f.manufacturerId), "LicenseStillRunning");
    await rejects(renounceLicense(f.aliceHw.client, f.manufacturerId), "NotManufacturerOperator");
    await renounceLicense(f.makerHw.client, f.manufacturerId);
    const { endedAt, status } = await getLicense(f.gov.client, f.manufacturerId);
    expect(status).toBe("renounced");
    // Calls are simulated at the latest block's time: mine one block at each side of the boundary.
    await f.mineAt(BigInt(endedAt) + SIX_MONTHS - 1n);
    const e = await rejects(withdrawLicenseStake(f.gov.client, f.manufacturerId), "ExitWaitingPeriod");
    expect(e.args[1]).toBe(BigInt(endedAt) + SIX_MONTHS);
    const before = await dimoBalanceOf(f.gov.client, f.maker.address);
    await f.mineAt(BigInt(endedAt) + SIX_MONTHS);
    await withdrawLicenseStake(f.aliceHw.client, f.manufacturerId); // anyone may trigger it
    expect((await dimoBalanceOf(f.gov.client, f.maker.address)) - before).toBe(LICENSE_STAKE);
    await rejects(withdrawLicenseStake(f.gov.client, f.manufacturerId), "NothingToWithdraw");
  });

  it("leaves locked device stakes on their schedules", async () => {
    const { deviceIds, keys } = await f.mintDevices(1);
    const { installedAt } = await f.install(deviceIds[0]!, keys[0]!, f.aliceHw);
    await renounceLicense(f.makerHw.client, f.manufacturerId);
    await f.nextTimestamp(installedAt + 24n * MONTH);
    const before = await dimoBalanceOf(f.gov.client, f.maker.address);
    await releaseDeviceStake(f.gov.client, deviceIds);
    expect((await dimoBalanceOf(f.gov.client, f.maker.address)) - before).toBe(parseEther("57"));
    expect((await getDeviceVesting(f.gov.client, deviceIds[0]!)).paidTranches).toBe(24);
  });

  it("a maker may be licensed again by a new approval, which cancels the exit", async () => {
    await renounceLicense(f.makerHw.client, f.manufacturerId);
    const { applicationId } = await submitLicenseApplication(f.makerHw.client, {
      ...bobsApplication,
      manufacturerId: f.manufacturerId,
      name: "",
    });
    await recordApplicationReadout(f.integrations.client, {
      applicationId,
      readoutURI: "ipfs://again",
      requirements: ["secureElement"],
      recommended: true,
    });
    await f.governance([approveApplicationCall(f.hardware, applicationId)]);
    expect(await getLicense(f.gov.client, f.manufacturerId)).toMatchObject({
      status: "active",
      valid: true,
      stake: LICENSE_STAKE,
      withdrawableAt: 0n,
    });
  });
});

describe("foundation loan (temporary licence)", () => {
  async function underservedApplication(recommended = true) {
    await f.governance([
      setDeviceCategoryCall(f.hardware, {
        id: 3n,
        name: "Motorcycle tracker",
        perDeviceStake: parseEther("40"),
        underserved: true,
      }),
    ]);
    return reviewedApplication({ ...bobsApplication, categoryId: 3n }, recommended);
  }

  it("issues a temporary licence the foundation backs, repaid by the maker or reclaimed at the exit", async () => {
    const applicationId = await underservedApplication();
    await rejects(issueLoanLicense(f.bobHw.client, { applicationId, term: 12n * MONTH }), "MissingRole");
    await rejects(
      issueLoanLicense(f.foundation.client, { applicationId, term: 25n * MONTH }),
      "InvalidLoanTerm",
    );
    const { manufacturerId, expiresAt } = await issueLoanLicense(f.foundation.client, {
      applicationId,
      term: 12n * MONTH,
    });
    await f.fund(f.foundation.address, LICENSE_STAKE);
    await fundLicenseLoan(f.foundation.client, { manufacturerId, amount: LICENSE_STAKE });
    expect(await getLicense(f.gov.client, manufacturerId)).toMatchObject({
      valid: true,
      temporary: true,
      loanStake: LICENSE_STAKE,
      ownStake: 0n,
      lender: f.foundation.address,
    });
    // The maker repays 40,000: the foundation gets them back, the stake stays whole.
    await repayLicenseLoan(f.bobHw.client, { manufacturerId, amount: parseEther("40000") });
    expect(await dimoBalanceOf(f.gov.client, f.foundation.address)).toBe(parseEther("40000"));
    expect(await getLicense(f.gov.client, manufacturerId)).toMatchObject({
      ownStake: parseEther("40000"),
      loanStake: parseEther("60000"),
      valid: true,
    });
    await rejects(
      repayLicenseLoan(f.bobHw.client, { manufacturerId, amount: parseEther("60001") }),
      "RepaymentTooLarge",
    );
    // Unrenewed, it expires; six months later the foundation reclaims the rest of its loan.
    await f.mineAt(BigInt(expiresAt));
    const expired = await getLicense(f.gov.client, manufacturerId);
    expect(expired.valid).toBe(false);
    expect(expired.withdrawableAt).toBe(BigInt(expiresAt) + SIX_MONTHS);
    await f.mineAt(BigInt(expiresAt) + SIX_MONTHS);
    const bob = await dimoBalanceOf(f.gov.client, f.bob.address);
    await withdrawLicenseStake(f.gov.client, manufacturerId);
    expect(await dimoBalanceOf(f.gov.client, f.foundation.address)).toBe(LICENSE_STAKE);
    expect((await dimoBalanceOf(f.gov.client, f.bob.address)) - bob).toBe(parseEther("40000"));
  });

  it("becomes permanent when governance approves the same application", async () => {
    const applicationId = await underservedApplication();
    const { manufacturerId } = await issueLoanLicense(f.foundation.client, {
      applicationId,
      term: 6n * MONTH,
    });
    await f.governance([approveApplicationCall(f.hardware, applicationId)]);
    expect(await getLicense(f.gov.client, manufacturerId)).toMatchObject({
      temporary: false,
      status: "active",
    });
    await rejects(
      fundLicenseLoan(f.foundation.client, { manufacturerId, amount: 1n }),
      "NotTemporaryLicense",
    );
  });

  it("needs an underserved category and [d]Integrations' recommendation", async () => {
    const notUnderserved = await reviewedApplication();
    await rejects(
      issueLoanLicense(f.foundation.client, { applicationId: notUnderserved, term: MONTH }),
      "CategoryNotUnderserved",
    );
    const notRecommended = await underservedApplication(false);
    await rejects(
      issueLoanLicense(f.foundation.client, { applicationId: notRecommended, term: MONTH }),
      "NotRecommended",
    );
  });
});

describe("deployment", () => {
  it("refuses governance settings out of range", async () => {
    await expect(
      deployHardware(f.admin, f.addresses, { governance: { ...DEVNET_GOVERNANCE, votingPeriod: 0 } }),
    ).rejects.toThrow(/votingPeriod 0/);
    await expect(
      deployHardware(f.admin, f.addresses, { governance: { ...DEVNET_GOVERNANCE, quorumPercent: 101 } }),
    ).rejects.toThrow(/quorumPercent 101/);
  });
});
