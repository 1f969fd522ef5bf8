// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {DimoCredits} from "./DimoCredits.sol";
import {NodeRegistry} from "./NodeRegistry.sol";

/// @title UsageSettlement
/// @notice Apps pay nodes. A node periodically submits, per developer licence, a batch of the
/// usage records it metered, signed by its settlement key (EIP-712). The contract prices every
/// record with the node's published price list in force when the request was made, burns that
/// many of the licence's credits, and accrues the node's share of their value (DIP-3: 40% of the
/// settled value to nodes; the treasury keeps the rest) in DIMO from the payout pool the treasury
/// funds. Records are strictly ordered by (time, request id, item) per node and licence, so a
/// request is never charged twice; submitting a batch again changes nothing (idempotent).
/// The licence owner can dispute records of a settlement during the dispute window; the arbiter
/// rules, and an upheld dispute refunds the credits and cuts the node's revenue.
contract UsageSettlement is AccessControl, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice One metered request (or one priced item of it).
    struct UsageRecord {
        bytes32 requestId; // keccak256 of the node's request id
        uint64 at; // when the request was served, unix milliseconds
        uint64 vehicleId; // the vehicle read (0: none)
        uint8 item; // index into the node's price list
        uint32 units;
    }

    enum Status {
        None,
        Pending, // revenue releasable after the dispute window
        Disputed,
        Released
    }

    struct Settlement {
        uint256 nodeId;
        uint256 licenseId;
        bytes32 recordsHash;
        uint128 credits;
        uint128 nodeAmount;
        uint128 disputedCredits;
        uint64 settledAt;
        uint32 priceVersion;
        uint32 recordCount;
        Status status;
    }

    bytes32 public constant ARBITER_ROLE = keccak256("SETTLEMENT_ARBITER_ROLE");
    bytes32 public constant SETTLEMENT_TYPEHASH =
        keccak256("Settlement(uint256 nodeId,uint256 licenseId,uint32 priceVersion,bytes32 recordsHash)");
    uint256 public constant MAX_RECORDS = 2000;
    uint256 public constant MAX_DISPUTE_WINDOW = 30 days;
    uint256 public constant MAX_URI_LENGTH = 256;

    IERC20 public immutable dimo;
    DimoCredits public immutable credits;
    NodeRegistry public immutable nodes;
    IERC721 public immutable licenses;

    /// @notice Nodes' share of settled value, basis points (DIP-3: 4000).
    uint16 public nodeShareBps;
    uint64 public disputeWindow;
    /// @notice DIMO owed to nodes (pending, disputed or withdrawable): the pool always covers it.
    uint256 public reserved;
    uint256 public lastSettlementId;

    mapping(uint256 settlementId => Settlement) private _settlements;
    mapping(bytes32 batchHash => uint256 settlementId) private _settlementOfBatch;
    mapping(uint256 nodeId => mapping(uint256 licenseId => uint256 key)) private _cursor;
    mapping(uint256 nodeId => uint256) private _withdrawable;

    event UsageSettled(
        uint256 indexed settlementId,
        uint256 indexed nodeId,
        uint256 indexed licenseId,
        uint256 credits,
        uint256 nodeAmount,
        uint256 treasuryShare,
        bytes32 recordsHash,
        uint256 recordCount
    );
    event SettlementDisputed(uint256 indexed settlementId, uint256 disputedCredits, uint256[] recordIndices, string reasonURI);
    event DisputeResolved(uint256 indexed settlementId, bool upheld, uint256 refundedCredits, uint256 nodeAmountCut, string rulingURI);
    event SettlementReleased(uint256 indexed settlementId, uint256 indexed nodeId, uint256 nodeAmount);
    event RevenueWithdrawn(uint256 indexed nodeId, address indexed to, uint256 amount);
    event PoolFunded(address indexed from, uint256 amount);
    event ParametersSet(uint16 nodeShareBps, uint64 disputeWindow);

    error EmptySettlement();
    error TooManyRecords(uint256 count, uint256 max);
    error UsageOutOfOrder(uint256 index, uint256 key, uint256 previousKey);
    error UnknownPriceItem(uint256 index, uint8 item, uint256 items);
    error PriceNotInForce(uint256 index, uint64 at, uint64 from, uint64 until);
    error UsageInFuture(uint256 index, uint64 at, uint256 nowMs);
    error InvalidNodeSignature(uint256 nodeId, address signer);
    error PayoutPoolExhausted(uint256 balance, uint256 needed);
    error SettlementNotFound(uint256 settlementId);
    error NotLicenseOwner(uint256 licenseId, address caller);
    error DisputeWindowClosed(uint256 settlementId, uint256 closedAt);
    error DisputeWindowOpen(uint256 settlementId, uint256 closesAt);
    error RecordsMismatch(uint256 settlementId, bytes32 expected, bytes32 actual);
    error InvalidDisputeIndices(uint256 settlementId);
    error NotDisputed(uint256 settlementId, Status status);
    error NotPending(uint256 settlementId, Status status);
    error NotNodeOperator(uint256 nodeId, address caller);
    error NoRevenueToWithdraw(uint256 nodeId);
    error InvalidParameters(uint16 nodeShareBps, uint64 disputeWindow);
    error UriTooLong(uint256 length, uint256 max);

    constructor(address admin, IERC20 dimo_, DimoCredits credits_, NodeRegistry nodes_, IERC721 licenses_)
        EIP712("DIMO Usage Settlement", "1")
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        dimo = dimo_;
        credits = credits_;
        nodes = nodes_;
        licenses = licenses_;
        nodeShareBps = 4000;
        disputeWindow = 3 days;
    }

    /// @notice The EIP-712 domain separator (chain- and address-bound).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- settling

    /// @notice Settles a batch of a node's usage records for one licence. Anyone may submit it;
    /// the node's settlement key must have signed `Settlement(nodeId, licenseId, priceVersion,
    /// keccak256(abi.encode(records)))`. Submitting the same batch again returns its settlement
    /// with `applied = false` and changes nothing.
    function settle(
        uint256 nodeId,
        uint256 licenseId,
        uint32 priceVersion,
        UsageRecord[] calldata records,
        bytes calldata signature
    ) external returns (uint256 settlementId, bool applied) {
        if (records.length == 0) revert EmptySettlement();
        if (records.length > MAX_RECORDS) revert TooManyRecords(records.length, MAX_RECORDS);
        bytes32 recordsHash = keccak256(abi.encode(records));
        bytes32 batchHash = keccak256(abi.encode(nodeId, licenseId, priceVersion, recordsHash));
        settlementId = _settlementOfBatch[batchHash];
        if (settlementId != 0) return (settlementId, false);
        _checkNodeSignature(nodeId, licenseId, priceVersion, recordsHash, signature);
        uint256 total = _advance(nodeId, licenseId, priceVersion, records);
        settlementId = _book(nodeId, licenseId, priceVersion, recordsHash, total, records.length);
        _settlementOfBatch[batchHash] = settlementId;
        applied = true;
    }

    /// @dev Prices the batch and moves the (node, licence) cursor past its last record.
    function _advance(uint256 nodeId, uint256 licenseId, uint32 priceVersion, UsageRecord[] calldata records)
        private
        returns (uint256 total)
    {
        uint256 lastKey;
        (total, lastKey) = _price(nodeId, priceVersion, records, _cursor[nodeId][licenseId], true, new uint256[](0));
        _cursor[nodeId][licenseId] = lastKey;
    }

    function _checkNodeSignature(
        uint256 nodeId,
        uint256 licenseId,
        uint32 priceVersion,
        bytes32 recordsHash,
        bytes calldata signature
    ) private view {
        address signer = nodes.getNode(nodeId).signer;
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(SETTLEMENT_TYPEHASH, nodeId, licenseId, priceVersion, recordsHash)));
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert InvalidNodeSignature(nodeId, signer);
        }
    }

    /// @dev Burns the credits, reserves the node's share of their value and records the settlement.
    function _book(
        uint256 nodeId,
        uint256 licenseId,
        uint32 priceVersion,
        bytes32 recordsHash,
        uint256 total,
        uint256 n
    ) private returns (uint256 settlementId) {
        credits.spend(licenseId, total);
        uint256 value = credits.valueInDimo(total);
        uint256 nodeAmount = value * nodeShareBps / 10_000;
        reserved += nodeAmount;
        uint256 balance = dimo.balanceOf(address(this));
        if (balance < reserved) revert PayoutPoolExhausted(balance, reserved);
        settlementId = ++lastSettlementId;
        _settlements[settlementId] = Settlement({
            nodeId: nodeId,
            licenseId: licenseId,
            recordsHash: recordsHash,
            credits: uint128(total),
            nodeAmount: uint128(nodeAmount),
            disputedCredits: 0,
            settledAt: uint64(block.timestamp),
            priceVersion: priceVersion,
            recordCount: uint32(n),
            status: Status.Pending
        });
        emit UsageSettled(settlementId, nodeId, licenseId, total, nodeAmount, value - nodeAmount, recordsHash, n);
    }

    /// @notice Credits a batch would cost (and checks it as `settle` does, except the signature
    /// and the licence's balance).
    function priceBatch(uint256 nodeId, uint256 licenseId, uint32 priceVersion, UsageRecord[] calldata records)
        external
        view
        returns (uint256 total)
    {
        (total,) = _price(nodeId, priceVersion, records, _cursor[nodeId][licenseId], true, new uint256[](0));
    }

    /// @notice The key of the last record settled for (node, licence); the next batch starts above it.
    function cursorOf(uint256 nodeId, uint256 licenseId) external view returns (uint256) {
        return _cursor[nodeId][licenseId];
    }

    /// @notice The ordering key of a record: (time, request id, item).
    function recordKey(UsageRecord calldata r) public pure returns (uint256) {
        return _key(r);
    }

    function settlementOfBatch(bytes32 batchHash) external view returns (uint256) {
        return _settlementOfBatch[batchHash];
    }

    function getSettlement(uint256 settlementId) external view returns (Settlement memory) {
        return _settlements[settlementId];
    }

    // ---------------------------------------------------------------- disputes

    /// @notice Disputes records of a settlement (typically those whose request ids the licence
    /// does not hold) within the dispute window. `records` must be the settled batch; `indices`
    /// (ascending) name the disputed ones. Licence owner only.
    function dispute(uint256 settlementId, UsageRecord[] calldata records, uint256[] calldata indices, string calldata reasonURI)
        external
    {
        Settlement storage s = _existing(settlementId);
        if (licenses.ownerOf(s.licenseId) != msg.sender) revert NotLicenseOwner(s.licenseId, msg.sender);
        if (s.status != Status.Pending) revert NotPending(settlementId, s.status);
        uint256 closes = uint256(s.settledAt) + disputeWindow;
        if (block.timestamp >= closes) revert DisputeWindowClosed(settlementId, closes);
        if (bytes(reasonURI).length > MAX_URI_LENGTH) revert UriTooLong(bytes(reasonURI).length, MAX_URI_LENGTH);
        bytes32 h = keccak256(abi.encode(records));
        if (h != s.recordsHash) revert RecordsMismatch(settlementId, s.recordsHash, h);
        if (indices.length == 0) revert InvalidDisputeIndices(settlementId);
        for (uint256 i = 0; i < indices.length; ++i) {
            if (indices[i] >= records.length || (i > 0 && indices[i] <= indices[i - 1])) {
                revert InvalidDisputeIndices(settlementId);
            }
        }
        (uint256 disputed,) = _price(s.nodeId, s.priceVersion, records, 0, false, indices);
        s.disputedCredits = uint128(disputed);
        s.status = Status.Disputed;
        emit SettlementDisputed(settlementId, disputed, indices, reasonURI);
    }

    /// @notice Rules on a dispute. Upheld: the disputed credits go back to the licence and the
    /// node's revenue shrinks by their share. Either way the rest is released to the node. Arbiter.
    function resolveDispute(uint256 settlementId, bool upheld, string calldata rulingURI)
        external
        onlyRole(ARBITER_ROLE)
    {
        Settlement storage s = _existing(settlementId);
        if (s.status != Status.Disputed) revert NotDisputed(settlementId, s.status);
        uint256 refunded;
        uint256 cut;
        if (upheld) {
            refunded = s.disputedCredits;
            cut = uint256(s.nodeAmount) * refunded / s.credits;
            s.nodeAmount -= uint128(cut);
            reserved -= cut;
            credits.refund(s.licenseId, refunded);
        }
        emit DisputeResolved(settlementId, upheld, refunded, cut, rulingURI);
        _release(settlementId, s);
    }

    // ---------------------------------------------------------------- revenue

    /// @notice Releases the revenue of undisputed settlements whose window has passed. Anyone.
    function release(uint256[] calldata settlementIds) external {
        for (uint256 i = 0; i < settlementIds.length; ++i) {
            Settlement storage s = _existing(settlementIds[i]);
            if (s.status != Status.Pending) revert NotPending(settlementIds[i], s.status);
            uint256 closes = uint256(s.settledAt) + disputeWindow;
            if (block.timestamp < closes) revert DisputeWindowOpen(settlementIds[i], closes);
            _release(settlementIds[i], s);
        }
    }

    /// @notice Released revenue a node can withdraw.
    function withdrawable(uint256 nodeId) external view returns (uint256) {
        return _withdrawable[nodeId];
    }

    /// @notice Pays the node's released revenue to its operator. Operator only.
    function withdraw(uint256 nodeId) external returns (uint256 amount) {
        NodeRegistry.Node memory node = nodes.getNode(nodeId);
        if (node.operator != msg.sender) revert NotNodeOperator(nodeId, msg.sender);
        amount = _withdrawable[nodeId];
        if (amount == 0) revert NoRevenueToWithdraw(nodeId);
        _withdrawable[nodeId] = 0;
        reserved -= amount;
        dimo.safeTransfer(msg.sender, amount);
        emit RevenueWithdrawn(nodeId, msg.sender, amount);
    }

    /// @notice Adds `amount` DIMO (approved beforehand) to the payout pool.
    function fund(uint256 amount) external {
        dimo.safeTransferFrom(msg.sender, address(this), amount);
        emit PoolFunded(msg.sender, amount);
    }

    /// @notice Sets the nodes' share (≤ 100%) and the dispute window (≤ 30 days). Governance.
    function setParameters(uint16 nodeShareBps_, uint64 disputeWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (nodeShareBps_ > 10_000 || disputeWindow_ == 0 || disputeWindow_ > MAX_DISPUTE_WINDOW) {
            revert InvalidParameters(nodeShareBps_, disputeWindow_);
        }
        nodeShareBps = nodeShareBps_;
        disputeWindow = disputeWindow_;
        emit ParametersSet(nodeShareBps_, disputeWindow_);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Prices `records` with the node's price list `version`. When `ordered`, checks that keys
    /// strictly increase from `after` and that no record lies in the future, and returns the last
    /// key. Otherwise prices only the records at `only` (a dispute).
    function _price(
        uint256 nodeId,
        uint32 version,
        UsageRecord[] calldata records,
        uint256 after_,
        bool ordered,
        uint256[] memory only
    ) private view returns (uint256 total, uint256 lastKey) {
        (NodeRegistry.PriceItem[] memory items, uint64 from, uint64 until) = nodes.priceList(nodeId, version);
        uint256 count = ordered ? records.length : only.length;
        lastKey = after_;
        uint256 nowMs = block.timestamp * 1000;
        for (uint256 k = 0; k < count; ++k) {
            uint256 i = ordered ? k : only[k];
            UsageRecord calldata r = records[i];
            if (ordered) {
                uint256 key = _key(r);
                if (key <= lastKey) revert UsageOutOfOrder(i, key, lastKey);
                lastKey = key;
                if (r.at > nowMs) revert UsageInFuture(i, r.at, nowMs);
                uint64 atSeconds = r.at / 1000;
                if (atSeconds < from || (until != 0 && atSeconds >= until)) {
                    revert PriceNotInForce(i, r.at, from, until);
                }
            }
            if (r.item >= items.length) revert UnknownPriceItem(i, r.item, items.length);
            total += uint256(r.units) * items[r.item].creditsPerUnit;
        }
    }

    function _key(UsageRecord calldata r) private pure returns (uint256) {
        return (uint256(r.at) << 192) | ((uint256(r.requestId) >> 72) << 8) | uint256(r.item);
    }

    function _release(uint256 settlementId, Settlement storage s) private {
        s.status = Status.Released;
        _withdrawable[s.nodeId] += s.nodeAmount;
        emit SettlementReleased(settlementId, s.nodeId, s.nodeAmount);
    }

    function _existing(uint256 settlementId) private view returns (Settlement storage s) {
        s = _settlements[settlementId];
        if (s.status == Status.None) revert SettlementNotFound(settlementId);
    }
}
