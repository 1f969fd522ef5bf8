// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title DevLicenseAccount
/// @notice The client id of a developer licence: an ERC-1271 account that accepts a signature when
/// it recovers to a signer the licence has enabled and not yet expired. Apps sign in with these keys.
contract DevLicenseAccount is IERC1271 {
    DevLicense public immutable license;
    uint256 public immutable tokenId;

    constructor(DevLicense license_, uint256 tokenId_) {
        license = license_;
        tokenId = tokenId_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && license.isSigner(tokenId, signer)) {
            return IERC1271.isValidSignature.selector;
        }
        return 0xffffffff;
    }
}

/// @title DevLicense
/// @notice Soulbound developer licences. Each licence has a client id (a DevLicenseAccount, an
/// ERC-1271 contract), signer keys the owner enables with an expiry and can disable, redirect URIs
/// (the sign-in domains) and an optional unique alias. Licences cannot be transferred.
contract DevLicense is ERC721 {
    /// @notice Longest alias and redirect URI, in bytes; most redirect URIs per licence.
    uint256 public constant MAX_ALIAS_LENGTH = 64;
    uint256 public constant MAX_URI_LENGTH = 256;
    uint256 public constant MAX_REDIRECT_URIS = 32;

    uint256 private _lastId;
    mapping(uint256 tokenId => address clientId) private _clientIdOf;
    mapping(address clientId => uint256 tokenId) private _tokenIdOfClient;
    mapping(uint256 tokenId => mapping(address signer => uint64 expiresAt)) private _signerExpiry;
    mapping(uint256 tokenId => string) private _alias;
    mapping(bytes32 aliasHash => uint256 tokenId) private _tokenIdOfAlias;
    mapping(uint256 tokenId => string[]) private _redirectUris;

    /// @notice A licence was issued with its client id.
    event LicenseIssued(uint256 indexed tokenId, address indexed owner, address indexed clientId);
    /// @notice A signer key was enabled until `expiresAt` (unix seconds).
    event SignerEnabled(uint256 indexed tokenId, address indexed signer, uint64 expiresAt);
    /// @notice A signer key was disabled.
    event SignerDisabled(uint256 indexed tokenId, address indexed signer);
    /// @notice A redirect URI was added or removed.
    event RedirectUriSet(uint256 indexed tokenId, string uri, bool enabled);
    /// @notice The alias changed ("" clears it).
    event AliasSet(uint256 indexed tokenId, string licenseAlias);

    error NotLicenseOwner(uint256 tokenId, address caller);
    error LicenseNotFound(uint256 tokenId);
    error LicenseIsSoulbound(uint256 tokenId);
    error InvalidSigner(address signer);
    error SignerExpiryInPast(uint64 expiresAt);
    error AliasTaken(string licenseAlias, uint256 tokenId);
    error AliasInvalid(string licenseAlias);
    error RedirectUriInvalid(string uri);
    error RedirectUriExists(string uri);
    error RedirectUriNotFound(string uri);
    error TooManyRedirectUris(uint256 max);

    constructor() ERC721("DIMO Developer License", "DLX") {}

    /// @notice Issues a licence to the caller and deploys its client-id account.
    /// @param licenseAlias Optional unique alias ("" for none).
    function issue(string calldata licenseAlias) external returns (uint256 tokenId, address clientId) {
        tokenId = ++_lastId;
        clientId = address(new DevLicenseAccount{salt: bytes32(tokenId)}(this, tokenId));
        _clientIdOf[tokenId] = clientId;
        _tokenIdOfClient[clientId] = tokenId;
        _mint(msg.sender, tokenId);
        emit LicenseIssued(tokenId, msg.sender, clientId);
        if (bytes(licenseAlias).length != 0) _setAlias(tokenId, licenseAlias);
    }

    /// @notice Enables `signer` until `expiresAt` (re-enabling changes the expiry). Owner only.
    function enableSigner(uint256 tokenId, address signer, uint64 expiresAt) external {
        _checkOwner(tokenId);
        if (signer == address(0)) revert InvalidSigner(signer);
        if (expiresAt <= block.timestamp) revert SignerExpiryInPast(expiresAt);
        _signerExpiry[tokenId][signer] = expiresAt;
        emit SignerEnabled(tokenId, signer, expiresAt);
    }

    /// @notice Disables `signer`. Owner only.
    function disableSigner(uint256 tokenId, address signer) external {
        _checkOwner(tokenId);
        if (_signerExpiry[tokenId][signer] == 0) revert InvalidSigner(signer);
        delete _signerExpiry[tokenId][signer];
        emit SignerDisabled(tokenId, signer);
    }

    /// @notice Adds (`enabled`) or removes a redirect URI. Owner only.
    function setRedirectUri(uint256 tokenId, string calldata uri, bool enabled) external {
        _checkOwner(tokenId);
        uint256 len = bytes(uri).length;
        if (len == 0 || len > MAX_URI_LENGTH) revert RedirectUriInvalid(uri);
        string[] storage uris = _redirectUris[tokenId];
        bytes32 h = keccak256(bytes(uri));
        uint256 n = uris.length;
        for (uint256 i = 0; i < n; ++i) {
            if (keccak256(bytes(uris[i])) == h) {
                if (enabled) revert RedirectUriExists(uri);
                uris[i] = uris[n - 1];
                uris.pop();
                emit RedirectUriSet(tokenId, uri, false);
                return;
            }
        }
        if (!enabled) revert RedirectUriNotFound(uri);
        if (n >= MAX_REDIRECT_URIS) revert TooManyRedirectUris(MAX_REDIRECT_URIS);
        uris.push(uri);
        emit RedirectUriSet(tokenId, uri, true);
    }

    /// @notice Sets or clears ("") the licence's unique alias. Owner only.
    function setAlias(uint256 tokenId, string calldata licenseAlias) external {
        _checkOwner(tokenId);
        _setAlias(tokenId, licenseAlias);
    }

    /// @notice True when `signer` is enabled for the licence and not expired.
    function isSigner(uint256 tokenId, address signer) public view returns (bool) {
        return _signerExpiry[tokenId][signer] > block.timestamp;
    }

    /// @notice Expiry of a signer (0 when never enabled or disabled).
    function signerExpiry(uint256 tokenId, address signer) external view returns (uint64) {
        return _signerExpiry[tokenId][signer];
    }

    /// @notice The licence's client id (its ERC-1271 account).
    function clientIdOf(uint256 tokenId) external view returns (address) {
        if (_clientIdOf[tokenId] == address(0)) revert LicenseNotFound(tokenId);
        return _clientIdOf[tokenId];
    }

    /// @notice Licence id of a client id, 0 when none.
    function tokenIdOfClient(address clientId) external view returns (uint256) {
        return _tokenIdOfClient[clientId];
    }

    /// @notice Licence id of an alias, 0 when none.
    function tokenIdOfAlias(string calldata licenseAlias) external view returns (uint256) {
        return _tokenIdOfAlias[keccak256(bytes(licenseAlias))];
    }

    /// @notice The licence's alias ("" when none).
    function aliasOf(uint256 tokenId) external view returns (string memory) {
        return _alias[tokenId];
    }

    /// @notice The licence's redirect URIs.
    function redirectUris(uint256 tokenId) external view returns (string[] memory) {
        return _redirectUris[tokenId];
    }

    /// @notice True when `uri` is one of the licence's redirect URIs.
    function isRedirectUri(uint256 tokenId, string calldata uri) external view returns (bool) {
        string[] storage uris = _redirectUris[tokenId];
        bytes32 h = keccak256(bytes(uri));
        for (uint256 i = 0; i < uris.length; ++i) {
            if (keccak256(bytes(uris[i])) == h) return true;
        }
        return false;
    }

    /// @notice Number of licences issued.
    function totalSupply() external view returns (uint256) {
        return _lastId;
    }

    function _setAlias(uint256 tokenId, string calldata licenseAlias) private {
        bytes memory a = bytes(licenseAlias);
        if (a.length > MAX_ALIAS_LENGTH) revert AliasInvalid(licenseAlias);
        bytes32 h = keccak256(a);
        uint256 holder = _tokenIdOfAlias[h];
        if (a.length != 0 && holder != 0 && holder != tokenId) revert AliasTaken(licenseAlias, holder);
        string memory old = _alias[tokenId];
        if (bytes(old).length != 0) delete _tokenIdOfAlias[keccak256(bytes(old))];
        _alias[tokenId] = licenseAlias;
        if (a.length != 0) _tokenIdOfAlias[h] = tokenId;
        emit AliasSet(tokenId, licenseAlias);
    }

    function _checkOwner(uint256 tokenId) private view {
        address owner = _ownerOf(tokenId);
        if (owner == address(0)) revert LicenseNotFound(tokenId);
        if (owner != msg.sender) revert NotLicenseOwner(tokenId, msg.sender);
    }

    /// @dev Soulbound: only minting is allowed.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) revert LicenseIsSoulbound(tokenId);
    }
}
