// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title DimoTimelock
/// @notice Executes what DIMO governance passed, after `minDelay` seconds, so that holders can
/// see (and exit before) every change. It is the governance account of the hardware ecosystem.
contract DimoTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and executing a passed proposal.
    /// @param proposers Accounts allowed to queue (the governor).
    /// @param executors Accounts allowed to execute; the zero address means anyone.
    /// @param admin Optional bootstrap admin (renounced after wiring); zero for none.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
