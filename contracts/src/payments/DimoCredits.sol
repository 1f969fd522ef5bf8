// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title DimoCredits
/// @notice Data credits (DIMO's DCX): the unit apps pay nodes in. A credit is worth $0.001; it is
/// minted by burning DIMO at the DIMO/USD price set by the price oracle (a governance-appointed
/// role), and it is held by a developer licence (keyed by the licence's token id). Credits cannot
/// be transferred: the only ways out of a balance are a settlement's burn (SPENDER_ROLE, the
/// UsageSettlement contract) and nothing else.
contract DimoCredits is AccessControl {
    bytes32 public constant PRICE_ORACLE_ROLE = keccak256("CREDITS_PRICE_ORACLE_ROLE");
    bytes32 public constant SPENDER_ROLE = keccak256("CREDITS_SPENDER_ROLE");
    /// @notice The value of one credit in USD with 18 decimals ($0.001).
    uint256 public constant CREDIT_USD = 1e15;
    /// @notice Bounds on the DIMO/USD price (18 decimals): $0.000001 to $1,000,000.
    uint256 public constant MIN_DIMO_USD = 1e12;
    uint256 public constant MAX_DIMO_USD = 1e24;
    /// @notice Most credits one purchase may mint ($1,000,000,000 worth).
    uint256 public constant MAX_PURCHASE = 1e12;

    ERC20Burnable public immutable dimo;
    IERC721 public immutable licenses;

    /// @notice Price of one DIMO in USD, 18 decimals.
    uint256 public dimoUsdPrice;
    uint64 public priceUpdatedAt;
    uint256 public totalSupply;
    mapping(uint256 licenseId => uint256) private _balances;

    event CreditsBought(uint256 indexed licenseId, address indexed payer, uint256 credits, uint256 dimoBurned, uint256 dimoUsdPrice);
    event CreditsSpent(uint256 indexed licenseId, uint256 credits, address indexed spender);
    event CreditsRefunded(uint256 indexed licenseId, uint256 credits, address indexed spender);
    event DimoUsdPriceSet(uint256 price, address indexed by);

    error DevLicenseNotFound(uint256 licenseId);
    error InvalidCreditAmount(uint256 credits, uint256 max);
    error SlippageExceeded(uint256 cost, uint256 maxDimo);
    error InvalidDimoUsdPrice(uint256 price, uint256 min, uint256 max);
    error InsufficientCredits(uint256 licenseId, uint256 balance, uint256 needed);

    /// @param admin Governance: appoints the price oracle and the spender.
    /// @param dimo_ The DIMO token (ERC20Burnable).
    /// @param licenses_ The developer-licence registry.
    /// @param initialDimoUsdPrice DIMO/USD with 18 decimals.
    constructor(address admin, ERC20Burnable dimo_, IERC721 licenses_, uint256 initialDimoUsdPrice) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        dimo = dimo_;
        licenses = licenses_;
        _setPrice(initialDimoUsdPrice);
    }

    /// @notice Credits held by a developer licence.
    function balanceOf(uint256 licenseId) external view returns (uint256) {
        return _balances[licenseId];
    }

    /// @notice DIMO (wei) that `credits` cost now, rounded up.
    function quote(uint256 credits) public view returns (uint256) {
        return Math.mulDiv(credits * CREDIT_USD, 1 ether, dimoUsdPrice, Math.Rounding.Ceil);
    }

    /// @notice DIMO (wei) that `credits` are worth now, rounded down (what payouts use).
    function valueInDimo(uint256 credits) public view returns (uint256) {
        return Math.mulDiv(credits * CREDIT_USD, 1 ether, dimoUsdPrice);
    }

    /// @notice Mints `credits` to licence `licenseId` by burning their price in DIMO from the
    /// caller (approve this contract first). Anyone may pay for any licence: a fleet can fund the
    /// app it uses. Reverts when the cost exceeds `maxDimo` (the price moved).
    function buy(uint256 licenseId, uint256 credits, uint256 maxDimo) external returns (uint256 cost) {
        if (credits == 0 || credits > MAX_PURCHASE) revert InvalidCreditAmount(credits, MAX_PURCHASE);
        if (!_licenseExists(licenseId)) revert DevLicenseNotFound(licenseId);
        cost = quote(credits);
        if (cost > maxDimo) revert SlippageExceeded(cost, maxDimo);
        _balances[licenseId] += credits;
        totalSupply += credits;
        dimo.burnFrom(msg.sender, cost);
        emit CreditsBought(licenseId, msg.sender, credits, cost, dimoUsdPrice);
    }

    /// @notice Burns `credits` of a licence for a settlement. Spender (UsageSettlement) only.
    function spend(uint256 licenseId, uint256 credits) external onlyRole(SPENDER_ROLE) {
        uint256 balance = _balances[licenseId];
        if (balance < credits) revert InsufficientCredits(licenseId, balance, credits);
        _balances[licenseId] = balance - credits;
        totalSupply -= credits;
        emit CreditsSpent(licenseId, credits, msg.sender);
    }

    /// @notice Gives back credits of an upheld dispute. Spender (UsageSettlement) only.
    function refund(uint256 licenseId, uint256 credits) external onlyRole(SPENDER_ROLE) {
        _balances[licenseId] += credits;
        totalSupply += credits;
        emit CreditsRefunded(licenseId, credits, msg.sender);
    }

    /// @notice Sets the DIMO/USD price (18 decimals). Price oracle only.
    function setDimoUsdPrice(uint256 price) external onlyRole(PRICE_ORACLE_ROLE) {
        _setPrice(price);
    }

    function _setPrice(uint256 price) private {
        if (price < MIN_DIMO_USD || price > MAX_DIMO_USD) revert InvalidDimoUsdPrice(price, MIN_DIMO_USD, MAX_DIMO_USD);
        dimoUsdPrice = price;
        priceUpdatedAt = uint64(block.timestamp);
        emit DimoUsdPriceSet(price, msg.sender);
    }

    function _licenseExists(uint256 licenseId) private view returns (bool) {
        (bool ok, bytes memory data) = address(licenses).staticcall(abi.encodeCall(IERC721.ownerOf, (licenseId)));
        return ok && data.length == 32 && abi.decode(data, (address)) != address(0);
    }
}
