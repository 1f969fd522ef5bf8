// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SignedActions} from "../common/SignedActions.sol";
import {ManufacturerId} from "./ManufacturerId.sol";
import {VehicleId, IVehiclePairing} from "./VehicleId.sol";
import {Permissions} from "../permissions/Permissions.sol";
import {IDeviceLifecycleHook} from "./IDeviceLifecycleHook.sol";

/// @title AftermarketDeviceId
/// @notice Identity NFT of an aftermarket device, bound one-to-one to the address of the key in
/// the device's secure element. Lifecycle:
/// - a manufacturer mints devices in batches (they start in the manufacturer owner's wallet);
/// - a user who physically holds a device claims it with the device's `ClaimDevice` signature;
/// - the owner pairs it with one of their vehicles (device + vehicle-owner signatures, or directly
///   when the caller owns both); either owner can unpair;
/// - the owner can return it to the manufacturer, which may then reprovision it (new secure element).
/// Invariant: a device is paired to at most one vehicle and a vehicle to at most one device.
/// Any transfer of a paired device or of its vehicle unpairs them.
contract AftermarketDeviceId is ERC721, AccessControl, SignedActions, IVehiclePairing {
    /// @notice What a manufacturer supplies per device in a batch mint.
    struct DeviceMint {
        address deviceAddress;
        string serial;
    }

    /// @notice A device's record.
    struct Device {
        uint256 manufacturerId;
        address deviceAddress;
        bool claimed;
        uint64 installedAt;
        uint256 vehicleId;
        string serial;
    }

    bytes32 public constant CLAIM_DEVICE_TYPEHASH =
        keccak256("ClaimDevice(uint256 deviceId,address owner,uint256 nonce,uint256 deadline)");
    bytes32 public constant PAIR_DEVICE_TYPEHASH =
        keccak256("PairDevice(uint256 deviceId,uint256 vehicleId,uint256 nonce,uint256 deadline)");
    bytes32 public constant UNPAIR_DEVICE_TYPEHASH =
        keccak256("UnpairDevice(uint256 deviceId,uint256 nonce,uint256 deadline)");
    /// @notice Largest batch one mint call accepts (keeps every loop bounded).
    uint256 public constant MAX_BATCH = 500;
    uint256 public constant MAX_SERIAL_LENGTH = 64;

    ManufacturerId public immutable manufacturers;
    VehicleId public immutable vehicles;
    Permissions public immutable permissions;
    /// @notice Licensing layer consulted at mint and installation; zero means not enforced.
    IDeviceLifecycleHook public lifecycleHook;

    uint256 private _lastId;
    mapping(uint256 tokenId => Device) private _devices;
    mapping(address deviceAddress => uint256 tokenId) private _idByAddress;
    mapping(uint256 vehicleId => uint256 deviceId) private _deviceOfVehicle;

    /// @notice A device was minted and bound to its secure-element address.
    event DeviceMinted(uint256 indexed tokenId, uint256 indexed manufacturerId, address indexed deviceAddress, address owner, string serial);
    /// @notice A user claimed a device.
    event DeviceClaimed(uint256 indexed tokenId, address indexed owner);
    /// @notice A device was paired with a vehicle.
    event DevicePaired(uint256 indexed tokenId, uint256 indexed vehicleId, address indexed owner);
    /// @notice A device was unpaired from a vehicle.
    event DeviceUnpaired(uint256 indexed tokenId, uint256 indexed vehicleId);
    /// @notice A device was paired for the first time: the installation.
    event DeviceInstalled(uint256 indexed tokenId, uint256 indexed vehicleId, uint64 installedAt);
    /// @notice A device went back to its manufacturer (unclaimed again).
    event DeviceReturned(uint256 indexed tokenId, address indexed previousOwner, address indexed manufacturerOwner);
    /// @notice The manufacturer bound a device to a new secure-element address.
    event DeviceReprovisioned(uint256 indexed tokenId, address indexed oldAddress, address indexed newAddress);
    /// @notice The licensing hook changed.
    event LifecycleHookSet(address hook);

    error NotManufacturerOperator(uint256 manufacturerId, address caller);
    error ManufacturerNotFound(uint256 manufacturerId);
    error InvalidBatchSize(uint256 size, uint256 max);
    error InvalidDeviceAddress(address deviceAddress);
    error DeviceAddressTaken(address deviceAddress, uint256 tokenId);
    error SerialTooLong(uint256 length, uint256 max);
    error DeviceNotFound(uint256 tokenId);
    error DeviceAlreadyClaimed(uint256 tokenId);
    error DeviceNotClaimed(uint256 tokenId);
    error DeviceAlreadyPaired(uint256 tokenId, uint256 vehicleId);
    error VehicleAlreadyPaired(uint256 vehicleId, uint256 deviceId);
    error DeviceNotPaired(uint256 tokenId);
    error VehicleNotFound(uint256 vehicleId);
    error OwnersDiffer(address deviceOwner, address vehicleOwner);
    error NotDeviceOwner(uint256 tokenId, address caller);
    error NotDeviceOrVehicleOwner(uint256 tokenId, address caller);
    error OnlyVehicleRegistry(address caller);
    error InvalidOwner(address owner);

    constructor(address admin, ManufacturerId manufacturers_, VehicleId vehicles_, Permissions permissions_)
        ERC721("DIMO Aftermarket Device ID", "DIMO/DEVICE")
        SignedActions("DIMO Aftermarket Device ID", "1")
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        manufacturers = manufacturers_;
        vehicles = vehicles_;
        permissions = permissions_;
    }

    /// @notice Sets the licensing hook consulted at mint and installation. Admin (governance) only.
    function setLifecycleHook(IDeviceLifecycleHook hook) external onlyRole(DEFAULT_ADMIN_ROLE) {
        lifecycleHook = hook;
        emit LifecycleHookSet(address(hook));
    }

    // ---------------------------------------------------------------- minting

    /// @notice Mints a batch of devices for `manufacturerId`, each bound to its secure-element address.
    /// Caller: the manufacturer's owner or an approved operator. The devices start in the owner's wallet.
    /// @return firstTokenId Id of the first device; the batch has consecutive ids.
    function mintBatch(uint256 manufacturerId, DeviceMint[] calldata batch) external returns (uint256 firstTokenId) {
        if (batch.length == 0 || batch.length > MAX_BATCH) revert InvalidBatchSize(batch.length, MAX_BATCH);
        address makerOwner = _authorizeDeviceMint(manufacturerId, msg.sender);
        firstTokenId = _lastId + 1;
        if (address(lifecycleHook) != address(0)) {
            lifecycleHook.onDevicesMinted(manufacturerId, msg.sender, firstTokenId, batch.length);
        }
        for (uint256 i = 0; i < batch.length; ++i) {
            DeviceMint calldata d = batch[i];
            if (d.deviceAddress == address(0)) revert InvalidDeviceAddress(d.deviceAddress);
            uint256 taken = _idByAddress[d.deviceAddress];
            if (taken != 0) revert DeviceAddressTaken(d.deviceAddress, taken);
            if (bytes(d.serial).length > MAX_SERIAL_LENGTH) revert SerialTooLong(bytes(d.serial).length, MAX_SERIAL_LENGTH);
            uint256 tokenId = ++_lastId;
            _devices[tokenId] = Device(manufacturerId, d.deviceAddress, false, 0, 0, d.serial);
            _idByAddress[d.deviceAddress] = tokenId;
            _mint(makerOwner, tokenId);
            emit DeviceMinted(tokenId, manufacturerId, d.deviceAddress, makerOwner, d.serial);
        }
    }

    /// @dev THE device-minting check: the caller operates the manufacturer. The licensing layer
    /// (lifecycleHook) adds its licence and stake checks on top.
    function _authorizeDeviceMint(uint256 manufacturerId, address minter) internal view returns (address makerOwner) {
        try manufacturers.ownerOf(manufacturerId) returns (address owner) {
            makerOwner = owner;
        } catch {
            revert ManufacturerNotFound(manufacturerId);
        }
        if (!manufacturers.isOperator(manufacturerId, minter)) revert NotManufacturerOperator(manufacturerId, minter);
    }

    // ---------------------------------------------------------------- claiming

    /// @notice Claims an unclaimed device for the caller, with the device's `ClaimDevice` signature
    /// (proof the caller holds the device). Moves the NFT from its current holder to the caller.
    function claim(uint256 deviceId, uint256 deviceNonce, uint256 deadline, bytes calldata deviceSignature) external {
        Device storage d = _existing(deviceId);
        if (d.claimed) revert DeviceAlreadyClaimed(deviceId);
        bytes32 structHash = keccak256(abi.encode(CLAIM_DEVICE_TYPEHASH, deviceId, msg.sender, deviceNonce, deadline));
        _useSignature(d.deviceAddress, structHash, deviceNonce, deadline, deviceSignature);
        d.claimed = true;
        _transfer(_requireOwned(deviceId), msg.sender, deviceId);
        emit DeviceClaimed(deviceId, msg.sender);
    }

    // ---------------------------------------------------------------- pairing

    /// @notice Pairs a claimed device with a vehicle when the caller owns both.
    function pair(uint256 deviceId, uint256 vehicleId) external {
        address owner = _pairingOwner(deviceId, vehicleId);
        if (owner != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        _pair(deviceId, vehicleId, owner);
    }

    /// @notice Pairs with the device's and the vehicle owner's `PairDevice` signatures (any submitter).
    /// Each signer uses its own nonce.
    function pairWithSignatures(
        uint256 deviceId,
        uint256 vehicleId,
        uint256 deadline,
        uint256 deviceNonce,
        bytes calldata deviceSignature,
        uint256 ownerNonce,
        bytes calldata ownerSignature
    ) external {
        address owner = _pairingOwner(deviceId, vehicleId);
        address deviceAddress = _devices[deviceId].deviceAddress;
        _useSignature(
            deviceAddress,
            keccak256(abi.encode(PAIR_DEVICE_TYPEHASH, deviceId, vehicleId, deviceNonce, deadline)),
            deviceNonce,
            deadline,
            deviceSignature
        );
        _useSignature(
            owner,
            keccak256(abi.encode(PAIR_DEVICE_TYPEHASH, deviceId, vehicleId, ownerNonce, deadline)),
            ownerNonce,
            deadline,
            ownerSignature
        );
        _pair(deviceId, vehicleId, owner);
    }

    /// @notice Unpairs a device. Caller: the device's owner or the paired vehicle's owner.
    function unpair(uint256 deviceId) external {
        _checkUnpairer(deviceId, msg.sender);
        _unpair(deviceId);
    }

    /// @notice Unpairs with the `UnpairDevice` signature of the device's or the vehicle's owner.
    function unpairWithSignature(uint256 deviceId, address signer, uint256 nonce, uint256 deadline, bytes calldata signature)
        external
    {
        _checkUnpairer(deviceId, signer);
        _useSignature(signer, keccak256(abi.encode(UNPAIR_DEVICE_TYPEHASH, deviceId, nonce, deadline)), nonce, deadline, signature);
        _unpair(deviceId);
    }

    /// @inheritdoc IVehiclePairing
    function onVehicleTransfer(uint256 vehicleId) external {
        if (msg.sender != address(vehicles)) revert OnlyVehicleRegistry(msg.sender);
        uint256 deviceId = _deviceOfVehicle[vehicleId];
        if (deviceId != 0) _unpair(deviceId);
    }

    // ---------------------------------------------------------------- manufacturer custody

    /// @notice Returns a device to its manufacturer (unpairing it first): it becomes unclaimed again.
    function returnToManufacturer(uint256 deviceId) external {
        Device storage d = _existing(deviceId);
        address owner = _ownerOf(deviceId);
        if (owner != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        if (d.vehicleId != 0) _unpair(deviceId);
        address makerOwner = manufacturers.ownerOf(d.manufacturerId);
        d.claimed = false;
        _transfer(owner, makerOwner, deviceId);
        emit DeviceReturned(deviceId, owner, makerOwner);
    }

    /// @notice Factory reset: binds an unclaimed device to a new secure-element address. Manufacturer only.
    function reprovision(uint256 deviceId, address newDeviceAddress) external {
        Device storage d = _existing(deviceId);
        if (!manufacturers.isOperator(d.manufacturerId, msg.sender)) revert NotManufacturerOperator(d.manufacturerId, msg.sender);
        if (d.claimed) revert DeviceAlreadyClaimed(deviceId);
        if (newDeviceAddress == address(0)) revert InvalidDeviceAddress(newDeviceAddress);
        uint256 taken = _idByAddress[newDeviceAddress];
        if (taken != 0) revert DeviceAddressTaken(newDeviceAddress, taken);
        address old = d.deviceAddress;
        delete _idByAddress[old];
        _idByAddress[newDeviceAddress] = deviceId;
        d.deviceAddress = newDeviceAddress;
        emit DeviceReprovisioned(deviceId, old, newDeviceAddress);
    }

    // ---------------------------------------------------------------- reading

    /// @notice A device's record.
    function getDevice(uint256 deviceId) external view returns (Device memory) {
        return _existing(deviceId);
    }

    /// @notice Token id bound to a secure-element address, 0 when none.
    function deviceByAddress(address deviceAddress) external view returns (uint256) {
        return _idByAddress[deviceAddress];
    }

    /// @inheritdoc IVehiclePairing
    function deviceOf(uint256 vehicleId) external view returns (uint256) {
        return _deviceOfVehicle[vehicleId];
    }

    /// @notice Vehicle a device is paired to, 0 when none.
    function vehicleOf(uint256 deviceId) external view returns (uint256) {
        return _devices[deviceId].vehicleId;
    }

    /// @notice Number of devices ever minted (ids run from 1).
    function lastTokenId() external view returns (uint256) {
        return _lastId;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _existing(uint256 deviceId) private view returns (Device storage d) {
        d = _devices[deviceId];
        if (d.deviceAddress == address(0)) revert DeviceNotFound(deviceId);
    }

    /// @dev Common pairing preconditions; returns the owner of both.
    function _pairingOwner(uint256 deviceId, uint256 vehicleId) private view returns (address owner) {
        Device storage d = _existing(deviceId);
        if (!d.claimed) revert DeviceNotClaimed(deviceId);
        if (d.vehicleId != 0) revert DeviceAlreadyPaired(deviceId, d.vehicleId);
        uint256 other = _deviceOfVehicle[vehicleId];
        if (other != 0) revert VehicleAlreadyPaired(vehicleId, other);
        if (!vehicles.exists(vehicleId)) revert VehicleNotFound(vehicleId);
        owner = _ownerOf(deviceId);
        address vehicleOwner = vehicles.ownerOf(vehicleId);
        if (owner != vehicleOwner) revert OwnersDiffer(owner, vehicleOwner);
    }

    function _pair(uint256 deviceId, uint256 vehicleId, address owner) private {
        Device storage d = _devices[deviceId];
        d.vehicleId = vehicleId;
        _deviceOfVehicle[vehicleId] = deviceId;
        emit DevicePaired(deviceId, vehicleId, owner);
        if (d.installedAt == 0) {
            d.installedAt = uint64(block.timestamp);
            emit DeviceInstalled(deviceId, vehicleId, d.installedAt);
            if (address(lifecycleHook) != address(0)) {
                lifecycleHook.onDeviceInstalled(deviceId, d.manufacturerId, vehicleId, owner);
            }
        }
    }

    function _checkUnpairer(uint256 deviceId, address who) private view {
        Device storage d = _existing(deviceId);
        if (d.vehicleId == 0) revert DeviceNotPaired(deviceId);
        if (who != _ownerOf(deviceId) && who != vehicles.ownerOf(d.vehicleId)) {
            revert NotDeviceOrVehicleOwner(deviceId, who);
        }
    }

    function _unpair(uint256 deviceId) private {
        Device storage d = _devices[deviceId];
        uint256 vehicleId = d.vehicleId;
        delete _deviceOfVehicle[vehicleId];
        d.vehicleId = 0;
        emit DeviceUnpaired(deviceId, vehicleId);
    }

    /// @dev Any change of hands (not the mint) voids the device's grants and unpairs it.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        if (to == address(0)) revert InvalidOwner(to);
        from = super._update(to, tokenId, auth);
        if (from != address(0) && from != to) {
            permissions.onTransfer(from, tokenId);
            if (_devices[tokenId].vehicleId != 0) _unpair(tokenId);
        }
    }
}
