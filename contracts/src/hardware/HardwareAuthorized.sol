// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {HardwareAuthority} from "./HardwareAuthority.sol";

/// @title HardwareAuthorized
/// @notice Base of the hardware contracts: role checks against the shared HardwareAuthority, so
/// that governance appoints a committee once for all of them.
abstract contract HardwareAuthorized {
    HardwareAuthority public immutable authority;

    /// @notice `account` lacks `role` in the HardwareAuthority.
    error MissingRole(bytes32 role, address account);

    constructor(HardwareAuthority authority_) {
        authority = authority_;
    }

    modifier only(bytes32 role) {
        _checkRole(role, msg.sender);
        _;
    }

    function _checkRole(bytes32 role, address account) internal view {
        if (!authority.hasRole(role, account)) revert MissingRole(role, account);
    }
}
