// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ManufacturerId} from "../identity/ManufacturerId.sol";
import {HardwareAuthority, HardwareRoles} from "./HardwareAuthority.sol";
import {HardwareAuthorized} from "./HardwareAuthorized.sol";
import {ManufacturerLicense} from "./ManufacturerLicense.sol";
import {MAX_URI_LENGTH} from "./HardwareTime.sol";

/// @title DeviceModels
/// @notice Device categories (with their per-device stake), device models with their certification
/// record (which of the seven integration requirements the model meets and the testers' results),
/// and the device-ban list that ingest honours.
contract DeviceModels is HardwareAuthorized {
    /// @notice The seven integration requirements, as bits of a model's `requirements`.
    uint8 public constant SECURE_ELEMENT = 1;
    uint8 public constant STREAMING_INTERFACE = 2;
    uint8 public constant BLUETOOTH = 4;
    uint8 public constant POWER_MANAGEMENT = 8;
    uint8 public constant DBC_LOGGER_CONFIGURATION = 16;
    uint8 public constant SECURE_RUNTIME = 32;
    uint8 public constant OTA = 64;
    uint8 public constant ALL_REQUIREMENTS = 127;
    /// @notice Largest per-device stake governance may set.
    uint256 public constant MAX_DEVICE_STAKE = 1_000_000 ether;
    uint256 public constant MAX_NAME_LENGTH = 64;

    enum ModelStatus {
        None,
        Pending,
        Certified,
        Rejected
    }

    /// @notice A device category, e.g. dash cameras; sets the stake each device of it carries.
    struct Category {
        uint96 perDeviceStake;
        bool underserved; // the foundation may lend licence stake to makers of this category
        string name;
    }

    /// @notice A device model and its certification record.
    struct Model {
        uint256 manufacturerId;
        uint256 categoryId;
        ModelStatus status;
        uint8 requirements; // bits of the integration requirements it meets
        string name;
        string specURI; // the maker's specification and test-unit details
        string resultsURI; // the testers' results
    }

    ManufacturerLicense public immutable licenses;
    ManufacturerId public immutable manufacturers;

    mapping(uint256 categoryId => Category) private _categories;
    mapping(uint256 modelId => Model) private _models;
    uint256 public lastModelId;
    mapping(uint256 deviceId => bool) public isDeviceBanned;
    mapping(uint256 modelId => bool) public isModelBanned;

    event CategorySet(uint256 indexed categoryId, string name, uint96 perDeviceStake, bool underserved);
    event ModelSubmitted(uint256 indexed modelId, uint256 indexed manufacturerId, uint256 indexed categoryId, string name, string specURI);
    event ModelCertified(uint256 indexed modelId, uint8 requirements, string resultsURI, address indexed by);
    event ModelRejected(uint256 indexed modelId, string resultsURI, address indexed by);
    event DeviceBanned(uint256 indexed deviceId, string reasonURI, address indexed by);
    event DeviceUnbanned(uint256 indexed deviceId, address indexed by);
    event ModelBanned(uint256 indexed modelId, string reasonURI, address indexed by);
    event ModelUnbanned(uint256 indexed modelId, address indexed by);

    error CategoryNotFound(uint256 categoryId);
    error InvalidCategory(uint256 categoryId, uint256 perDeviceStake);
    error ModelNotFound(uint256 modelId);
    error ModelNotPending(uint256 modelId, ModelStatus status);
    error InvalidRequirements(uint8 requirements);
    error InvalidModelName(string name);
    error UriTooLong(uint256 length, uint256 max);
    error LicenseNotValid(uint256 manufacturerId);
    error NotManufacturerOperator(uint256 manufacturerId, address caller);

    constructor(HardwareAuthority authority_, ManufacturerLicense licenses_, ManufacturerId manufacturers_)
        HardwareAuthorized(authority_)
    {
        licenses = licenses_;
        manufacturers = manufacturers_;
    }

    // ---------------------------------------------------------------- categories (governance)

    /// @notice Creates or updates a device category. Governance. Existing devices keep the stake
    /// they were minted with.
    function setCategory(uint256 categoryId, string calldata name, uint96 perDeviceStake, bool underserved)
        external
        only(HardwareRoles.GOVERNANCE)
    {
        if (categoryId == 0 || perDeviceStake == 0 || perDeviceStake > MAX_DEVICE_STAKE) {
            revert InvalidCategory(categoryId, perDeviceStake);
        }
        if (bytes(name).length == 0 || bytes(name).length > MAX_NAME_LENGTH) revert InvalidModelName(name);
        _categories[categoryId] = Category(perDeviceStake, underserved, name);
        emit CategorySet(categoryId, name, perDeviceStake, underserved);
    }

    // ---------------------------------------------------------------- models

    /// @notice A licensed maker's simplified application for a new device model (no vote:
    /// [d]Integrations certifies or rejects it after testing). Caller: the maker's operator.
    function submitModel(uint256 manufacturerId, uint256 categoryId, string calldata name, string calldata specURI)
        external
        returns (uint256 modelId)
    {
        if (!manufacturers.isOperator(manufacturerId, msg.sender)) {
            revert NotManufacturerOperator(manufacturerId, msg.sender);
        }
        if (!licenses.isValid(manufacturerId)) revert LicenseNotValid(manufacturerId);
        modelId = _addModel(manufacturerId, categoryId, name, specURI);
    }

    /// @notice Registers the model of an approved licence application, certified with the testers'
    /// readout when its units met the mandatory secure-element requirement (pending otherwise, for
    /// [d]Integrations to certify after further tests). LicenseApplications only.
    function registerApprovedModel(
        uint256 manufacturerId,
        uint256 categoryId,
        string calldata name,
        string calldata specURI,
        uint8 requirements,
        string calldata resultsURI
    ) external only(HardwareRoles.LICENSE_ISSUER) returns (uint256 modelId) {
        modelId = _addModel(manufacturerId, categoryId, name, specURI);
        if (requirements & SECURE_ELEMENT != 0) _certify(modelId, requirements, resultsURI);
    }

    /// @notice Records a model's certification: the requirements it meets (the secure element is
    /// mandatory) and the testers' results. Also re-certifies a certified model. [d]Integrations.
    function certifyModel(uint256 modelId, uint8 requirements, string calldata resultsURI)
        external
        only(HardwareRoles.INTEGRATIONS)
    {
        ModelStatus status = _model(modelId).status;
        if (status != ModelStatus.Pending && status != ModelStatus.Certified) revert ModelNotPending(modelId, status);
        _certify(modelId, requirements, resultsURI);
    }

    /// @notice Rejects a pending model. [d]Integrations.
    function rejectModel(uint256 modelId, string calldata resultsURI) external only(HardwareRoles.INTEGRATIONS) {
        Model storage m = _model(modelId);
        if (m.status != ModelStatus.Pending) revert ModelNotPending(modelId, m.status);
        _checkUri(resultsURI);
        m.status = ModelStatus.Rejected;
        m.resultsURI = resultsURI;
        emit ModelRejected(modelId, resultsURI, msg.sender);
    }

    // ---------------------------------------------------------------- bans ([d]Integrations)

    /// @notice Bans a device from the network (ingest drops its data). [d]Integrations.
    function banDevice(uint256 deviceId, string calldata reasonURI) external only(HardwareRoles.INTEGRATIONS) {
        _checkUri(reasonURI);
        isDeviceBanned[deviceId] = true;
        emit DeviceBanned(deviceId, reasonURI, msg.sender);
    }

    function unbanDevice(uint256 deviceId) external only(HardwareRoles.INTEGRATIONS) {
        isDeviceBanned[deviceId] = false;
        emit DeviceUnbanned(deviceId, msg.sender);
    }

    /// @notice Bans every device of a model (and stops new ones being minted). [d]Integrations.
    function banModel(uint256 modelId, string calldata reasonURI) external only(HardwareRoles.INTEGRATIONS) {
        _model(modelId);
        _checkUri(reasonURI);
        isModelBanned[modelId] = true;
        emit ModelBanned(modelId, reasonURI, msg.sender);
    }

    function unbanModel(uint256 modelId) external only(HardwareRoles.INTEGRATIONS) {
        isModelBanned[modelId] = false;
        emit ModelUnbanned(modelId, msg.sender);
    }

    // ---------------------------------------------------------------- reading

    function getModel(uint256 modelId) external view returns (Model memory) {
        return _model(modelId);
    }

    function getCategory(uint256 categoryId) public view returns (Category memory c) {
        c = _categories[categoryId];
        if (c.perDeviceStake == 0) revert CategoryNotFound(categoryId);
    }

    /// @notice True when `modelId` is certified, not banned and made by `manufacturerId`.
    function isMintable(uint256 modelId, uint256 manufacturerId) external view returns (bool) {
        Model storage m = _models[modelId];
        return m.status == ModelStatus.Certified && m.manufacturerId == manufacturerId && !isModelBanned[modelId];
    }

    /// @notice Per-device stake of a model's category.
    function perDeviceStakeOf(uint256 modelId) external view returns (uint256) {
        return _categories[_model(modelId).categoryId].perDeviceStake;
    }

    // ---------------------------------------------------------------- internals

    function _addModel(uint256 manufacturerId, uint256 categoryId, string calldata name, string calldata specURI)
        private
        returns (uint256 modelId)
    {
        getCategory(categoryId);
        if (bytes(name).length == 0 || bytes(name).length > MAX_NAME_LENGTH) revert InvalidModelName(name);
        _checkUri(specURI);
        modelId = ++lastModelId;
        Model storage m = _models[modelId];
        m.manufacturerId = manufacturerId;
        m.categoryId = categoryId;
        m.status = ModelStatus.Pending;
        m.name = name;
        m.specURI = specURI;
        emit ModelSubmitted(modelId, manufacturerId, categoryId, name, specURI);
    }

    function _certify(uint256 modelId, uint8 requirements, string calldata resultsURI) private {
        if (requirements > ALL_REQUIREMENTS || requirements & SECURE_ELEMENT == 0) {
            revert InvalidRequirements(requirements);
        }
        _checkUri(resultsURI);
        Model storage m = _models[modelId];
        m.status = ModelStatus.Certified;
        m.requirements = requirements;
        m.resultsURI = resultsURI;
        emit ModelCertified(modelId, requirements, resultsURI, msg.sender);
    }

    function _model(uint256 modelId) private view returns (Model storage m) {
        m = _models[modelId];
        if (m.status == ModelStatus.None) revert ModelNotFound(modelId);
    }

    function _checkUri(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert UriTooLong(bytes(uri).length, MAX_URI_LENGTH);
    }
}
