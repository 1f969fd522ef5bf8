// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title DimoToken
/// @notice The $DIMO token: ERC-20 with votes (governance), EIP-2612 permits and burning.
/// The whole supply of 1,000,000,000 DIMO is minted once, at deployment; there is no other mint.
contract DimoToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes {
    /// @notice Total supply minted at deployment (18 decimals).
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @param treasury Receives the entire initial supply.
    constructor(address treasury) ERC20("Dimo", "DIMO") ERC20Permit("Dimo") {
        _mint(treasury, INITIAL_SUPPLY);
    }

    /// @dev Votes use timestamps, so governance periods are in seconds on any chain.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @dev EIP-6372 clock description matching `clock()`.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
