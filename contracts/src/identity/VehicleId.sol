// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SignedActions} from "../common/SignedActions.sol";
import {ManufacturerId} from "./ManufacturerId.sol";
import {Permissions} from "../permissions/Permissions.sol";

/// @notice The part of the device registry the vehicle registry needs.
interface IVehiclePairing {
    /// @notice Aftermarket device paired to `vehicleId`, 0 when none.
    function deviceOf(uint256 vehicleId) external view returns (uint256);
    /// @notice Called by the vehicle registry when a vehicle changes hands.
    function onVehicleTransfer(uint256 vehicleId) external;
}

/// @title VehicleId
/// @notice Identity NFT of a vehicle, minted by its owner (or by a relayer carrying the owner's
/// EIP-712 signature), with its make, model, year and a definition URI. A vehicle can be burned
/// only while no device is paired to it. Every transfer voids the vehicle's grants and unpairs
/// its device: the new owner starts with a clean slate.
contract VehicleId is ERC721, AccessControl, SignedActions {
    /// @notice Descriptive attributes of a vehicle.
    struct VehicleAttributes {
        string make;
        string model;
        uint16 year;
        string definitionURI;
    }

    bytes32 public constant MINT_VEHICLE_TYPEHASH = keccak256(
        "MintVehicle(uint256 manufacturerId,address owner,string make,string model,uint16 year,string definitionURI,uint256 nonce,uint256 deadline)"
    );
    /// @notice Longest accepted make, model or definition URI, in bytes.
    uint256 public constant MAX_TEXT_LENGTH = 256;

    ManufacturerId public immutable manufacturers;
    Permissions public immutable permissions;
    IVehiclePairing public devices;

    uint256 private _lastId;
    mapping(uint256 tokenId => uint256 manufacturerId) private _manufacturerOf;
    mapping(uint256 tokenId => VehicleAttributes) private _attributes;

    /// @notice A vehicle was minted.
    event VehicleMinted(
        uint256 indexed tokenId,
        uint256 indexed manufacturerId,
        address indexed owner,
        string make,
        string model,
        uint16 year,
        string definitionURI
    );
    /// @notice A vehicle's definition URI changed.
    event VehicleDefinitionSet(uint256 indexed tokenId, string definitionURI);
    /// @notice A vehicle was burned.
    event VehicleBurned(uint256 indexed tokenId, address indexed owner);
    /// @notice The device registry was connected (once).
    event DeviceRegistrySet(address devices);

    error ManufacturerNotFound(uint256 manufacturerId);
    error NotVehicleOwner(uint256 tokenId, address caller);
    error VehicleNotFound(uint256 tokenId);
    error VehiclePaired(uint256 tokenId, uint256 deviceId);
    error InvalidYear(uint16 year);
    error TextTooLong(uint256 length, uint256 max);
    error DeviceRegistryAlreadySet(address devices);
    error InvalidOwner(address owner);

    constructor(address admin, ManufacturerId manufacturers_, Permissions permissions_)
        ERC721("DIMO Vehicle ID", "DIMO/VEHICLE")
        SignedActions("DIMO Vehicle ID", "1")
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        manufacturers = manufacturers_;
        permissions = permissions_;
    }

    /// @notice Connects the device registry. Admin only, once.
    function setDeviceRegistry(IVehiclePairing devices_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(devices) != address(0)) revert DeviceRegistryAlreadySet(address(devices));
        devices = devices_;
        emit DeviceRegistrySet(address(devices_));
    }

    /// @notice Mints a vehicle to the caller.
    /// @param manufacturerId The vehicle's manufacturer (must exist).
    function mint(uint256 manufacturerId, VehicleAttributes calldata attrs) external returns (uint256) {
        return _mintVehicle(manufacturerId, msg.sender, attrs);
    }

    /// @notice Mints a vehicle to `owner`, submitted by anyone carrying the owner's EIP-712 `MintVehicle` signature.
    function mintWithSignature(
        uint256 manufacturerId,
        address owner,
        VehicleAttributes calldata attrs,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        bytes32 structHash = keccak256(
            abi.encode(
                MINT_VEHICLE_TYPEHASH,
                manufacturerId,
                owner,
                keccak256(bytes(attrs.make)),
                keccak256(bytes(attrs.model)),
                attrs.year,
                keccak256(bytes(attrs.definitionURI)),
                nonce,
                deadline
            )
        );
        _useSignature(owner, structHash, nonce, deadline, signature);
        return _mintVehicle(manufacturerId, owner, attrs);
    }

    /// @notice Changes the definition URI. Owner only.
    function setDefinitionURI(uint256 tokenId, string calldata definitionURI) external {
        if (_ownerOf(tokenId) != msg.sender) revert NotVehicleOwner(tokenId, msg.sender);
        _checkText(definitionURI);
        _attributes[tokenId].definitionURI = definitionURI;
        emit VehicleDefinitionSet(tokenId, definitionURI);
    }

    /// @notice Burns a vehicle. Owner only, and only while no device is paired to it.
    function burn(uint256 tokenId) external {
        address owner = _ownerOf(tokenId);
        if (owner == address(0)) revert VehicleNotFound(tokenId);
        if (owner != msg.sender) revert NotVehicleOwner(tokenId, msg.sender);
        uint256 deviceId = address(devices) == address(0) ? 0 : devices.deviceOf(tokenId);
        if (deviceId != 0) revert VehiclePaired(tokenId, deviceId);
        _burn(tokenId);
        delete _attributes[tokenId];
        delete _manufacturerOf[tokenId];
        emit VehicleBurned(tokenId, owner);
    }

    /// @notice The vehicle's attributes.
    function attributesOf(uint256 tokenId) external view returns (VehicleAttributes memory) {
        if (_ownerOf(tokenId) == address(0)) revert VehicleNotFound(tokenId);
        return _attributes[tokenId];
    }

    /// @notice The vehicle's manufacturer id.
    function manufacturerOf(uint256 tokenId) external view returns (uint256) {
        if (_ownerOf(tokenId) == address(0)) revert VehicleNotFound(tokenId);
        return _manufacturerOf[tokenId];
    }

    /// @notice True when the token exists.
    function exists(uint256 tokenId) external view returns (bool) {
        return _ownerOf(tokenId) != address(0);
    }

    /// @notice Number of vehicles ever minted (ids run from 1).
    function lastTokenId() external view returns (uint256) {
        return _lastId;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _mintVehicle(uint256 manufacturerId, address owner, VehicleAttributes calldata attrs)
        private
        returns (uint256 tokenId)
    {
        if (owner == address(0)) revert InvalidOwner(owner);
        try manufacturers.ownerOf(manufacturerId) returns (address) {}
        catch {
            revert ManufacturerNotFound(manufacturerId);
        }
        if (attrs.year < 1886 || attrs.year > 2200) revert InvalidYear(attrs.year);
        _checkText(attrs.make);
        _checkText(attrs.model);
        _checkText(attrs.definitionURI);
        tokenId = ++_lastId;
        _manufacturerOf[tokenId] = manufacturerId;
        _attributes[tokenId] = attrs;
        _safeMint(owner, tokenId);
        emit VehicleMinted(tokenId, manufacturerId, owner, attrs.make, attrs.model, attrs.year, attrs.definitionURI);
    }

    function _checkText(string calldata text) private pure {
        if (bytes(text).length > MAX_TEXT_LENGTH) revert TextTooLong(bytes(text).length, MAX_TEXT_LENGTH);
    }

    /// @dev On every transfer or burn: void grants (version bump) and unpair the device.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) {
            permissions.onTransfer(from, tokenId);
            if (to != address(0) && address(devices) != address(0)) devices.onVehicleTransfer(tokenId);
        }
    }
}
