// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ERC721Holder} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Holder.sol";

/// @title SmartWallet
/// @notice A minimal contract wallet: one EOA owner executes calls through it, and it signs with
/// ERC-1271 by accepting hashes its owner signed. Fleets and custodians hold vehicles this way;
/// the protocol must treat it exactly like an EOA.
contract SmartWallet is IERC1271, ERC721Holder {
    address public immutable owner;

    error NotOwner(address caller);
    error CallFailed(address target, bytes returnData);

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Executes a call from the wallet. Owner only.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) revert CallFailed(target, ret);
        return ret;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    receive() external payable {}
}
