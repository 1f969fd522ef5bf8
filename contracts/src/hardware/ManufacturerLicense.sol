// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DimoToken} from "../token/DimoToken.sol";
import {ManufacturerId} from "../identity/ManufacturerId.sol";
import {HardwareAuthority, HardwareRoles} from "./HardwareAuthority.sol";
import {HardwareAuthorized} from "./HardwareAuthorized.sol";
import {EXIT_WAITING_PERIOD, MAX_URI_LENGTH} from "./HardwareTime.sol";

/// @title ManufacturerLicense
/// @notice The hardware licence: a non-transferable NFT (token id = the maker's ManufacturerId)
/// backed by a DIMO stake. A licence is valid while it is active (not suspended, revoked,
/// renounced or, for a temporary licence, expired) and its stake meets its requirement.
/// The stake leaves only through an exit: six months after the licence ends, if no challenge
/// against the maker is open or succeeded in those six months. Until then [d]Council can slash it.
contract ManufacturerLicense is ERC721, HardwareAuthorized {
    using SafeERC20 for DimoToken;

    enum Status {
        None,
        Active,
        Suspended,
        Revoked,
        Renounced
    }

    /// @notice A maker's licence and its stake.
    struct License {
        Status status;
        uint8 regions; // bitmask: 1 = US, 2 = EU, 4 = UK
        uint40 issuedAt;
        uint40 expiresAt; // 0 for a licence approved by governance; set for a foundation-loan licence
        uint40 endedAt; // when it was renounced or revoked (exit start), 0 while it runs
        uint40 lastUpheldChallengeAt;
        uint16 openChallenges;
        uint256 requirement; // custom requirement set by [d]Integrations / governance; 0 = the minimum
        uint256 ownStake; // the maker's own DIMO
        uint256 loanStake; // DIMO fronted by the foundation
        address lender; // the foundation account that fronted `loanStake`
    }

    uint8 public constant ALL_REGIONS = 7;
    /// @notice Upper bound of any stake requirement (guards against fat-fingered governance).
    uint256 public constant MAX_REQUIREMENT = 100_000_000 ether;

    DimoToken public immutable token;
    ManufacturerId public immutable manufacturers;

    /// @notice Stake every licence needs at least (governance parameter; 100,000 DIMO in the seed).
    uint256 public minimumStake = 100_000 ether;

    mapping(uint256 manufacturerId => License) private _licenses;

    event LicenseIssued(uint256 indexed manufacturerId, address indexed holder, uint8 regions, uint40 expiresAt);
    event LicenseMadePermanent(uint256 indexed manufacturerId);
    event LicenseSuspended(uint256 indexed manufacturerId, address indexed by, string reasonURI);
    event LicenseReinstated(uint256 indexed manufacturerId, address indexed by);
    event LicenseRevoked(uint256 indexed manufacturerId, address indexed by, string reasonURI);
    event LicenseRenounced(uint256 indexed manufacturerId, address indexed by);
    event LicenseStaked(uint256 indexed manufacturerId, address indexed from, uint256 amount, uint256 ownStake);
    event LoanFunded(uint256 indexed manufacturerId, address indexed lender, uint256 amount, uint256 loanStake);
    event LoanRepaid(uint256 indexed manufacturerId, address indexed lender, uint256 amount, uint256 loanStake);
    event LicenseStakeWithdrawn(
        uint256 indexed manufacturerId, address indexed maker, uint256 ownStake, address indexed lender, uint256 loanStake
    );
    event LicenseStakeSlashed(uint256 indexed manufacturerId, uint256 burned, uint256 paidOut, uint256 remaining);
    event StakeRequirementSet(uint256 indexed manufacturerId, uint256 requirement, address indexed by);
    event MinimumStakeSet(uint256 minimumStake);
    event ChallengeCountChanged(uint256 indexed manufacturerId, uint16 openChallenges, bool upheld);

    error LicenseNotFound(uint256 manufacturerId);
    error LicenseAlreadyIssued(uint256 manufacturerId, Status status);
    error LicenseNotActive(uint256 manufacturerId, Status status);
    error LicenseNotSuspended(uint256 manufacturerId, Status status);
    error LicenseNotTransferable(uint256 manufacturerId);
    error LicenseStillRunning(uint256 manufacturerId);
    error ExitWaitingPeriod(uint256 manufacturerId, uint256 withdrawableAt);
    error ChallengesOpen(uint256 manufacturerId, uint16 openChallenges);
    error NothingToWithdraw(uint256 manufacturerId);
    error InvalidRegions(uint8 regions);
    error InvalidAmount(uint256 amount);
    error RequirementNotRaised(uint256 manufacturerId, uint256 requested, uint256 current);
    error NotTemporaryLicense(uint256 manufacturerId);
    error LoanHeldByOther(uint256 manufacturerId, address lender);
    error RepaymentTooLarge(uint256 manufacturerId, uint256 amount, uint256 loanStake);
    error SlashTooLarge(uint256 manufacturerId, uint256 amount, uint256 stake);
    error PayoutMismatch(uint256 recipients, uint256 amounts);
    error UriTooLong(uint256 length, uint256 max);
    error NotManufacturerOperator(uint256 manufacturerId, address caller);

    constructor(HardwareAuthority authority_, DimoToken token_, ManufacturerId manufacturers_)
        ERC721("DIMO Hardware License", "DIMO/HW-LICENSE")
        HardwareAuthorized(authority_)
    {
        token = token_;
        manufacturers = manufacturers_;
    }

    // ---------------------------------------------------------------- issuing

    /// @notice Issues (or re-issues after an exit) a maker's licence, or makes a temporary licence
    /// permanent. Only the LicenseApplications contract, after a governance approval or a
    /// foundation loan. Re-issuing cancels a pending exit: the remaining stake stays staked.
    /// @param expiresAt 0 for a permanent licence; the end of a temporary (foundation-loan) licence.
    function issue(uint256 manufacturerId, uint8 regions, uint40 expiresAt)
        external
        only(HardwareRoles.LICENSE_ISSUER)
    {
        if (regions == 0 || regions > ALL_REGIONS) revert InvalidRegions(regions);
        License storage l = _licenses[manufacturerId];
        if (l.status == Status.Active && l.expiresAt != 0 && expiresAt == 0) {
            l.expiresAt = 0;
            l.regions = regions;
            emit LicenseMadePermanent(manufacturerId);
            return;
        }
        if (l.status == Status.Active || l.status == Status.Suspended) revert LicenseAlreadyIssued(manufacturerId, l.status);
        address holder = manufacturers.ownerOf(manufacturerId);
        l.status = Status.Active;
        l.regions = regions;
        l.issuedAt = uint40(block.timestamp);
        l.expiresAt = expiresAt;
        l.endedAt = 0;
        _mint(holder, manufacturerId);
        emit LicenseIssued(manufacturerId, holder, regions, expiresAt);
    }

    // ---------------------------------------------------------------- stake

    /// @notice Adds the caller's DIMO to the maker's licence stake. Caller: the maker's operator.
    function stake(uint256 manufacturerId, uint256 amount) external {
        _onlyOperator(manufacturerId);
        License storage l = _running(manufacturerId);
        if (amount == 0) revert InvalidAmount(amount);
        l.ownStake += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit LicenseStaked(manufacturerId, msg.sender, amount, l.ownStake);
    }

    /// @notice The foundation fronts stake for a temporary licence (an underserved device category).
    /// Pulled from the caller, who becomes the lender; it comes back through `repayLoan` or the exit.
    function fundLoan(uint256 manufacturerId, uint256 amount) external only(HardwareRoles.FOUNDATION) {
        License storage l = _running(manufacturerId);
        if (l.expiresAt == 0) revert NotTemporaryLicense(manufacturerId);
        if (amount == 0) revert InvalidAmount(amount);
        if (l.lender != address(0) && l.lender != msg.sender && l.loanStake != 0) {
            revert LoanHeldByOther(manufacturerId, l.lender);
        }
        l.lender = msg.sender;
        l.loanStake += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit LoanFunded(manufacturerId, msg.sender, amount, l.loanStake);
    }

    /// @notice The maker repays (part of) the foundation's loan: `amount` of the caller's DIMO
    /// replaces as much of the loaned stake, which goes back to the lender. The stake total is unchanged.
    function repayLoan(uint256 manufacturerId, uint256 amount) external {
        _onlyOperator(manufacturerId);
        License storage l = _licenses[manufacturerId];
        if (amount == 0) revert InvalidAmount(amount);
        if (amount > l.loanStake) revert RepaymentTooLarge(manufacturerId, amount, l.loanStake);
        l.loanStake -= amount;
        l.ownStake += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        token.safeTransfer(l.lender, amount);
        emit LoanRepaid(manufacturerId, l.lender, amount, l.loanStake);
    }

    /// @notice Ends the licence at the maker's request. The stake stays slashable for six months.
    function renounce(uint256 manufacturerId) external {
        _onlyOperator(manufacturerId);
        License storage l = _running(manufacturerId);
        _end(manufacturerId, l, Status.Renounced);
        emit LicenseRenounced(manufacturerId, msg.sender);
    }

    /// @notice Pays the licence stake back (own stake to the maker's owner, the loan to its lender),
    /// once the licence has ended and six months passed with no open challenge and no challenge
    /// upheld in that time (an upheld challenge restarts the six months). Anyone may call it.
    function withdrawStake(uint256 manufacturerId) external {
        License storage l = _licenses[manufacturerId];
        uint256 at = withdrawableAt(manufacturerId);
        if (at == 0) revert LicenseStillRunning(manufacturerId);
        if (block.timestamp < at) revert ExitWaitingPeriod(manufacturerId, at);
        if (l.openChallenges != 0) revert ChallengesOpen(manufacturerId, l.openChallenges);
        uint256 own = l.ownStake;
        uint256 loan = l.loanStake;
        if (own + loan == 0) revert NothingToWithdraw(manufacturerId);
        l.ownStake = 0;
        l.loanStake = 0;
        address maker = manufacturers.ownerOf(manufacturerId);
        if (own != 0) token.safeTransfer(maker, own);
        if (loan != 0) token.safeTransfer(l.lender, loan);
        emit LicenseStakeWithdrawn(manufacturerId, maker, own, l.lender, loan);
    }

    // ---------------------------------------------------------------- [d]Integrations

    /// @notice Suspends a licence (devices can no longer be minted). [d]Integrations.
    function suspend(uint256 manufacturerId, string calldata reasonURI)
        external
        only(HardwareRoles.INTEGRATIONS)
    {
        _checkUri(reasonURI);
        License storage l = _licenses[manufacturerId];
        if (l.status != Status.Active) revert LicenseNotActive(manufacturerId, l.status);
        l.status = Status.Suspended;
        emit LicenseSuspended(manufacturerId, msg.sender, reasonURI);
    }

    /// @notice Lifts a suspension. [d]Integrations.
    function reinstate(uint256 manufacturerId) external only(HardwareRoles.INTEGRATIONS) {
        License storage l = _licenses[manufacturerId];
        if (l.status != Status.Suspended) revert LicenseNotSuspended(manufacturerId, l.status);
        l.status = Status.Active;
        emit LicenseReinstated(manufacturerId, msg.sender);
    }

    /// @notice Revokes a licence; its stake exits like a renounced one. [d]Integrations.
    function revoke(uint256 manufacturerId, string calldata reasonURI) external only(HardwareRoles.INTEGRATIONS) {
        _checkUri(reasonURI);
        License storage l = _running(manufacturerId);
        _end(manufacturerId, l, Status.Revoked);
        emit LicenseRevoked(manufacturerId, msg.sender, reasonURI);
    }

    /// @notice Raises one maker's stake requirement above its current one. [d]Integrations.
    function raiseStakeRequirement(uint256 manufacturerId, uint256 requirement)
        external
        only(HardwareRoles.INTEGRATIONS)
    {
        _running(manufacturerId);
        uint256 current = requirementOf(manufacturerId);
        if (requirement <= current || requirement > MAX_REQUIREMENT) {
            revert RequirementNotRaised(manufacturerId, requirement, current);
        }
        _licenses[manufacturerId].requirement = requirement;
        emit StakeRequirementSet(manufacturerId, requirement, msg.sender);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets one maker's requirement to any value (0 = back to the minimum). Governance.
    function setStakeRequirement(uint256 manufacturerId, uint256 requirement) external only(HardwareRoles.GOVERNANCE) {
        if (requirement > MAX_REQUIREMENT) revert InvalidAmount(requirement);
        _licenses[manufacturerId].requirement = requirement;
        emit StakeRequirementSet(manufacturerId, requirement, msg.sender);
    }

    /// @notice Sets the minimum licence stake. Governance.
    function setMinimumStake(uint256 amount) external only(HardwareRoles.GOVERNANCE) {
        if (amount == 0 || amount > MAX_REQUIREMENT) revert InvalidAmount(amount);
        minimumStake = amount;
        emit MinimumStakeSet(amount);
    }

    // ---------------------------------------------------------------- arbitration

    /// @notice A challenge against the maker was opened (`opened`) or closed. Arbitration only.
    function recordChallenge(uint256 manufacturerId, bool opened, bool upheld)
        external
        only(HardwareRoles.ARBITRATION)
    {
        License storage l = _licenses[manufacturerId];
        if (opened) {
            if (l.status == Status.None) revert LicenseNotFound(manufacturerId);
            ++l.openChallenges;
        } else {
            --l.openChallenges;
            if (upheld) l.lastUpheldChallengeAt = uint40(block.timestamp);
        }
        emit ChallengeCountChanged(manufacturerId, l.openChallenges, upheld);
    }

    /// @notice Slashes the licence stake after an upheld challenge: burns `burnAmount` and pays
    /// `amounts[i]` to `recipients[i]` (affected users). Takes the maker's own stake first, then
    /// the foundation's loan. Arbitration only.
    function slash(uint256 manufacturerId, uint256 burnAmount, address[] calldata recipients, uint256[] calldata amounts)
        external
        only(HardwareRoles.ARBITRATION)
    {
        if (recipients.length != amounts.length) revert PayoutMismatch(recipients.length, amounts.length);
        License storage l = _licenses[manufacturerId];
        uint256 paid;
        for (uint256 i = 0; i < amounts.length; ++i) paid += amounts[i];
        uint256 total = burnAmount + paid;
        uint256 staked = l.ownStake + l.loanStake;
        if (total > staked) revert SlashTooLarge(manufacturerId, total, staked);
        uint256 fromOwn = total < l.ownStake ? total : l.ownStake;
        l.ownStake -= fromOwn;
        l.loanStake -= total - fromOwn;
        if (burnAmount != 0) token.burn(burnAmount);
        for (uint256 i = 0; i < recipients.length; ++i) {
            if (amounts[i] != 0) token.safeTransfer(recipients[i], amounts[i]);
        }
        emit LicenseStakeSlashed(manufacturerId, burnAmount, paid, l.ownStake + l.loanStake);
    }

    // ---------------------------------------------------------------- reading

    /// @notice True when the maker may mint devices and sell preorders now.
    function isValid(uint256 manufacturerId) public view returns (bool) {
        License storage l = _licenses[manufacturerId];
        return l.status == Status.Active && (l.expiresAt == 0 || block.timestamp < l.expiresAt)
            && l.ownStake + l.loanStake >= requirementOf(manufacturerId);
    }

    /// @notice The stake a maker must hold: its custom requirement or the minimum, whichever is larger.
    function requirementOf(uint256 manufacturerId) public view returns (uint256) {
        uint256 custom = _licenses[manufacturerId].requirement;
        return custom > minimumStake ? custom : minimumStake;
    }

    /// @notice Licence stake (own + loaned) held for a maker.
    function stakeOf(uint256 manufacturerId) external view returns (uint256) {
        License storage l = _licenses[manufacturerId];
        return l.ownStake + l.loanStake;
    }

    /// @notice When the stake can be withdrawn; 0 while the licence still runs. An open challenge
    /// additionally blocks the withdrawal until it is ruled on.
    function withdrawableAt(uint256 manufacturerId) public view returns (uint256) {
        License storage l = _licenses[manufacturerId];
        uint256 ended = l.endedAt;
        if (ended == 0 && l.status == Status.Active && l.expiresAt != 0 && block.timestamp >= l.expiresAt) {
            ended = l.expiresAt; // an unrenewed temporary licence ends by itself
        }
        if (ended == 0) return 0;
        uint256 start = l.lastUpheldChallengeAt > ended ? l.lastUpheldChallengeAt : ended;
        return start + EXIT_WAITING_PERIOD;
    }

    /// @notice A maker's licence record.
    function getLicense(uint256 manufacturerId) external view returns (License memory) {
        return _licenses[manufacturerId];
    }

    // ---------------------------------------------------------------- internals

    function _running(uint256 manufacturerId) private view returns (License storage l) {
        l = _licenses[manufacturerId];
        if (l.status != Status.Active && l.status != Status.Suspended) revert LicenseNotActive(manufacturerId, l.status);
    }

    function _end(uint256 manufacturerId, License storage l, Status status) private {
        l.status = status;
        l.endedAt = uint40(block.timestamp);
        _burn(manufacturerId);
    }

    function _onlyOperator(uint256 manufacturerId) private view {
        if (!manufacturers.isOperator(manufacturerId, msg.sender)) {
            revert NotManufacturerOperator(manufacturerId, msg.sender);
        }
    }

    function _checkUri(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert UriTooLong(bytes(uri).length, MAX_URI_LENGTH);
    }

    /// @dev Soulbound: minted and burned, never transferred.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && to != address(0)) revert LicenseNotTransferable(tokenId);
    }
}
