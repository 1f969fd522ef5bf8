import { formatEther } from "viem";
import { registerErrorMessages } from "../errors.ts";
import { hardwareRoleName } from "./addresses.ts";

const s = (v: unknown): string => (typeof v === "bigint" ? v.toString() : String(v));
const dimo = (v: unknown): string => `${formatEther(v as bigint)} DIMO`;
const time = (v: unknown): string => new Date(Number(v) * 1000).toISOString();
const licenseStatus = (v: unknown) =>
  ["none", "active", "suspended", "revoked", "renounced"][Number(v)] ?? s(v);
const applicationStatus = (v: unknown) =>
  ["none", "submitted", "reviewed", "approved", "rejected", "loan-licensed"][Number(v)] ?? s(v);
const proposalState = (v: unknown) =>
  ["pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"][Number(v)] ??
  s(v);

/** Human messages for the hardware contracts' and the governor's custom errors. */
registerErrorMessages({
  MissingRole: (a) =>
    `${s(a[1])} lacks the hardware role "${hardwareRoleName(s(a[0]))}"; governance grants it.`,
  InvalidTreasury: (a) => `${s(a[0])} cannot be the [d]Integrations treasury.`,
  // licence
  LicenseNotFound: (a) => `Manufacturer ${s(a[0])} has never held a hardware licence.`,
  LicenseAlreadyIssued: (a) => `Manufacturer ${s(a[0])} already holds a licence (${licenseStatus(a[1])}).`,
  LicenseNotActive: (a) =>
    `The licence of manufacturer ${s(a[0])} is ${licenseStatus(a[1])}, not active or suspended.`,
  LicenseNotSuspended: (a) =>
    `The licence of manufacturer ${s(a[0])} is ${licenseStatus(a[1])}, not suspended.`,
  LicenseNotTransferable: (a) => `Hardware licence ${s(a[0])} is non-transferable.`,
  LicenseStillRunning: (a) =>
    `The licence of manufacturer ${s(a[0])} has not ended: renounce it first; the stake comes back six months later.`,
  ExitWaitingPeriod: (a) =>
    `The licence stake of manufacturer ${s(a[0])} stays slashable until ${time(a[1])}; withdraw after that.`,
  ChallengesOpen: (a) =>
    `Manufacturer ${s(a[0])} has ${s(a[1])} open challenge(s); its stake waits for [d]Council's ruling.`,
  NothingToWithdraw: (a) => `Manufacturer ${s(a[0])} has no licence stake left to withdraw.`,
  InvalidRegions: (a) =>
    `Regions bitmask ${s(a[0])} is invalid: use 1 (US), 2 (EU), 4 (UK) or a combination.`,
  InvalidAmount: (a) => `Amount ${s(a[0])} is not allowed: it must be above zero and within the bound.`,
  RequirementNotRaised: (a) =>
    `Requirement ${dimo(a[1])} for manufacturer ${s(a[0])} does not raise the current ${dimo(a[2])} (or exceeds the bound).`,
  NotTemporaryLicense: (a) =>
    `Manufacturer ${s(a[0])} holds a permanent licence; the foundation lends only to temporary ones.`,
  LoanHeldByOther: (a) =>
    `The loan of manufacturer ${s(a[0])} is held by ${s(a[1])}; only that lender may add to it.`,
  RepaymentTooLarge: (a) =>
    `Repaying ${dimo(a[1])} exceeds the outstanding loan of ${dimo(a[2])} for manufacturer ${s(a[0])}.`,
  SlashTooLarge: (a) => `Slashing ${dimo(a[1])} exceeds the ${dimo(a[2])} staked by manufacturer ${s(a[0])}.`,
  PayoutMismatch: (a) => `${s(a[0])} recipients but ${s(a[1])} amounts: give one amount per recipient.`,
  UriTooLong: (a) => `URI of ${s(a[0])} bytes is empty or longer than ${s(a[1])} bytes.`,
  // applications
  AlreadyLicensed: (a) =>
    `Manufacturer ${s(a[0])} already holds a licence; file a model application instead.`,
  ApplicationNotFound: (a) => `No licence application ${s(a[0])}.`,
  CategoryNotUnderserved: (a) =>
    `Device category ${s(a[0])} is not marked underserved; the foundation lends only for underserved categories.`,
  InvalidApplicationStatus: (a) =>
    `Application ${s(a[0])} is ${applicationStatus(a[1])}; this step needs another status (e.g. a recorded readout).`,
  InvalidLoanTerm: (a) => `A loan term of ${s(a[0])} s is not allowed: 1 s to ${s(a[1])} s.`,
  InvalidMetadata: (a) => `Metadata URI of ${s(a[0])} bytes is empty or longer than ${s(a[1])} bytes.`,
  InvalidRequirements: (a) =>
    `Requirements bitmask ${s(a[0])} is invalid: bits 1..64 only, and the secure element (1) is mandatory for certification.`,
  ManufacturerNameUnavailable: (a) => `Manufacturer name "${s(a[0])}" is empty, too long or already taken.`,
  NotApplicant: (a) => `${s(a[1])} did not submit application ${s(a[0])}.`,
  NotRecommended: (a) =>
    `[d]Integrations did not recommend application ${s(a[0])}; no loan licence without it.`,
  // models
  CategoryNotFound: (a) => `No device category ${s(a[0])}; governance creates categories.`,
  InvalidCategory: (a) =>
    `Category ${s(a[0])} with a per-device stake of ${s(a[1])} wei is invalid (id and stake must be above zero, stake at most 1,000,000 DIMO).`,
  InvalidModelName: (a) => `Name "${s(a[0])}" is empty or longer than 64 bytes.`,
  LicenseNotValid: (a) =>
    `Manufacturer ${s(a[0])} has no valid licence: it must be active, unexpired and staked to its requirement.`,
  ModelNotFound: (a) => `No device model ${s(a[0])}.`,
  ModelNotPending: (a) =>
    `Device model ${s(a[0])} is ${["none", "pending", "certified", "rejected"][Number(a[1])]}.`,
  ModelNotMintable: (a) =>
    `Model ${s(a[1])} cannot be produced by manufacturer ${s(a[0])}: it must be its own, certified and not banned (select it with selectProductionModel).`,
  // device stake
  DeviceNotInstalled: (a) =>
    `Device ${s(a[0])} has not been installed (paired for the first time) with a stake.`,
  DisputeState: (a) =>
    a[1]
      ? `The failure report of device ${s(a[0])} is already disputed.`
      : `No dispute is open for device ${s(a[0])}.`,
  FailureAlreadyReported: (a) => `A failure of device ${s(a[0])} was already reported at ${time(a[1])}.`,
  InvalidBurnSchedule: (a) =>
    `Burn schedule (${dimo(a[0])}..${dimo(a[1])}, ${s(a[2])}..${s(a[3])} bps) is invalid: stakes increasing, rates non-decreasing within 2500..2990 bps.`,
  InvalidFailure: () => "Report a malfunction or a disconnection.",
  NoFailureReported: (a) => `No failure is reported for device ${s(a[0])}.`,
  OnlyDeviceRegistry: (a) => `${s(a[0])} is not the device registry.`,
  VestingComplete: (a) =>
    `Device ${s(a[0])}'s stake finished vesting at ${time(a[1])}: a failure after two years changes nothing.`,
  // arbitration
  ChallengeNotFound: (a) => `No challenge ${s(a[0])}.`,
  ChallengeNotOpen: (a) =>
    `Challenge ${s(a[0])} is already ${["none", "open", "upheld", "dismissed", "lapsed"][Number(a[1])]}.`,
  InvalidEvidence: (a) =>
    `Evidence or ruling URI of ${s(a[0])} bytes is empty or longer than ${s(a[1])} bytes.`,
  InvalidParameter: (a) => `Parameter value ${s(a[0])} is out of its allowed range.`,
  RulingPeriodOver: (a) => `Challenge ${s(a[0])} lapsed at ${time(a[1])}; it can only be closed now.`,
  RulingPeriodRunning: (a) =>
    `[d]Council can rule on challenge ${s(a[0])} until ${time(a[1])}; it lapses after.`,
  SlashNotApplicable: (a) =>
    `Challenge ${s(a[0])} cannot slash: only an upheld challenge against a maker slashes its stake.`,
  TooManyRecipients: (a) => `${s(a[0])} payout recipients exceed the limit of ${s(a[1])}; split the ruling.`,
  // preorders
  DeliveryWindowOver: (a) =>
    `Spot ${s(a[0])}'s delivery window closed at ${time(a[1])}; its holder may take a refund.`,
  DeviceAlreadyDelivered: (a) => `Device ${s(a[0])} already fulfilled spot ${s(a[1])}.`,
  InvalidTerms: () =>
    "Preorder terms are invalid: price and supply above zero, delivery window from < until, ending in the future.",
  NotRefundable: (a) => `Spot ${s(a[0])} is not refundable before ${time(a[1])} under its terms.`,
  NotSpotHolder: (a) => `${s(a[1])} does not hold preorder spot ${s(a[0])}.`,
  SeriesClosed: (a) => `Preorder series ${s(a[0])} is cancelled or past its delivery window.`,
  SeriesNotFound: (a) => `No preorder series ${s(a[0])}.`,
  SoldOut: (a) => `Preorder series ${s(a[0])} sold all ${s(a[1])} spots.`,
  SpotNotFound: (a) => `No outstanding preorder spot ${s(a[0])} (delivered, refunded or never minted).`,
  WrongDevice: (a) =>
    `Device ${s(a[1])} cannot fulfil spot ${s(a[0])}: it must be of the series' model and owned by the spot's holder.`,
  // governance
  GovernorUnexpectedProposalState: (a) =>
    `Proposal ${s(a[0])} is ${proposalState(a[1])}; this step needs another state (wait for the vote or the timelock).`,
  GovernorInsufficientProposerVotes: (a) =>
    `${s(a[0])} has ${dimo(a[1])} of votes; proposing needs ${dimo(a[2])} (delegate votes first).`,
  GovernorAlreadyCastVote: (a) => `${s(a[0])} already voted on this proposal.`,
  GovernorNonexistentProposal: (a) => `No proposal ${s(a[0])}.`,
  GovernorOnlyExecutor: (a) => `${s(a[0])} is not the governance executor (the timelock).`,
  TimelockUnexpectedOperationState: (a) =>
    `Timelock operation ${s(a[0])} is not ready; wait for the timelock delay after queueing.`,
});
