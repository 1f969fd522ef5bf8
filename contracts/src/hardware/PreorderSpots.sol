// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DimoToken} from "../token/DimoToken.sol";
import {ManufacturerId} from "../identity/ManufacturerId.sol";
import {AftermarketDeviceId} from "../identity/AftermarketDeviceId.sol";
import {ManufacturerLicense} from "./ManufacturerLicense.sol";
import {DeviceModels} from "./DeviceModels.sol";
import {DeviceStake} from "./DeviceStake.sol";

/// @title PreorderSpots
/// @notice Preorder spots as tradeable ERC-721 tokens with standardised terms. A licensed maker
/// opens a series (device model, price in DIMO, delivery window, refund rule, supply); buyers pay
/// the price into escrow and get a spot. The escrow goes to the maker on delivery: the maker
/// proves it (a device of the model owned by the spot's holder) or the holder confirms it. The
/// holder gets the price back when the window closes undelivered, when the series is cancelled,
/// or at any time before delivery under the `AnyTimeBeforeDelivery` rule.
contract PreorderSpots is ERC721 {
    using SafeERC20 for DimoToken;

    enum RefundRule {
        IfNotDeliveredInWindow,
        AnyTimeBeforeDelivery
    }

    /// @notice The standardised terms of a series.
    struct Terms {
        uint256 manufacturerId;
        uint256 modelId;
        uint256 price; // DIMO (wei)
        uint40 deliveryFrom;
        uint40 deliveryUntil; // delivery window end: undelivered spots become refundable after it
        RefundRule refundRule;
        uint32 supply;
    }

    struct Series {
        Terms terms;
        uint32 sold;
        bool cancelled;
    }

    uint256 public constant MAX_PRICE = 10_000_000 ether;

    DimoToken public immutable token;
    ManufacturerLicense public immutable licenses;
    DeviceModels public immutable models;
    DeviceStake public immutable deviceStake;
    AftermarketDeviceId public immutable devices;
    ManufacturerId public immutable manufacturers;

    uint256 public lastSeriesId;
    uint256 public lastSpotId;
    mapping(uint256 seriesId => Series) private _series;
    mapping(uint256 spotId => uint256 seriesId) public seriesOf;
    /// @notice The spot a device fulfilled (each device fulfils at most one).
    mapping(uint256 deviceId => uint256 spotId) public spotOfDevice;

    event SeriesOpened(uint256 indexed seriesId, uint256 indexed manufacturerId, uint256 indexed modelId, Terms terms);
    event SeriesCancelled(uint256 indexed seriesId);
    event SpotBought(uint256 indexed spotId, uint256 indexed seriesId, address indexed buyer, uint256 price);
    event SpotDelivered(uint256 indexed spotId, uint256 indexed deviceId, address indexed holder, uint256 price);
    event SpotRefunded(uint256 indexed spotId, address indexed holder, uint256 price);

    error LicenseNotValid(uint256 manufacturerId);
    error ModelNotMintable(uint256 manufacturerId, uint256 modelId);
    error InvalidTerms();
    error SeriesNotFound(uint256 seriesId);
    error SeriesClosed(uint256 seriesId);
    error SoldOut(uint256 seriesId, uint32 supply);
    error SpotNotFound(uint256 spotId);
    error NotSpotHolder(uint256 spotId, address caller);
    error DeliveryWindowOver(uint256 spotId, uint40 deliveryUntil);
    error WrongDevice(uint256 spotId, uint256 deviceId);
    error DeviceAlreadyDelivered(uint256 deviceId, uint256 spotId);
    error NotRefundable(uint256 spotId, uint40 refundableFrom);
    error NotManufacturerOperator(uint256 manufacturerId, address caller);

    constructor(
        DimoToken token_,
        ManufacturerLicense licenses_,
        DeviceModels models_,
        DeviceStake deviceStake_,
        AftermarketDeviceId devices_
    ) ERC721("DIMO Preorder Spot", "DIMO/PREORDER") {
        token = token_;
        licenses = licenses_;
        models = models_;
        deviceStake = deviceStake_;
        devices = devices_;
        manufacturers = devices_.manufacturers();
    }

    // ---------------------------------------------------------------- maker

    /// @notice Opens a preorder series. Caller: an operator of a licensed maker; the model must be
    /// one of its certified models.
    function openSeries(Terms calldata terms) external returns (uint256 seriesId) {
        _onlyOperator(terms.manufacturerId);
        if (!licenses.isValid(terms.manufacturerId)) revert LicenseNotValid(terms.manufacturerId);
        if (!models.isMintable(terms.modelId, terms.manufacturerId)) {
            revert ModelNotMintable(terms.manufacturerId, terms.modelId);
        }
        if (
            terms.price == 0 || terms.price > MAX_PRICE || terms.supply == 0 || terms.deliveryFrom >= terms.deliveryUntil
                || terms.deliveryUntil <= block.timestamp
        ) revert InvalidTerms();
        seriesId = ++lastSeriesId;
        _series[seriesId].terms = terms;
        emit SeriesOpened(seriesId, terms.manufacturerId, terms.modelId, terms);
    }

    /// @notice Stops sales of a series; every undelivered spot becomes refundable. Maker's operator.
    function cancelSeries(uint256 seriesId) external {
        Series storage s = _existingSeries(seriesId);
        _onlyOperator(s.terms.manufacturerId);
        s.cancelled = true;
        emit SeriesCancelled(seriesId);
    }

    /// @notice Delivers a spot with proof: `deviceId` is a device of the series' model owned by the
    /// spot's holder (who claimed it). Pays the escrowed price to the maker and burns the spot.
    function deliver(uint256 spotId, uint256 deviceId) external {
        Series storage s = _series[_seriesOfSpot(spotId)];
        _onlyOperator(s.terms.manufacturerId);
        if (block.timestamp > s.terms.deliveryUntil) revert DeliveryWindowOver(spotId, s.terms.deliveryUntil);
        address holder = _ownerOf(spotId);
        if (deviceStake.modelOf(deviceId) != s.terms.modelId || devices.ownerOf(deviceId) != holder) {
            revert WrongDevice(spotId, deviceId);
        }
        if (spotOfDevice[deviceId] != 0) revert DeviceAlreadyDelivered(deviceId, spotOfDevice[deviceId]);
        spotOfDevice[deviceId] = spotId;
        _settle(spotId, s, deviceId, holder);
    }

    // ---------------------------------------------------------------- buyer / holder

    /// @notice Buys a spot: pays the price into escrow and mints the spot to the caller.
    function buy(uint256 seriesId) external returns (uint256 spotId) {
        Series storage s = _existingSeries(seriesId);
        if (s.cancelled || block.timestamp >= s.terms.deliveryUntil) revert SeriesClosed(seriesId);
        if (s.sold >= s.terms.supply) revert SoldOut(seriesId, s.terms.supply);
        if (!licenses.isValid(s.terms.manufacturerId)) revert LicenseNotValid(s.terms.manufacturerId);
        ++s.sold;
        spotId = ++lastSpotId;
        seriesOf[spotId] = seriesId;
        token.safeTransferFrom(msg.sender, address(this), s.terms.price);
        _mint(msg.sender, spotId);
        emit SpotBought(spotId, seriesId, msg.sender, s.terms.price);
    }

    /// @notice The holder confirms delivery (e.g. received outside the chain's view): pays the maker.
    function confirmDelivery(uint256 spotId) external {
        Series storage s = _series[_seriesOfSpot(spotId)];
        if (_ownerOf(spotId) != msg.sender) revert NotSpotHolder(spotId, msg.sender);
        _settle(spotId, s, 0, msg.sender);
    }

    /// @notice Refunds the escrowed price to the holder and burns the spot, when the terms allow.
    function refund(uint256 spotId) external {
        Series storage s = _series[_seriesOfSpot(spotId)];
        if (_ownerOf(spotId) != msg.sender) revert NotSpotHolder(spotId, msg.sender);
        bool late = block.timestamp > s.terms.deliveryUntil;
        if (!late && !s.cancelled && s.terms.refundRule != RefundRule.AnyTimeBeforeDelivery) {
            revert NotRefundable(spotId, s.terms.deliveryUntil + 1);
        }
        uint256 price = s.terms.price;
        delete seriesOf[spotId];
        _burn(spotId);
        token.safeTransfer(msg.sender, price);
        emit SpotRefunded(spotId, msg.sender, price);
    }

    // ---------------------------------------------------------------- reading

    function getSeries(uint256 seriesId) external view returns (Series memory) {
        return _existingSeries(seriesId);
    }

    // ---------------------------------------------------------------- internals

    function _settle(uint256 spotId, Series storage s, uint256 deviceId, address holder) private {
        uint256 price = s.terms.price;
        delete seriesOf[spotId];
        _burn(spotId);
        token.safeTransfer(manufacturers.ownerOf(s.terms.manufacturerId), price);
        emit SpotDelivered(spotId, deviceId, holder, price);
    }

    function _existingSeries(uint256 seriesId) private view returns (Series storage s) {
        s = _series[seriesId];
        if (s.terms.supply == 0) revert SeriesNotFound(seriesId);
    }

    function _seriesOfSpot(uint256 spotId) private view returns (uint256 seriesId) {
        seriesId = seriesOf[spotId];
        if (seriesId == 0) revert SpotNotFound(spotId);
    }

    function _onlyOperator(uint256 manufacturerId) private view {
        if (!manufacturers.isOperator(manufacturerId, msg.sender)) {
            revert NotManufacturerOperator(manufacturerId, msg.sender);
        }
    }
}
