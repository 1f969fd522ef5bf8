// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title ManufacturerId
/// @notice Identity NFT of a hardware or vehicle manufacturer: a unique name, an owner and
/// free-form attributes. The owner of a manufacturer token mints that manufacturer's devices.
contract ManufacturerId is ERC721, AccessControl {
    /// @notice Role allowed to mint manufacturers until the licensing authority decides instead.
    bytes32 public constant MANUFACTURER_MINTER_ROLE = keccak256("MANUFACTURER_MINTER_ROLE");
    /// @notice Longest accepted manufacturer name, attribute key or value, in bytes.
    uint256 public constant MAX_TEXT_LENGTH = 256;

    uint256 private _lastId;
    mapping(bytes32 nameHash => uint256 tokenId) private _idByName;
    mapping(uint256 tokenId => string) private _names;
    mapping(uint256 tokenId => mapping(string key => string value)) private _attributes;

    /// @notice A manufacturer was minted.
    event ManufacturerMinted(uint256 indexed tokenId, string name, address indexed owner, address indexed minter);
    /// @notice An attribute of a manufacturer was set (an empty value deletes it).
    event ManufacturerAttributeSet(uint256 indexed tokenId, string key, string value);

    error ManufacturerNameTaken(string name, uint256 existingTokenId);
    error ManufacturerNameInvalid(string name);
    error ManufacturerNotFound(uint256 tokenId);
    error NotManufacturerOwner(uint256 tokenId, address caller);
    error TextTooLong(uint256 length, uint256 max);
    error NotAuthorizedToMintManufacturer(address minter);

    constructor(address admin) ERC721("DIMO Manufacturer ID", "DIMO/MANUFACTURER") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MANUFACTURER_MINTER_ROLE, admin);
    }

    /// @notice Mints a manufacturer with a unique, non-empty name.
    /// @param name Unique display name (1..256 bytes, case-sensitive).
    /// @param owner Account that will own and operate the manufacturer.
    /// @return tokenId The new manufacturer's id (sequential from 1).
    function mint(string calldata name, address owner) external returns (uint256 tokenId) {
        _authorizeManufacturerMint(msg.sender, name, owner);
        if (bytes(name).length == 0 || bytes(name).length > MAX_TEXT_LENGTH) revert ManufacturerNameInvalid(name);
        bytes32 nameHash = keccak256(bytes(name));
        uint256 existing = _idByName[nameHash];
        if (existing != 0) revert ManufacturerNameTaken(name, existing);
        tokenId = ++_lastId;
        _idByName[nameHash] = tokenId;
        _names[tokenId] = name;
        _safeMint(owner, tokenId);
        emit ManufacturerMinted(tokenId, name, owner, msg.sender);
    }

    /// @dev THE hook deciding who may mint a manufacturer: holders of MANUFACTURER_MINTER_ROLE. The
    /// admin (later governance) mints vehicle makers; the hardware layer's LicenseApplications holds
    /// the role and mints a hardware maker's identity only when governance approves its licence.
    function _authorizeManufacturerMint(address minter, string calldata, address) internal view virtual {
        if (!hasRole(MANUFACTURER_MINTER_ROLE, minter)) revert NotAuthorizedToMintManufacturer(minter);
    }

    /// @notice Sets (or, with an empty value, deletes) an attribute. Only the manufacturer's owner.
    function setAttribute(uint256 tokenId, string calldata key, string calldata value) external {
        if (_ownerOf(tokenId) != msg.sender) revert NotManufacturerOwner(tokenId, msg.sender);
        if (bytes(key).length == 0 || bytes(key).length > MAX_TEXT_LENGTH) revert TextTooLong(bytes(key).length, MAX_TEXT_LENGTH);
        if (bytes(value).length > MAX_TEXT_LENGTH) revert TextTooLong(bytes(value).length, MAX_TEXT_LENGTH);
        _attributes[tokenId][key] = value;
        emit ManufacturerAttributeSet(tokenId, key, value);
    }

    /// @notice The manufacturer's unique name.
    function nameOf(uint256 tokenId) external view returns (string memory) {
        if (_ownerOf(tokenId) == address(0)) revert ManufacturerNotFound(tokenId);
        return _names[tokenId];
    }

    /// @notice Token id for a name, or 0 when no manufacturer has it.
    function idByName(string calldata name) external view returns (uint256) {
        return _idByName[keccak256(bytes(name))];
    }

    /// @notice An attribute's value ("" when unset).
    function attribute(uint256 tokenId, string calldata key) external view returns (string memory) {
        return _attributes[tokenId][key];
    }

    /// @notice True when `account` owns manufacturer `tokenId` or is approved for it.
    function isOperator(uint256 tokenId, address account) public view returns (bool) {
        address owner = _ownerOf(tokenId);
        if (owner == address(0)) return false;
        return account == owner || isApprovedForAll(owner, account) || getApproved(tokenId) == account;
    }

    /// @notice Number of manufacturers minted.
    function totalSupply() external view returns (uint256) {
        return _lastId;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
