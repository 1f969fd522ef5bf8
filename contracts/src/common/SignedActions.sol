// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title SignedActions
/// @notice Base for contracts that accept EIP-712 signed authorisations. Every signed message carries
/// a per-signer nonce and a deadline, so a signature can be used once and only until it expires
/// (DIMO's registry signatures have neither and can be replayed). Signatures are checked with
/// OpenZeppelin's SignatureChecker, so ERC-1271 contract wallets sign exactly like EOAs.
abstract contract SignedActions is EIP712, Nonces {
    /// @notice The signature's deadline has passed.
    error SignatureExpired(uint256 deadline, uint256 nowTimestamp);
    /// @notice The signature does not recover to (or is not accepted by) the expected signer.
    error InvalidSignature(address expectedSigner);

    constructor(string memory name, string memory version) EIP712(name, version) {}

    /// @notice The EIP-712 domain separator of this contract (chain- and address-bound).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev Checks deadline, consumes `nonce` of `signer` (must be its current nonce) and verifies
    /// `signature` over the typed `structHash`. Reverts with a named error on any failure.
    function _useSignature(address signer, bytes32 structHash, uint256 nonce, uint256 deadline, bytes calldata signature)
        internal
    {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        _useCheckedNonce(signer, nonce);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(signer);
        }
    }
}
