// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DimoToken} from "../token/DimoToken.sol";
import {HardwareAuthority, HardwareRoles} from "./HardwareAuthority.sol";
import {HardwareAuthorized} from "./HardwareAuthorized.sol";
import {ManufacturerLicense} from "./ManufacturerLicense.sol";
import {DeviceStake} from "./DeviceStake.sol";
import {MAX_URI_LENGTH} from "./HardwareTime.sol";

/// @title Arbitration
/// @notice The DIMO arbitration procedure. Any DIMO holder may challenge a maker, or a device
/// failure report, by posting a bond with an evidence URI. [d]Council rules:
/// - for the challenger: the bond comes back and, against a maker, all or part of its licence
///   stake is burned and/or paid to affected users; against a report, the report is void;
/// - against the challenger: the bond is burned (nobody, the council included, gains from
///   dismissing a challenge).
/// A challenge not ruled on within the ruling period can be closed by anyone; its bond comes back.
contract Arbitration is HardwareAuthorized {
    using SafeERC20 for DimoToken;

    enum Subject {
        Maker, // subjectId = manufacturerId
        FailureReport // subjectId = deviceId
    }

    enum Status {
        None,
        Open,
        Upheld,
        Dismissed,
        Lapsed
    }

    struct Challenge {
        address challenger;
        Subject subject;
        Status status;
        uint40 openedAt;
        uint256 subjectId;
        uint256 bond;
        string evidenceURI;
        string rulingURI;
    }

    /// @notice How the licence stake is slashed when a challenge against a maker is upheld.
    struct Slash {
        uint256 burn;
        address[] recipients; // affected users
        uint256[] amounts;
    }

    uint256 public constant MAX_RECIPIENTS = 100;
    uint256 public constant MAX_BOND = 10_000_000 ether;

    DimoToken public immutable token;
    ManufacturerLicense public immutable licenses;
    DeviceStake public immutable deviceStake;

    /// @notice Bond a challenger posts (governance parameter).
    uint256 public challengeBond = 1_000 ether;
    /// @notice Seconds [d]Council has to rule before a challenge lapses (governance parameter).
    uint256 public rulingPeriod = 90 days;

    uint256 public lastChallengeId;
    mapping(uint256 challengeId => Challenge) private _challenges;

    event ChallengeOpened(uint256 indexed challengeId, Subject subject, uint256 indexed subjectId, address indexed challenger, uint256 bond, string evidenceURI);
    event ChallengeRuled(uint256 indexed challengeId, bool upheld, uint256 burned, uint256 paidOut, string rulingURI, address indexed by);
    event ChallengeLapsed(uint256 indexed challengeId);
    event ChallengeBondSet(uint256 bond);
    event RulingPeriodSet(uint256 period);

    error ChallengeNotFound(uint256 challengeId);
    error ChallengeNotOpen(uint256 challengeId, Status status);
    error RulingPeriodRunning(uint256 challengeId, uint256 lapsesAt);
    error RulingPeriodOver(uint256 challengeId, uint256 lapsedAt);
    error InvalidEvidence(uint256 length, uint256 max);
    error TooManyRecipients(uint256 count, uint256 max);
    error SlashNotApplicable(uint256 challengeId);
    error InvalidParameter(uint256 value);

    constructor(HardwareAuthority authority_, DimoToken token_, ManufacturerLicense licenses_, DeviceStake deviceStake_)
        HardwareAuthorized(authority_)
    {
        token = token_;
        licenses = licenses_;
        deviceStake = deviceStake_;
    }

    // ---------------------------------------------------------------- challenging

    /// @notice Challenges a licensed (or formerly licensed) maker. Pulls the bond from the caller.
    function challengeMaker(uint256 manufacturerId, string calldata evidenceURI) external returns (uint256 challengeId) {
        challengeId = _file(Subject.Maker, manufacturerId, evidenceURI);
        licenses.recordChallenge(manufacturerId, true, false);
    }

    /// @notice Disputes a device malfunction or disconnection report (typically by its maker).
    /// The user's tranches wait for the ruling. Pulls the bond from the caller.
    function disputeFailureReport(uint256 deviceId, string calldata evidenceURI) external returns (uint256 challengeId) {
        challengeId = _file(Subject.FailureReport, deviceId, evidenceURI);
        deviceStake.recordDispute(deviceId, true, false);
    }

    // ---------------------------------------------------------------- ruling ([d]Council)

    /// @notice Rules on an open challenge within the ruling period. `slash` applies only to an
    /// upheld challenge against a maker (empty otherwise). [d]Council.
    function rule(uint256 challengeId, bool upheld, Slash calldata slash, string calldata rulingURI)
        external
        only(HardwareRoles.COUNCIL)
    {
        Challenge storage c = _open(challengeId);
        uint256 lapsesAt = c.openedAt + rulingPeriod;
        if (block.timestamp >= lapsesAt) revert RulingPeriodOver(challengeId, lapsesAt);
        if (bytes(rulingURI).length > MAX_URI_LENGTH) revert InvalidEvidence(bytes(rulingURI).length, MAX_URI_LENGTH);
        if (slash.recipients.length > MAX_RECIPIENTS) revert TooManyRecipients(slash.recipients.length, MAX_RECIPIENTS);
        bool slashes = slash.burn != 0 || slash.recipients.length != 0;
        if (slashes && !(upheld && c.subject == Subject.Maker)) revert SlashNotApplicable(challengeId);
        c.status = upheld ? Status.Upheld : Status.Dismissed;
        c.rulingURI = rulingURI;
        uint256 paid;
        if (c.subject == Subject.Maker) {
            if (slashes) {
                licenses.slash(c.subjectId, slash.burn, slash.recipients, slash.amounts);
                for (uint256 i = 0; i < slash.amounts.length; ++i) paid += slash.amounts[i];
            }
            licenses.recordChallenge(c.subjectId, false, upheld);
        } else {
            deviceStake.recordDispute(c.subjectId, false, upheld);
        }
        if (upheld) token.safeTransfer(c.challenger, c.bond);
        else token.burn(c.bond);
        emit ChallengeRuled(challengeId, upheld, slash.burn, paid, rulingURI, msg.sender);
    }

    /// @notice Closes a challenge [d]Council did not rule on in time: the bond comes back and the
    /// challenge counts as not upheld. Anyone.
    function lapse(uint256 challengeId) external {
        Challenge storage c = _open(challengeId);
        uint256 lapsesAt = c.openedAt + rulingPeriod;
        if (block.timestamp < lapsesAt) revert RulingPeriodRunning(challengeId, lapsesAt);
        c.status = Status.Lapsed;
        if (c.subject == Subject.Maker) licenses.recordChallenge(c.subjectId, false, false);
        else deviceStake.recordDispute(c.subjectId, false, false);
        token.safeTransfer(c.challenger, c.bond);
        emit ChallengeLapsed(challengeId);
    }

    // ---------------------------------------------------------------- governance

    function setChallengeBond(uint256 bond) external only(HardwareRoles.GOVERNANCE) {
        if (bond == 0 || bond > MAX_BOND) revert InvalidParameter(bond);
        challengeBond = bond;
        emit ChallengeBondSet(bond);
    }

    function setRulingPeriod(uint256 period) external only(HardwareRoles.GOVERNANCE) {
        if (period < 1 days || period > 365 days) revert InvalidParameter(period);
        rulingPeriod = period;
        emit RulingPeriodSet(period);
    }

    // ---------------------------------------------------------------- reading

    function getChallenge(uint256 challengeId) external view returns (Challenge memory c) {
        c = _challenges[challengeId];
        if (c.status == Status.None) revert ChallengeNotFound(challengeId);
    }

    // ---------------------------------------------------------------- internals

    function _file(Subject subject, uint256 subjectId, string calldata evidenceURI) private returns (uint256 challengeId) {
        if (bytes(evidenceURI).length == 0 || bytes(evidenceURI).length > MAX_URI_LENGTH) {
            revert InvalidEvidence(bytes(evidenceURI).length, MAX_URI_LENGTH);
        }
        uint256 bond = challengeBond;
        challengeId = ++lastChallengeId;
        _challenges[challengeId] = Challenge({
            challenger: msg.sender,
            subject: subject,
            status: Status.Open,
            openedAt: uint40(block.timestamp),
            subjectId: subjectId,
            bond: bond,
            evidenceURI: evidenceURI,
            rulingURI: ""
        });
        token.safeTransferFrom(msg.sender, address(this), bond);
        emit ChallengeOpened(challengeId, subject, subjectId, msg.sender, bond, evidenceURI);
    }

    function _open(uint256 challengeId) private view returns (Challenge storage c) {
        c = _challenges[challengeId];
        if (c.status == Status.None) revert ChallengeNotFound(challengeId);
        if (c.status != Status.Open) revert ChallengeNotOpen(challengeId, c.status);
    }
}
