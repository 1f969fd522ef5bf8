// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {WeeklyIssuance} from "./WeeklyIssuance.sol";

/// @title DimoRewards
/// @notice Weekly driver rewards (DIP-2), verifiable by anyone. After a week ends, a publisher
/// (a node holding PUBLISHER_ROLE) posts the Merkle root of that week's allocations together with
/// the hash and location of the inputs it computed them from (per vehicle: VIN hash, device class,
/// streak, activity, points), so anyone can recompute the root. The contract enforces DIP-2's
/// weekly cap and that every published week is fully funded by the pool it holds. A root can be
/// challenged (with a bond) during a short window; after the window it is final and the
/// beneficiary of each leaf `(week, vehicleId, beneficiary, amount)` can be paid once, by anyone
/// submitting the proof. Unclaimed rewards never expire.
contract DimoRewards is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant PUBLISHER_ROLE = keccak256("REWARDS_PUBLISHER_ROLE");
    bytes32 public constant ARBITER_ROLE = keccak256("REWARDS_ARBITER_ROLE");
    uint256 public constant WEEK = 7 days;
    uint256 public constant MAX_CHALLENGE_WINDOW = 14 days;
    uint256 public constant MAX_URI_LENGTH = 256;
    uint256 public constant MAX_CLAIMS_PER_CALL = 100;
    /// @notice Consecutive inactive weeks that drop a vehicle's streak one level.
    uint256 public constant STREAK_DROP_WEEKS = 3;
    /// @notice Highest connection class id; points per class are governance parameters.
    uint8 public constant MAX_CONNECTION_CLASS = 15;

    enum RootStatus {
        None,
        Pending, // published; final once `finalAt` passes unchallenged
        Challenged, // claims wait for the arbiter
        Confirmed, // a challenge was dismissed: final
        Rejected // a challenge was upheld: the week can be published again
    }

    struct WeekRoot {
        bytes32 root;
        bytes32 inputsHash;
        uint128 total;
        uint128 claimed;
        uint64 publishedAt;
        uint64 finalAt;
        RootStatus status;
        address challenger;
        uint96 bond;
    }

    /// @notice One claim of `claimMany`.
    struct Claim {
        uint256 week;
        uint256 vehicleId;
        address beneficiary;
        uint256 amount;
        bytes32[] proof;
    }

    struct BeneficiaryRecord {
        address setBy; // the device owner who set it; a transfer of the device voids it
        address beneficiary;
    }

    IERC20 public immutable dimo;
    /// @notice The aftermarket-device registry (for device beneficiaries).
    IERC721 public immutable devices;
    /// @notice Start of week 0 (unix seconds).
    uint64 public immutable genesis;

    uint64 public challengeWindow;
    uint96 public challengeBond;
    /// @notice Published, not rejected, not yet claimed rewards: the pool always covers them.
    uint256 public outstanding;
    /// @notice Challenge bonds held until a ruling (not part of the pool).
    uint256 public bondsHeld;
    /// @notice Connection class of devices whose manufacturer has none assigned.
    uint8 public defaultConnectionClass;

    mapping(uint256 week => WeekRoot) private _weeks;
    mapping(uint256 week => mapping(uint256 vehicleId => bool)) private _claimed;
    mapping(uint8 class => uint32 points) private _connectionPoints;
    mapping(uint256 manufacturerId => uint8 class) private _manufacturerClass;
    mapping(uint256 deviceId => BeneficiaryRecord) private _beneficiaries;

    event RootPublished(
        uint256 indexed week,
        bytes32 root,
        uint256 total,
        bytes32 inputsHash,
        string inputsURI,
        uint64 finalAt,
        address indexed publisher
    );
    event RootChallenged(uint256 indexed week, address indexed challenger, uint256 bond, string evidenceURI);
    event ChallengeResolved(uint256 indexed week, bool upheld, string rulingURI, address indexed by);
    event RewardClaimed(uint256 indexed week, uint256 indexed vehicleId, address indexed beneficiary, uint256 amount);
    event PoolFunded(address indexed from, uint256 amount);
    event ChallengeParametersSet(uint64 window, uint96 bond);
    event ConnectionPointsSet(uint8 indexed class, uint32 points);
    event ManufacturerClassSet(uint256 indexed manufacturerId, uint8 class);
    event DefaultConnectionClassSet(uint8 class);
    event BeneficiarySet(uint256 indexed deviceId, address indexed owner, address beneficiary);

    error WeekNotOver(uint256 week, uint256 endsAt);
    error WeeklyCapExceeded(uint256 week, uint256 total, uint256 cap);
    error RootAlreadyPublished(uint256 week, RootStatus status);
    error InvalidRoot(bytes32 root);
    error PoolUnderfunded(uint256 available, uint256 needed);
    error RootNotFinal(uint256 week, RootStatus status, uint64 finalAt);
    error AlreadyClaimed(uint256 week, uint256 vehicleId);
    error InvalidProof(uint256 week, uint256 vehicleId);
    error ClaimExceedsRootTotal(uint256 week, uint256 claimed, uint256 amount, uint256 total);
    error ChallengeWindowClosed(uint256 week, uint64 finalAt);
    error NotChallenged(uint256 week, RootStatus status);
    error InvalidChallengeWindow(uint64 window, uint256 max);
    error InvalidConnectionClass(uint8 class);
    error InvalidStreakLevel(uint8 level);
    error UriTooLong(uint256 length, uint256 max);
    error NotDeviceOwner(uint256 deviceId, address caller);
    error TooManyClaims(uint256 count, uint256 max);
    error ZeroClaimAmount(uint256 amount);

    /// @param admin Governance: sets parameters, appoints publishers and arbiters.
    /// @param dimo_ The DIMO token.
    /// @param devices_ The aftermarket-device registry.
    /// @param genesis_ Start of week 0 (unix seconds).
    constructor(address admin, IERC20 dimo_, IERC721 devices_, uint64 genesis_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        dimo = dimo_;
        devices = devices_;
        genesis = genesis_;
        challengeWindow = 1 days;
        challengeBond = 10_000 ether;
        // DIP-2's connection points: LTE aftermarket device, lower-tier device, software connection.
        _setConnectionPoints(1, 6000);
        _setConnectionPoints(2, 3000);
        _setConnectionPoints(3, 6000);
        defaultConnectionClass = 2;
    }

    // ---------------------------------------------------------------- schedule

    /// @notice DIP-2 cap of week `week`: 1,105,000 DIMO, 15% less every 52 weeks.
    function weeklyIssuance(uint256 week) public pure returns (uint256) {
        return WeeklyIssuance.amountOf(week);
    }

    /// @notice The week containing `timestamp` (reverts before genesis).
    function weekAt(uint256 timestamp) public view returns (uint256) {
        return (timestamp - genesis) / WEEK;
    }

    /// @notice Start (inclusive) and end (exclusive) of week `week`, unix seconds.
    function weekBounds(uint256 week) public view returns (uint256 start, uint256 end) {
        start = genesis + week * WEEK;
        end = start + WEEK;
    }

    /// @notice The streak table of DIP-2: level 1..4 starts at `minWeeks` consecutive active weeks
    /// and earns `points` each active week.
    function streakLevel(uint8 level) public pure returns (uint16 minWeeks, uint32 points) {
        if (level == 1) return (0, 0);
        if (level == 2) return (4, 1000);
        if (level == 3) return (21, 2000);
        if (level == 4) return (36, 3000);
        revert InvalidStreakLevel(level);
    }

    // ---------------------------------------------------------------- pool

    /// @notice Adds `amount` DIMO (approved beforehand) to the rewards pool.
    function fund(uint256 amount) external {
        dimo.safeTransferFrom(msg.sender, address(this), amount);
        emit PoolFunded(msg.sender, amount);
    }

    /// @notice DIMO in the pool not yet promised to a published week.
    function available() public view returns (uint256) {
        uint256 held = dimo.balanceOf(address(this));
        uint256 owed = outstanding + bondsHeld;
        return held > owed ? held - owed : 0;
    }

    // ---------------------------------------------------------------- roots

    /// @notice Publishes the allocations of a finished week: the Merkle root of the leaves
    /// `(week, vehicleId, beneficiary, amount)` (OpenZeppelin StandardMerkleTree), their sum, and
    /// the keccak256 and URI of the inputs file they were computed from. Publisher only.
    function publishRoot(uint256 week, bytes32 root, uint256 total, bytes32 inputsHash, string calldata inputsURI)
        external
        onlyRole(PUBLISHER_ROLE)
    {
        (, uint256 end) = weekBounds(week);
        if (block.timestamp < end) revert WeekNotOver(week, end);
        WeekRoot storage w = _weeks[week];
        if (w.status != RootStatus.None && w.status != RootStatus.Rejected) {
            revert RootAlreadyPublished(week, w.status);
        }
        uint256 cap = WeeklyIssuance.amountOf(week);
        if (total > cap) revert WeeklyCapExceeded(week, total, cap);
        // A week in which nobody earned is still published (root 0), so the chain of inputs files
        // (each names the previous one's hash) has no gaps.
        if (root == bytes32(0) && total != 0) revert InvalidRoot(root);
        if (bytes(inputsURI).length > MAX_URI_LENGTH) revert UriTooLong(bytes(inputsURI).length, MAX_URI_LENGTH);
        uint256 free = available();
        if (total > free) revert PoolUnderfunded(free, total);

        uint64 finalAt = uint64(block.timestamp) + challengeWindow;
        outstanding += total;
        _weeks[week] = WeekRoot({
            root: root,
            inputsHash: inputsHash,
            total: uint128(total),
            claimed: 0,
            publishedAt: uint64(block.timestamp),
            finalAt: finalAt,
            status: RootStatus.Pending,
            challenger: address(0),
            bond: 0
        });
        emit RootPublished(week, root, total, inputsHash, inputsURI, finalAt, msg.sender);
    }

    /// @notice Challenges a pending root during its window, posting `challengeBond` DIMO
    /// (approved beforehand). Claims of the week wait for the arbiter's ruling.
    function challenge(uint256 week, string calldata evidenceURI) external {
        WeekRoot storage w = _weeks[week];
        if (w.status != RootStatus.Pending || block.timestamp >= w.finalAt) {
            revert ChallengeWindowClosed(week, w.finalAt);
        }
        if (bytes(evidenceURI).length > MAX_URI_LENGTH) {
            revert UriTooLong(bytes(evidenceURI).length, MAX_URI_LENGTH);
        }
        uint96 bond = challengeBond;
        w.status = RootStatus.Challenged;
        w.challenger = msg.sender;
        w.bond = bond;
        bondsHeld += bond;
        if (bond != 0) dimo.safeTransferFrom(msg.sender, address(this), bond);
        emit RootChallenged(week, msg.sender, bond, evidenceURI);
    }

    /// @notice Rules on a challenge. Upheld: the root is rejected (the week can be published again)
    /// and the bond returns to the challenger. Dismissed: the root is final and the bond joins the
    /// pool. Arbiter only.
    function resolveChallenge(uint256 week, bool upheld, string calldata rulingURI) external onlyRole(ARBITER_ROLE) {
        WeekRoot storage w = _weeks[week];
        if (w.status != RootStatus.Challenged) revert NotChallenged(week, w.status);
        uint256 bond = w.bond;
        address challenger = w.challenger;
        bondsHeld -= bond;
        w.bond = 0;
        if (upheld) {
            w.status = RootStatus.Rejected;
            outstanding -= w.total;
            if (bond != 0) dimo.safeTransfer(challenger, bond);
        } else {
            w.status = RootStatus.Confirmed;
        }
        emit ChallengeResolved(week, upheld, rulingURI, msg.sender);
    }

    /// @notice True when the week's root can be claimed against.
    function isFinal(uint256 week) public view returns (bool) {
        WeekRoot storage w = _weeks[week];
        return w.status == RootStatus.Confirmed || (w.status == RootStatus.Pending && block.timestamp >= w.finalAt);
    }

    /// @notice The published root of a week and its state.
    function getWeek(uint256 week) external view returns (WeekRoot memory) {
        return _weeks[week];
    }

    // ---------------------------------------------------------------- claims

    /// @notice Pays the leaf `(week, vehicleId, beneficiary, amount)` of a final root to
    /// `beneficiary`. Anyone may submit it; each (week, vehicle) pays once.
    function claim(uint256 week, uint256 vehicleId, address beneficiary, uint256 amount, bytes32[] calldata proof)
        external
    {
        _claim(week, vehicleId, beneficiary, amount, proof);
    }

    /// @notice Several claims in one transaction (at most MAX_CLAIMS_PER_CALL).
    function claimMany(Claim[] calldata claims) external {
        if (claims.length > MAX_CLAIMS_PER_CALL) revert TooManyClaims(claims.length, MAX_CLAIMS_PER_CALL);
        for (uint256 i = 0; i < claims.length; ++i) {
            Claim calldata c = claims[i];
            _claim(c.week, c.vehicleId, c.beneficiary, c.amount, c.proof);
        }
    }

    /// @notice True when the vehicle's reward of `week` has been paid.
    function isClaimed(uint256 week, uint256 vehicleId) external view returns (bool) {
        return _claimed[week][vehicleId];
    }

    function _claim(uint256 week, uint256 vehicleId, address beneficiary, uint256 amount, bytes32[] calldata proof)
        private
    {
        WeekRoot storage w = _weeks[week];
        if (!isFinal(week)) revert RootNotFinal(week, w.status, w.finalAt);
        if (_claimed[week][vehicleId]) revert AlreadyClaimed(week, vehicleId);
        if (amount == 0) revert ZeroClaimAmount(amount);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(week, vehicleId, beneficiary, amount))));
        if (!MerkleProof.verifyCalldata(proof, w.root, leaf)) revert InvalidProof(week, vehicleId);
        // Defence in depth: even a root whose leaves sum to more than its total pays at most the total.
        if (w.claimed + amount > w.total) revert ClaimExceedsRootTotal(week, w.claimed, amount, w.total);

        _claimed[week][vehicleId] = true;
        w.claimed += uint128(amount);
        outstanding -= amount;
        dimo.safeTransfer(beneficiary, amount);
        emit RewardClaimed(week, vehicleId, beneficiary, amount);
    }

    // ---------------------------------------------------------------- beneficiaries

    /// @notice Sends the rewards of the vehicle this device is paired with to `beneficiary`
    /// (address(0) clears it). Device owner only; voided when the device changes hands.
    function setBeneficiary(uint256 deviceId, address beneficiary) external {
        if (devices.ownerOf(deviceId) != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        _beneficiaries[deviceId] = BeneficiaryRecord(msg.sender, beneficiary);
        emit BeneficiarySet(deviceId, msg.sender, beneficiary);
    }

    /// @notice The device's beneficiary, or address(0) when none is set by its current owner.
    function beneficiaryOf(uint256 deviceId) external view returns (address) {
        BeneficiaryRecord memory b = _beneficiaries[deviceId];
        if (b.beneficiary == address(0)) return address(0);
        (bool ok, bytes memory data) = address(devices).staticcall(abi.encodeCall(IERC721.ownerOf, (deviceId)));
        if (!ok || data.length != 32 || abi.decode(data, (address)) != b.setBy) return address(0);
        return b.beneficiary;
    }

    // ---------------------------------------------------------------- connection classes

    /// @notice Points a vehicle earns in an active week for a device of `class`.
    function connectionPoints(uint8 class) external view returns (uint32) {
        return _connectionPoints[class];
    }

    /// @notice The connection class of a manufacturer's devices (the default when unassigned).
    function connectionClassOf(uint256 manufacturerId) external view returns (uint8) {
        uint8 c = _manufacturerClass[manufacturerId];
        return c == 0 ? defaultConnectionClass : c;
    }

    function setConnectionPoints(uint8 class, uint32 points) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setConnectionPoints(class, points);
    }

    /// @notice Assigns a manufacturer's devices to a connection class (0 = the default). Governance.
    function setManufacturerClass(uint256 manufacturerId, uint8 class) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (class > MAX_CONNECTION_CLASS) revert InvalidConnectionClass(class);
        _manufacturerClass[manufacturerId] = class;
        emit ManufacturerClassSet(manufacturerId, class);
    }

    function setDefaultConnectionClass(uint8 class) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (class == 0 || class > MAX_CONNECTION_CLASS) revert InvalidConnectionClass(class);
        defaultConnectionClass = class;
        emit DefaultConnectionClassSet(class);
    }

    /// @notice Sets the challenge window (≤ 14 days) and bond. Governance.
    function setChallengeParameters(uint64 window, uint96 bond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window == 0 || window > MAX_CHALLENGE_WINDOW) revert InvalidChallengeWindow(window, MAX_CHALLENGE_WINDOW);
        challengeWindow = window;
        challengeBond = bond;
        emit ChallengeParametersSet(window, bond);
    }

    function _setConnectionPoints(uint8 class, uint32 points) private {
        if (class == 0 || class > MAX_CONNECTION_CLASS) revert InvalidConnectionClass(class);
        _connectionPoints[class] = points;
        emit ConnectionPointsSet(class, points);
    }
}
