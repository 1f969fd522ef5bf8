// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DimoToken} from "../token/DimoToken.sol";
import {ManufacturerId} from "../identity/ManufacturerId.sol";
import {AftermarketDeviceId} from "../identity/AftermarketDeviceId.sol";
import {IDeviceLifecycleHook} from "../identity/IDeviceLifecycleHook.sol";
import {HardwareAuthority, HardwareRoles} from "./HardwareAuthority.sol";
import {HardwareAuthorized} from "./HardwareAuthorized.sol";
import {ManufacturerLicense} from "./ManufacturerLicense.sol";
import {DeviceModels} from "./DeviceModels.sol";
import {MAX_URI_LENGTH, MONTH, VESTING_MONTHS} from "./HardwareTime.sol";

/// @title DeviceStake
/// @notice The per-device stake and its lifecycle, driven by the device registry's hook:
/// - mint: the registry asks before minting; the maker's licence must be valid and its production
///   model certified; the category's per-device stake × count is pulled from the minter;
/// - installation (first pairing): a share of the device's stake, 25%–29.9% by the burn schedule,
///   is burned; the rest is locked and vests 1/24 per month for 24 months from that moment;
/// - each vested tranche goes 5% to [d]Integrations and 95% to the maker while the device works;
///   once a malfunction or disconnection is reported, every tranche vesting after the report goes
///   to the device's end user instead. Anyone can trigger the release (pull); no tranche is paid twice.
contract DeviceStake is HardwareAuthorized, IDeviceLifecycleHook {
    using SafeERC20 for DimoToken;
    using SafeCast for uint256;

    enum Failure {
        None,
        Malfunction,
        Disconnection
    }

    /// @notice Devices minted in one call: consecutive ids from the first, all of one model.
    struct Batch {
        uint256 manufacturerId;
        uint256 modelId;
        uint128 count;
        uint128 stakePerDevice;
    }

    /// @notice The locked stake of an installed device and its vesting.
    struct Vesting {
        uint96 locked;
        address user; // the end user: owner at installation, or at the failure report
        uint40 startedAt; // installation: the first connection
        uint40 failedAt; // when the failure was reported, 0 while the device works
        uint8 paidTranches; // tranches released so far (0..24)
        Failure failure;
        bool disputed; // a challenge of the report is open: the user's tranches wait for the ruling
        uint64 manufacturerId;
    }

    /// @notice The burn schedule: a stake up to `lowStake` burns `lowBps`, from `highStake` on
    /// `highBps`, linearly in between (progressive: a larger device stake burns a larger share).
    struct BurnSchedule {
        uint96 lowStake;
        uint96 highStake;
        uint16 lowBps;
        uint16 highBps;
    }

    /// @notice Bounds of the burned share of a device's stake, in basis points (25% and 29.9%).
    uint16 public constant MIN_BURN_BPS = 2500;
    uint16 public constant MAX_BURN_BPS = 2990;
    /// @notice [d]Integrations' share of each vested tranche of a working device (5%).
    uint16 public constant INTEGRATIONS_SHARE_BPS = 500;
    uint256 public constant MAX_RELEASE_BATCH = 100;

    AftermarketDeviceId public immutable devices;
    DimoToken public immutable token;
    ManufacturerLicense public immutable licenses;
    DeviceModels public immutable models;
    ManufacturerId public immutable manufacturers;

    BurnSchedule public burnSchedule = BurnSchedule(80 ether, 800 ether, MIN_BURN_BPS, MAX_BURN_BPS);
    /// @notice The model a maker is minting now (devices minted next are of this model).
    mapping(uint256 manufacturerId => uint256 modelId) public productionModel;
    /// @notice Stake held for a maker's minted devices that are not installed yet.
    mapping(uint256 manufacturerId => uint256) public pendingStakeOf;

    uint256[] private _batchStarts;
    mapping(uint256 firstTokenId => Batch) private _batches;
    mapping(uint256 deviceId => Vesting) private _vesting;

    event ProductionModelSelected(uint256 indexed manufacturerId, uint256 indexed modelId);
    event DevicesStaked(uint256 indexed manufacturerId, uint256 indexed modelId, uint256 firstTokenId, uint256 count, uint256 stakePerDevice, address indexed payer);
    event DeviceStakeLocked(uint256 indexed deviceId, uint256 indexed manufacturerId, address indexed user, uint256 burned, uint256 locked);
    event DeviceFailureReported(uint256 indexed deviceId, Failure failure, address indexed user, string evidenceURI, address indexed reporter);
    event DeviceFailureDisputed(uint256 indexed deviceId, bool open, bool upheld);
    event DeviceStakeReleased(uint256 indexed deviceId, uint8 paidTranches, uint256 toMaker, uint256 toIntegrations, uint256 toUser);
    event BurnScheduleSet(uint96 lowStake, uint96 highStake, uint16 lowBps, uint16 highBps);

    error OnlyDeviceRegistry(address caller);
    error LicenseNotValid(uint256 manufacturerId);
    error ModelNotMintable(uint256 manufacturerId, uint256 modelId);
    error DeviceNotInstalled(uint256 deviceId);
    error FailureAlreadyReported(uint256 deviceId, uint40 failedAt);
    error VestingComplete(uint256 deviceId, uint256 endedAt);
    error NoFailureReported(uint256 deviceId);
    error DisputeState(uint256 deviceId, bool disputed);
    error InvalidFailure(Failure failure);
    error InvalidBurnSchedule(uint96 lowStake, uint96 highStake, uint16 lowBps, uint16 highBps);
    error InvalidBatchSize(uint256 size, uint256 max);
    error UriTooLong(uint256 length, uint256 max);
    error NotManufacturerOperator(uint256 manufacturerId, address caller);

    constructor(
        HardwareAuthority authority_,
        DimoToken token_,
        ManufacturerLicense licenses_,
        DeviceModels models_,
        AftermarketDeviceId devices_
    ) HardwareAuthorized(authority_) {
        token = token_;
        licenses = licenses_;
        models = models_;
        devices = devices_;
        manufacturers = devices_.manufacturers();
    }

    // ---------------------------------------------------------------- maker

    /// @notice Chooses the model the maker's next minted devices are. Caller: the maker's operator.
    function selectProductionModel(uint256 manufacturerId, uint256 modelId) external {
        if (!manufacturers.isOperator(manufacturerId, msg.sender)) {
            revert NotManufacturerOperator(manufacturerId, msg.sender);
        }
        if (!models.isMintable(modelId, manufacturerId)) revert ModelNotMintable(manufacturerId, modelId);
        productionModel[manufacturerId] = modelId;
        emit ProductionModelSelected(manufacturerId, modelId);
    }

    // ---------------------------------------------------------------- registry hook

    /// @inheritdoc IDeviceLifecycleHook
    /// @dev The licence check at every device mint, and the per-device stake pulled from the minter
    /// (who must have approved this contract for it).
    function onDevicesMinted(uint256 manufacturerId, address minter, uint256 firstTokenId, uint256 count) external {
        _onlyRegistry();
        if (!licenses.isValid(manufacturerId)) revert LicenseNotValid(manufacturerId);
        uint256 modelId = productionModel[manufacturerId];
        if (!models.isMintable(modelId, manufacturerId)) revert ModelNotMintable(manufacturerId, modelId);
        uint256 stakePerDevice = models.perDeviceStakeOf(modelId);
        uint256 total = stakePerDevice * count;
        _batchStarts.push(firstTokenId);
        _batches[firstTokenId] = Batch(manufacturerId, modelId, count.toUint128(), stakePerDevice.toUint128());
        pendingStakeOf[manufacturerId] += total;
        token.safeTransferFrom(minter, address(this), total);
        emit DevicesStaked(manufacturerId, modelId, firstTokenId, count, stakePerDevice, minter);
    }

    /// @inheritdoc IDeviceLifecycleHook
    /// @dev Burns the scheduled share of the device's stake and locks the rest for vesting. A
    /// device minted before the hook was set carries no stake and is ignored.
    function onDeviceInstalled(uint256 deviceId, uint256 manufacturerId, uint256, address user) external {
        _onlyRegistry();
        (bool found, Batch memory b) = _batchOf(deviceId);
        if (!found || _vesting[deviceId].startedAt != 0) return;
        uint256 stake = b.stakePerDevice;
        uint256 burned = stake * burnRateBps(stake) / 10_000;
        uint256 locked = stake - burned;
        pendingStakeOf[b.manufacturerId] -= stake;
        _vesting[deviceId] = Vesting({
            locked: locked.toUint96(),
            user: user,
            startedAt: uint40(block.timestamp),
            failedAt: 0,
            paidTranches: 0,
            failure: Failure.None,
            disputed: false,
            manufacturerId: manufacturerId.toUint64()
        });
        if (burned != 0) token.burn(burned);
        emit DeviceStakeLocked(deviceId, manufacturerId, user, burned, locked);
    }

    // ---------------------------------------------------------------- failures

    /// @notice Reports that an installed device malfunctions or was disconnected within its 24
    /// months: every tranche vesting after now goes to its end user (its current owner, or the
    /// installing user when the device is back with its maker). Performance reporter only.
    function reportFailure(uint256 deviceId, Failure failure, string calldata evidenceURI)
        external
        only(HardwareRoles.PERFORMANCE_REPORTER)
    {
        if (failure == Failure.None) revert InvalidFailure(failure);
        if (bytes(evidenceURI).length == 0 || bytes(evidenceURI).length > MAX_URI_LENGTH) {
            revert UriTooLong(bytes(evidenceURI).length, MAX_URI_LENGTH);
        }
        Vesting storage v = _installed(deviceId);
        if (v.failure != Failure.None) revert FailureAlreadyReported(deviceId, v.failedAt);
        uint256 end = v.startedAt + VESTING_MONTHS * MONTH;
        if (block.timestamp >= end) revert VestingComplete(deviceId, end);
        address owner = devices.ownerOf(deviceId);
        if (owner != manufacturers.ownerOf(v.manufacturerId)) v.user = owner;
        v.failure = failure;
        v.failedAt = uint40(block.timestamp);
        emit DeviceFailureReported(deviceId, failure, v.user, evidenceURI, msg.sender);
    }

    /// @notice A challenge of a failure report was opened (`open`) or ruled on; an upheld
    /// challenge voids the report. Arbitration only.
    function recordDispute(uint256 deviceId, bool open, bool upheld) external only(HardwareRoles.ARBITRATION) {
        Vesting storage v = _installed(deviceId);
        if (v.failure == Failure.None) revert NoFailureReported(deviceId);
        if (v.disputed == open) revert DisputeState(deviceId, v.disputed);
        v.disputed = open;
        if (upheld) {
            v.failure = Failure.None;
            v.failedAt = 0;
        }
        emit DeviceFailureDisputed(deviceId, open, upheld);
    }

    // ---------------------------------------------------------------- release (pull)

    /// @notice Pays every vested, unpaid tranche of each device to whom it belongs. Anyone.
    /// Devices with nothing due are skipped.
    function release(uint256[] calldata deviceIds) external {
        if (deviceIds.length == 0 || deviceIds.length > MAX_RELEASE_BATCH) {
            revert InvalidBatchSize(deviceIds.length, MAX_RELEASE_BATCH);
        }
        address treasury = authority.integrationsTreasury();
        for (uint256 i = 0; i < deviceIds.length; ++i) {
            uint256 deviceId = deviceIds[i];
            (uint256 toMaker, uint256 toIntegrations, uint256 toUser, uint256 due) = releasable(deviceId);
            if (toMaker + toIntegrations + toUser == 0) continue;
            Vesting storage v = _vesting[deviceId];
            v.paidTranches = uint8(due);
            if (toMaker != 0) token.safeTransfer(manufacturers.ownerOf(v.manufacturerId), toMaker);
            if (toIntegrations != 0) token.safeTransfer(treasury, toIntegrations);
            if (toUser != 0) token.safeTransfer(v.user, toUser);
            emit DeviceStakeReleased(deviceId, uint8(due), toMaker, toIntegrations, toUser);
        }
    }

    /// @notice What a release would pay now, and the tranche count it would reach.
    function releasable(uint256 deviceId)
        public
        view
        returns (uint256 toMaker, uint256 toIntegrations, uint256 toUser, uint256 due)
    {
        Vesting storage v = _vesting[deviceId];
        if (v.startedAt == 0) return (0, 0, 0, 0);
        uint256 paid = v.paidTranches;
        uint256 vested = (block.timestamp - v.startedAt) / MONTH;
        if (vested > VESTING_MONTHS) vested = VESTING_MONTHS;
        uint256 makerTranches = VESTING_MONTHS;
        if (v.failure != Failure.None) makerTranches = (uint256(v.failedAt) - v.startedAt) / MONTH;
        // While a report is disputed, the user's tranches wait for the ruling.
        due = v.disputed && vested > makerTranches ? makerTranches : vested;
        if (due <= paid) return (0, 0, 0, paid);
        uint256 makerFrom = _min(paid, makerTranches);
        uint256 makerTo = _min(due, makerTranches);
        uint256 makerShare = _vested(v.locked, makerTo) - _vested(v.locked, makerFrom);
        toIntegrations = _integrations(v.locked, makerTo) - _integrations(v.locked, makerFrom);
        toMaker = makerShare - toIntegrations;
        if (due > makerTranches) {
            toUser = _vested(v.locked, due) - _vested(v.locked, paid > makerTranches ? paid : makerTranches);
        }
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the burn schedule, always within 25%–29.9% and non-decreasing. Governance.
    function setBurnSchedule(uint96 lowStake, uint96 highStake, uint16 lowBps, uint16 highBps)
        external
        only(HardwareRoles.GOVERNANCE)
    {
        if (lowStake == 0 || lowStake >= highStake || lowBps < MIN_BURN_BPS || lowBps > highBps || highBps > MAX_BURN_BPS) {
            revert InvalidBurnSchedule(lowStake, highStake, lowBps, highBps);
        }
        burnSchedule = BurnSchedule(lowStake, highStake, lowBps, highBps);
        emit BurnScheduleSet(lowStake, highStake, lowBps, highBps);
    }

    // ---------------------------------------------------------------- reading

    /// @notice Share of a device stake burned at installation, in basis points.
    function burnRateBps(uint256 stake) public view returns (uint256) {
        BurnSchedule memory s = burnSchedule;
        if (stake <= s.lowStake) return s.lowBps;
        if (stake >= s.highStake) return s.highBps;
        return s.lowBps + (uint256(s.highBps) - s.lowBps) * (stake - s.lowStake) / (uint256(s.highStake) - s.lowStake);
    }

    /// @notice A device's stake as minted: its maker, model and stake (zeros for an unstaked device).
    function stakeOf(uint256 deviceId) public view returns (uint256 manufacturerId, uint256 modelId, uint256 stake) {
        (bool found, Batch memory b) = _batchOf(deviceId);
        if (found) return (b.manufacturerId, b.modelId, b.stakePerDevice);
    }

    /// @notice The model of a device (0 when it was minted without the hook).
    function modelOf(uint256 deviceId) public view returns (uint256 modelId) {
        (, modelId,) = stakeOf(deviceId);
    }

    /// @notice True when ingest must drop the device's data: it or its model is banned.
    function isBanned(uint256 deviceId) external view returns (bool) {
        return models.isDeviceBanned(deviceId) || models.isModelBanned(modelOf(deviceId));
    }

    /// @notice The vesting of an installed device (zeros before installation).
    function getVesting(uint256 deviceId) external view returns (Vesting memory) {
        return _vesting[deviceId];
    }

    // ---------------------------------------------------------------- internals

    /// @dev Batches are stored by first id, in increasing order (the registry mints sequential
    /// ids), so a device's batch is found by binary search: no storage write per device at mint.
    function _batchOf(uint256 deviceId) private view returns (bool found, Batch memory b) {
        uint256 lo = 0;
        uint256 hi = _batchStarts.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_batchStarts[mid] <= deviceId) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, b);
        uint256 first = _batchStarts[lo - 1];
        b = _batches[first];
        found = deviceId < first + b.count;
    }

    function _installed(uint256 deviceId) private view returns (Vesting storage v) {
        v = _vesting[deviceId];
        if (v.startedAt == 0) revert DeviceNotInstalled(deviceId);
    }

    function _onlyRegistry() private view {
        if (msg.sender != address(devices)) revert OnlyDeviceRegistry(msg.sender);
    }

    /// @dev Cumulative amount of the first `tranches` tranches: rounding never loses a wei, the
    /// 24th tranche completes the locked amount.
    function _vested(uint256 locked, uint256 tranches) private pure returns (uint256) {
        return locked * tranches / VESTING_MONTHS;
    }

    function _integrations(uint256 locked, uint256 tranches) private pure returns (uint256) {
        return _vested(locked, tranches) * INTEGRATIONS_SHARE_BPS / 10_000;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
