// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {SignedActions} from "../common/SignedActions.sol";

/// @title Permissions
/// @notice Grants of privileges over any ERC-721 token (vehicles first), like DIMO's SACD:
/// the token's owner grants a grantee a 2-bit-per-privilege mask until an expiry, pointing at a
/// signed terms document (`source`). A grant is in force only while all of these hold:
/// - `block.timestamp < expiration` (it lapses AT its expiration second);
/// - the token still belongs to the account that granted it, and the token's version is the one
///   recorded at grant time (an asset contract bumps it on every transfer via `onTransfer`), so
///   a transfer invalidates every grant, even if the token later returns;
/// - if made from a template, the template is still active in the same epoch (deactivation
///   revokes every grant made from it for good; reactivation does not revive them).
/// The owner of a token always holds every privilege.
contract Permissions is SignedActions {
    /// @notice A grant of privileges. `permissions` is DIMO's mask: privilege i is bits 2i and 2i+1.
    struct Grant {
        uint256 permissions;
        uint64 expiration;
        uint64 tokenVersion;
        address grantor;
        uint64 templateId;
        uint64 templateEpoch;
        string source;
    }

    /// @notice A reusable set of privileges and terms that grants can be made from.
    struct Template {
        address creator;
        address asset;
        uint256 permissions;
        uint64 epoch;
        bool active;
        string source;
    }

    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(address asset,uint256 tokenId,address grantee,uint256 permissions,uint64 expiration,string source,uint256 nonce,uint256 deadline)"
    );
    /// @notice Longest accepted `source` URI, in bytes.
    uint256 public constant MAX_SOURCE_LENGTH = 512;
    /// @notice Mask of every privilege pair (bits 2..255): what an owner holds.
    uint256 public constant ALL_PRIVILEGES = type(uint256).max ^ 3;

    mapping(address asset => mapping(uint256 tokenId => mapping(address grantee => Grant))) private _grants;
    mapping(address asset => mapping(uint256 tokenId => uint64)) private _tokenVersion;
    mapping(uint256 templateId => Template) private _templates;
    uint64 private _lastTemplateId;

    /// @notice A grant was made or replaced.
    event PermissionsSet(
        address indexed asset,
        uint256 indexed tokenId,
        address indexed grantee,
        uint256 permissions,
        uint64 expiration,
        string source,
        address grantor,
        uint64 tokenVersion,
        uint64 templateId,
        uint64 templateEpoch
    );
    /// @notice The token's owner revoked a grant.
    event PermissionsRevoked(address indexed asset, uint256 indexed tokenId, address indexed grantee, address by);
    /// @notice The grantee gave up its grant.
    event PermissionsRenounced(address indexed asset, uint256 indexed tokenId, address indexed grantee);
    /// @notice The asset reported a transfer: every existing grant on the token is void.
    event TokenVersionBumped(address indexed asset, uint256 indexed tokenId, uint64 version);
    /// @notice A template was created.
    event TemplateCreated(uint64 indexed templateId, address indexed creator, address indexed asset, uint256 permissions, string source);
    /// @notice A template was activated or deactivated; `epoch` changes on every deactivation.
    event TemplateActiveSet(uint64 indexed templateId, bool active, uint64 epoch);

    error NotTokenOwner(address asset, uint256 tokenId, address caller);
    error InvalidGrantee(address grantee);
    error EmptyPermissions();
    error MalformedPermissions(uint256 permissions);
    error ExpirationInPast(uint64 expiration, uint256 nowTimestamp);
    error SourceTooLong(uint256 length, uint256 max);
    error GrantNotFound(address asset, uint256 tokenId, address grantee);
    error TemplateNotFound(uint64 templateId);
    error TemplateInactive(uint64 templateId);
    error TemplateAssetMismatch(uint64 templateId, address asset);
    error NotTemplateCreator(uint64 templateId, address caller);

    constructor() SignedActions("DIMO Permissions", "1") {}

    // ---------------------------------------------------------------- granting

    /// @notice Grants `grantee` the privileges in `permissions` over (`asset`, `tokenId`) until `expiration`.
    /// Replaces any earlier grant to the same grantee. Only the token's current owner.
    function grant(
        address asset,
        uint256 tokenId,
        address grantee,
        uint256 permissions,
        uint64 expiration,
        string calldata source
    ) external {
        address owner = _ownerOf(asset, tokenId);
        if (owner != msg.sender) revert NotTokenOwner(asset, tokenId, msg.sender);
        _setGrant(asset, tokenId, grantee, permissions, expiration, source, owner, 0, 0);
    }

    /// @notice Same as `grant`, submitted by anyone with the owner's EIP-712 signature (EOA or ERC-1271).
    function grantWithSignature(
        address asset,
        uint256 tokenId,
        address grantee,
        uint256 permissions,
        uint64 expiration,
        string calldata source,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address owner = _ownerOf(asset, tokenId);
        bytes32 structHash = keccak256(
            abi.encode(
                GRANT_TYPEHASH, asset, tokenId, grantee, permissions, expiration, keccak256(bytes(source)), nonce, deadline
            )
        );
        _useSignature(owner, structHash, nonce, deadline, signature);
        _setGrant(asset, tokenId, grantee, permissions, expiration, source, owner, 0, 0);
    }

    /// @notice Grants from an active template (its privileges and terms). Only the token's owner.
    function grantFromTemplate(address asset, uint256 tokenId, address grantee, uint64 templateId, uint64 expiration)
        external
    {
        address owner = _ownerOf(asset, tokenId);
        if (owner != msg.sender) revert NotTokenOwner(asset, tokenId, msg.sender);
        Template storage t = _templates[templateId];
        if (t.creator == address(0)) revert TemplateNotFound(templateId);
        if (!t.active) revert TemplateInactive(templateId);
        if (t.asset != asset) revert TemplateAssetMismatch(templateId, asset);
        _setGrant(asset, tokenId, grantee, t.permissions, expiration, t.source, owner, templateId, t.epoch);
    }

    /// @notice Revokes a grant. Only the token's current owner.
    function revoke(address asset, uint256 tokenId, address grantee) external {
        if (_ownerOf(asset, tokenId) != msg.sender) revert NotTokenOwner(asset, tokenId, msg.sender);
        if (_grants[asset][tokenId][grantee].grantor == address(0)) revert GrantNotFound(asset, tokenId, grantee);
        delete _grants[asset][tokenId][grantee];
        emit PermissionsRevoked(asset, tokenId, grantee, msg.sender);
    }

    /// @notice The grantee gives up its own grant.
    function renounce(address asset, uint256 tokenId) external {
        if (_grants[asset][tokenId][msg.sender].grantor == address(0)) revert GrantNotFound(asset, tokenId, msg.sender);
        delete _grants[asset][tokenId][msg.sender];
        emit PermissionsRenounced(asset, tokenId, msg.sender);
    }

    /// @notice Called by an asset contract on every transfer of `tokenId`: voids all grants on it.
    /// Only the asset contract itself can bump its own tokens' versions.
    function onTransfer(address, /* from */ uint256 tokenId) external {
        uint64 version = ++_tokenVersion[msg.sender][tokenId];
        emit TokenVersionBumped(msg.sender, tokenId, version);
    }

    // ---------------------------------------------------------------- templates

    /// @notice Creates an active template of privileges and terms for grants over `asset` tokens.
    function createTemplate(address asset, uint256 permissions, string calldata source) external returns (uint64 id) {
        _checkPermissions(permissions);
        if (bytes(source).length > MAX_SOURCE_LENGTH) revert SourceTooLong(bytes(source).length, MAX_SOURCE_LENGTH);
        id = ++_lastTemplateId;
        _templates[id] = Template(msg.sender, asset, permissions, 1, true, source);
        emit TemplateCreated(id, msg.sender, asset, permissions, source);
        emit TemplateActiveSet(id, true, 1);
    }

    /// @notice Activates or deactivates a template. Deactivation revokes every grant made from it.
    function setTemplateActive(uint64 templateId, bool active) external {
        Template storage t = _templates[templateId];
        if (t.creator == address(0)) revert TemplateNotFound(templateId);
        if (t.creator != msg.sender) revert NotTemplateCreator(templateId, msg.sender);
        if (t.active == active) return;
        t.active = active;
        if (!active) ++t.epoch;
        emit TemplateActiveSet(templateId, active, t.epoch);
    }

    // ---------------------------------------------------------------- reading

    /// @notice The subset of `permissions` that `grantee` holds now over the token. The owner holds all.
    function getPermissions(address asset, uint256 tokenId, address grantee, uint256 permissions)
        public
        view
        returns (uint256)
    {
        address owner = _ownerOf(asset, tokenId);
        if (owner == address(0)) return 0;
        if (grantee == owner) return permissions & ALL_PRIVILEGES;
        Grant storage g = _grants[asset][tokenId][grantee];
        if (!_inForce(asset, tokenId, g, owner)) return 0;
        return g.permissions & permissions;
    }

    /// @notice True when `grantee` holds privilege `privilegeId` over the token now.
    function hasPrivilege(address asset, uint256 tokenId, address grantee, uint256 privilegeId)
        external
        view
        returns (bool)
    {
        if (privilegeId == 0 || privilegeId > 127) return false;
        uint256 mask = 3 << (2 * privilegeId);
        return getPermissions(asset, tokenId, grantee, mask) == mask;
    }

    /// @notice True when `grantee` holds every privilege of `permissions` now.
    function hasPermissions(address asset, uint256 tokenId, address grantee, uint256 permissions)
        external
        view
        returns (bool)
    {
        return permissions != 0 && getPermissions(asset, tokenId, grantee, permissions) == permissions;
    }

    /// @notice The stored grant and whether it is in force now.
    function getGrant(address asset, uint256 tokenId, address grantee)
        external
        view
        returns (Grant memory stored, bool inForce)
    {
        stored = _grants[asset][tokenId][grantee];
        inForce = _inForce(asset, tokenId, _grants[asset][tokenId][grantee], _ownerOf(asset, tokenId));
    }

    /// @notice The transfer counter of a token, as reported by its asset contract.
    function tokenVersion(address asset, uint256 tokenId) external view returns (uint64) {
        return _tokenVersion[asset][tokenId];
    }

    /// @notice A template by id.
    function getTemplate(uint64 templateId) external view returns (Template memory) {
        return _templates[templateId];
    }

    // ---------------------------------------------------------------- internals

    function _setGrant(
        address asset,
        uint256 tokenId,
        address grantee,
        uint256 permissions,
        uint64 expiration,
        string memory source,
        address grantor,
        uint64 templateId,
        uint64 templateEpoch
    ) private {
        if (grantee == address(0) || grantee == grantor) revert InvalidGrantee(grantee);
        _checkPermissions(permissions);
        if (expiration <= block.timestamp) revert ExpirationInPast(expiration, block.timestamp);
        if (bytes(source).length > MAX_SOURCE_LENGTH) revert SourceTooLong(bytes(source).length, MAX_SOURCE_LENGTH);
        uint64 version = _tokenVersion[asset][tokenId];
        _grants[asset][tokenId][grantee] =
            Grant(permissions, expiration, version, grantor, templateId, templateEpoch, source);
        emit PermissionsSet(
            asset, tokenId, grantee, permissions, expiration, source, grantor, version, templateId, templateEpoch
        );
    }

    /// @dev A mask must be non-empty, leave bits 0-1 clear and set both bits of every privilege it names.
    function _checkPermissions(uint256 permissions) private pure {
        if (permissions == 0) revert EmptyPermissions();
        uint256 low = permissions & 0x5555555555555555555555555555555555555555555555555555555555555555;
        uint256 high = (permissions >> 1) & 0x5555555555555555555555555555555555555555555555555555555555555555;
        if (low != high || permissions & 3 != 0) revert MalformedPermissions(permissions);
    }

    function _inForce(address asset, uint256 tokenId, Grant storage g, address owner) private view returns (bool) {
        if (g.grantor == address(0) || g.grantor != owner) return false;
        if (block.timestamp >= g.expiration) return false;
        if (g.tokenVersion != _tokenVersion[asset][tokenId]) return false;
        if (g.templateId != 0) {
            Template storage t = _templates[g.templateId];
            if (!t.active || t.epoch != g.templateEpoch) return false;
        }
        return true;
    }

    /// @dev ownerOf that returns address(0) for nonexistent tokens or non-ERC-721 assets instead of reverting.
    function _ownerOf(address asset, uint256 tokenId) private view returns (address) {
        if (asset.code.length == 0) return address(0);
        try IERC721(asset).ownerOf(tokenId) returns (address owner) {
            return owner;
        } catch {
            return address(0);
        }
    }
}
