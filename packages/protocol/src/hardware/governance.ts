import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hex,
  keccak256,
  toBytes,
} from "viem";
import {
  arbitrationAbi,
  deviceModelsAbi,
  deviceStakeAbi,
  dimoGovernorAbi,
  hardwareAuthorityAbi,
  licenseApplicationsAbi,
  manufacturerLicenseAbi,
} from "../artifacts/index.ts";
import { eventOf, writeContract } from "../client.ts";
import {
  HARDWARE_ROLES,
  type HardwareAddresses,
  type HardwareClient,
  type HardwareReader,
  type HardwareRole,
} from "./addresses.ts";
import type { DeviceCategory } from "./deploy.ts";

/** One call a governance proposal makes through the timelock. */
export interface GovernanceCall {
  target: Address;
  value: bigint;
  calldata: Hex;
}

/** A proposal: its calls and its description (the description is part of its identity). */
export interface GovernanceProposal {
  calls: readonly GovernanceCall[];
  description: string;
}

/** Encodes a call for a proposal, type-checked against the target's ABI. */
export function governanceCall<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(
  target: Address,
  abi: abi,
  functionName: functionName,
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
): GovernanceCall {
  const calldata = encodeFunctionData({ abi, functionName, args } as Parameters<
    typeof encodeFunctionData
  >[0]);
  return { target, value: 0n, calldata };
}

export const approveApplicationCall = (hw: HardwareAddresses, applicationId: bigint) =>
  governanceCall(hw.licenseApplications, licenseApplicationsAbi, "approve", [applicationId]);

export const rejectApplicationCall = (hw: HardwareAddresses, applicationId: bigint, reasonURI: string) =>
  governanceCall(hw.licenseApplications, licenseApplicationsAbi, "reject", [applicationId, reasonURI]);

export const setMinimumLicenseStakeCall = (hw: HardwareAddresses, amount: bigint) =>
  governanceCall(hw.manufacturerLicense, manufacturerLicenseAbi, "setMinimumStake", [amount]);

export const setStakeRequirementCall = (hw: HardwareAddresses, manufacturerId: bigint, requirement: bigint) =>
  governanceCall(hw.manufacturerLicense, manufacturerLicenseAbi, "setStakeRequirement", [
    manufacturerId,
    requirement,
  ]);

export const setDeviceCategoryCall = (hw: HardwareAddresses, c: DeviceCategory) =>
  governanceCall(hw.deviceModels, deviceModelsAbi, "setCategory", [
    c.id,
    c.name,
    c.perDeviceStake,
    c.underserved,
  ]);

/** The burn schedule: stakes up to `lowStake` burn `lowBps`, from `highStake` on `highBps`, linear between. */
export interface BurnSchedule {
  lowStake: bigint;
  highStake: bigint;
  lowBps: number;
  highBps: number;
}

export const setBurnScheduleCall = (hw: HardwareAddresses, s: BurnSchedule) =>
  governanceCall(hw.deviceStake, deviceStakeAbi, "setBurnSchedule", [
    s.lowStake,
    s.highStake,
    s.lowBps,
    s.highBps,
  ]);

export const setChallengeBondCall = (hw: HardwareAddresses, bond: bigint) =>
  governanceCall(hw.arbitration, arbitrationAbi, "setChallengeBond", [bond]);

export const setRulingPeriodCall = (hw: HardwareAddresses, seconds: bigint) =>
  governanceCall(hw.arbitration, arbitrationAbi, "setRulingPeriod", [seconds]);

export const grantHardwareRoleCall = (hw: HardwareAddresses, role: HardwareRole, account: Address) =>
  governanceCall(hw.hardwareAuthority, hardwareAuthorityAbi, "grantRole", [HARDWARE_ROLES[role], account]);

export const revokeHardwareRoleCall = (hw: HardwareAddresses, role: HardwareRole, account: Address) =>
  governanceCall(hw.hardwareAuthority, hardwareAuthorityAbi, "revokeRole", [HARDWARE_ROLES[role], account]);

export const setIntegrationsTreasuryCall = (hw: HardwareAddresses, treasury: Address) =>
  governanceCall(hw.hardwareAuthority, hardwareAuthorityAbi, "setIntegrationsTreasury", [treasury]);

const governor = (client: HardwareReader) =>
  ({ address: client.hardware.governor, abi: dimoGovernorAbi }) as const;

const proposalArgs = (p: GovernanceProposal) =>
  [
    p.calls.map((c) => c.target),
    p.calls.map((c) => c.value),
    p.calls.map((c) => c.calldata),
    keccak256(toBytes(p.description)),
  ] as const;

/** Proposes calls to DIMO governance. The caller needs the proposal threshold in delegated votes. */
export async function proposeGovernance(client: HardwareClient, p: GovernanceProposal) {
  const result = await writeContract(client, {
    ...governor(client),
    functionName: "propose",
    args: [
      p.calls.map((c) => c.target),
      p.calls.map((c) => c.value),
      p.calls.map((c) => c.calldata),
      p.description,
    ],
  });
  const created = eventOf(result, "ProposalCreated").args;
  return {
    ...result,
    proposalId: created.proposalId,
    voteStart: created.voteStart,
    voteEnd: created.voteEnd,
  };
}

export type VoteSupport = "against" | "for" | "abstain";
const SUPPORT: Record<VoteSupport, number> = { against: 0, for: 1, abstain: 2 };

/** Casts the caller's (delegated) votes on an active proposal. */
export function castGovernanceVote(
  client: HardwareClient,
  p: { proposalId: bigint; support: VoteSupport; reason?: string },
) {
  return writeContract(client, {
    ...governor(client),
    functionName: "castVoteWithReason",
    args: [p.proposalId, SUPPORT[p.support], p.reason ?? ""],
  });
}

/** Queues a succeeded proposal in the timelock. Anyone. */
export function queueGovernance(client: HardwareClient, p: GovernanceProposal) {
  const [targets, values, calldatas, descriptionHash] = proposalArgs(p);
  return writeContract(client, {
    ...governor(client),
    functionName: "queue",
    args: [targets, values, calldatas, descriptionHash],
  });
}

/** Executes a queued proposal once the timelock delay has passed. Anyone. */
export function executeGovernance(client: HardwareClient, p: GovernanceProposal) {
  const [targets, values, calldatas, descriptionHash] = proposalArgs(p);
  return writeContract(client, {
    ...governor(client),
    functionName: "execute",
    args: [targets, values, calldatas, descriptionHash],
  });
}

export const PROPOSAL_STATES = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "expired",
  "executed",
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** A proposal's state, and when its vote and timelock end (seconds since the epoch; eta 0 until queued). */
export async function getProposal(client: HardwareReader, proposalId: bigint) {
  const g = governor(client);
  const read = client.publicClient.readContract;
  const [state, snapshot, deadline, eta, votes] = await Promise.all([
    read({ ...g, functionName: "state", args: [proposalId] }),
    read({ ...g, functionName: "proposalSnapshot", args: [proposalId] }),
    read({ ...g, functionName: "proposalDeadline", args: [proposalId] }),
    read({ ...g, functionName: "proposalEta", args: [proposalId] }),
    read({ ...g, functionName: "proposalVotes", args: [proposalId] }),
  ]);
  return {
    proposalId,
    state: PROPOSAL_STATES[state] as ProposalState,
    snapshot,
    deadline,
    eta,
    votes: { against: votes[0], for: votes[1], abstain: votes[2] },
  };
}

/** The id a proposal gets (a hash of its calls and description). */
export function proposalIdOf(client: HardwareReader, p: GovernanceProposal): Promise<bigint> {
  const [targets, values, calldatas, descriptionHash] = proposalArgs(p);
  return client.publicClient.readContract({
    ...governor(client),
    functionName: "hashProposal",
    args: [targets, values, calldatas, descriptionHash],
  });
}
