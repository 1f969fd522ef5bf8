// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title NodeRegistry
/// @notice Nodes that serve apps: an operator identity, the key that signs the node's usage
/// settlements, its public endpoint, an optional DIMO stake (unbonding takes 7 days) and its
/// versioned price list. A price list is a table of operations and their price in credits per
/// unit; each version applies to requests made from its publication until the next version.
contract NodeRegistry {
    using SafeERC20 for IERC20;

    /// @notice One line of a price list: `creditsPerUnit` credits per unit of `operation`.
    struct PriceItem {
        bytes32 operation;
        uint64 creditsPerUnit;
    }

    struct Node {
        address operator;
        address signer;
        uint64 registeredAt;
        uint32 priceVersion;
        uint96 stake;
        uint96 unstaking;
        uint64 unstakeAt;
        string endpoint;
    }

    uint256 public constant UNBONDING_PERIOD = 7 days;
    uint256 public constant MAX_PRICE_ITEMS = 32;
    uint256 public constant MAX_URI_LENGTH = 256;

    IERC20 public immutable dimo;
    uint256 public lastNodeId;
    mapping(uint256 nodeId => Node) private _nodes;
    mapping(uint256 nodeId => mapping(uint32 version => PriceItem[])) private _priceItems;
    mapping(uint256 nodeId => mapping(uint32 version => uint64 effectiveFrom)) private _priceFrom;

    event NodeRegistered(uint256 indexed nodeId, address indexed operator, address signer, string endpoint);
    event NodeSignerSet(uint256 indexed nodeId, address signer);
    event NodeEndpointSet(uint256 indexed nodeId, string endpoint);
    event PriceListPublished(uint256 indexed nodeId, uint32 indexed version, PriceItem[] items, string uri, uint64 effectiveFrom);
    event StakeAdded(uint256 indexed nodeId, uint256 amount, uint256 stake);
    event UnstakeRequested(uint256 indexed nodeId, uint256 amount, uint64 availableAt);
    event StakeWithdrawn(uint256 indexed nodeId, uint256 amount, address indexed to);

    error NodeNotFound(uint256 nodeId);
    error NotNodeOperator(uint256 nodeId, address caller);
    error InvalidSigner(address signer);
    error UriTooLong(uint256 length, uint256 max);
    error InvalidPriceList(uint256 items, uint256 max);
    error DuplicatePriceItem(bytes32 operation);
    error PriceListNotFound(uint256 nodeId, uint32 version);
    error InsufficientStake(uint256 nodeId, uint256 stake, uint256 amount);
    error StakeStillUnbonding(uint256 nodeId, uint64 availableAt);
    error NoUnbondedStake(uint256 nodeId);

    constructor(IERC20 dimo_) {
        dimo = dimo_;
    }

    /// @notice Registers a node operated by the caller, optionally staking `stake` DIMO.
    function register(address signer, string calldata endpoint, uint96 stake) external returns (uint256 nodeId) {
        if (signer == address(0)) revert InvalidSigner(signer);
        _checkUri(endpoint);
        nodeId = ++lastNodeId;
        Node storage n = _nodes[nodeId];
        n.operator = msg.sender;
        n.signer = signer;
        n.registeredAt = uint64(block.timestamp);
        n.endpoint = endpoint;
        emit NodeRegistered(nodeId, msg.sender, signer, endpoint);
        if (stake != 0) _addStake(nodeId, stake);
    }

    /// @notice Changes the key that signs the node's settlements. Operator only.
    function setSigner(uint256 nodeId, address signer) external {
        _checkOperator(nodeId);
        if (signer == address(0)) revert InvalidSigner(signer);
        _nodes[nodeId].signer = signer;
        emit NodeSignerSet(nodeId, signer);
    }

    /// @notice Changes the node's public endpoint. Operator only.
    function setEndpoint(uint256 nodeId, string calldata endpoint) external {
        _checkOperator(nodeId);
        _checkUri(endpoint);
        _nodes[nodeId].endpoint = endpoint;
        emit NodeEndpointSet(nodeId, endpoint);
    }

    /// @notice Publishes a new price list version, in force from now on. `uri` points to the
    /// human-readable list (operations, units). Operator only.
    function publishPriceList(uint256 nodeId, PriceItem[] calldata items, string calldata uri)
        external
        returns (uint32 version)
    {
        _checkOperator(nodeId);
        _checkUri(uri);
        if (items.length == 0 || items.length > MAX_PRICE_ITEMS) revert InvalidPriceList(items.length, MAX_PRICE_ITEMS);
        version = _nodes[nodeId].priceVersion + 1;
        PriceItem[] storage list = _priceItems[nodeId][version];
        for (uint256 i = 0; i < items.length; ++i) {
            for (uint256 j = 0; j < i; ++j) {
                if (items[j].operation == items[i].operation) revert DuplicatePriceItem(items[i].operation);
            }
            list.push(items[i]);
        }
        _nodes[nodeId].priceVersion = version;
        _priceFrom[nodeId][version] = uint64(block.timestamp);
        emit PriceListPublished(nodeId, version, items, uri, uint64(block.timestamp));
    }

    /// @notice A price list version: its items and the period it applies to (`until` is 0 for
    /// the current version), unix seconds.
    function priceList(uint256 nodeId, uint32 version)
        external
        view
        returns (PriceItem[] memory items, uint64 from, uint64 until)
    {
        uint32 current = _existing(nodeId).priceVersion;
        if (version == 0 || version > current) revert PriceListNotFound(nodeId, version);
        items = _priceItems[nodeId][version];
        from = _priceFrom[nodeId][version];
        until = version == current ? 0 : _priceFrom[nodeId][version + 1];
    }

    function getNode(uint256 nodeId) external view returns (Node memory) {
        return _existing(nodeId);
    }

    // ---------------------------------------------------------------- stake

    /// @notice Adds `amount` DIMO (approved beforehand) to the node's stake.
    function addStake(uint256 nodeId, uint96 amount) external {
        _existing(nodeId);
        _addStake(nodeId, amount);
    }

    /// @notice Starts unbonding `amount` of the stake; it can be withdrawn after 7 days. Operator only.
    function requestUnstake(uint256 nodeId, uint96 amount) external {
        Node storage n = _checkOperator(nodeId);
        if (amount == 0 || amount > n.stake) revert InsufficientStake(nodeId, n.stake, amount);
        n.stake -= amount;
        n.unstaking += amount;
        n.unstakeAt = uint64(block.timestamp + UNBONDING_PERIOD);
        emit UnstakeRequested(nodeId, amount, n.unstakeAt);
    }

    /// @notice Withdraws the unbonded stake to the operator. Operator only.
    function withdrawStake(uint256 nodeId) external {
        Node storage n = _checkOperator(nodeId);
        uint256 amount = n.unstaking;
        if (amount == 0) revert NoUnbondedStake(nodeId);
        if (block.timestamp < n.unstakeAt) revert StakeStillUnbonding(nodeId, n.unstakeAt);
        n.unstaking = 0;
        dimo.safeTransfer(msg.sender, amount);
        emit StakeWithdrawn(nodeId, amount, msg.sender);
    }

    function _addStake(uint256 nodeId, uint96 amount) private {
        Node storage n = _nodes[nodeId];
        n.stake += amount;
        dimo.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeAdded(nodeId, amount, n.stake);
    }

    function _existing(uint256 nodeId) private view returns (Node storage n) {
        n = _nodes[nodeId];
        if (n.operator == address(0)) revert NodeNotFound(nodeId);
    }

    function _checkOperator(uint256 nodeId) private view returns (Node storage n) {
        n = _existing(nodeId);
        if (n.operator != msg.sender) revert NotNodeOperator(nodeId, msg.sender);
    }

    function _checkUri(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert UriTooLong(bytes(uri).length, MAX_URI_LENGTH);
    }
}
