// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev A month of the hardware ecosystem: 365.25 / 12 days = 30.4375 days = 2,629,800 s, so that
/// 24 months are exactly two (Julian) years and 6 months exactly half a year.
uint256 constant MONTH = 2_629_800;
/// @dev Vesting of a device's locked stake: 1/24 per month.
uint256 constant VESTING_MONTHS = 24;
/// @dev How long a licence stake stays slashable after the licence ends (renounced, revoked, expired).
uint256 constant EXIT_WAITING_PERIOD = 6 * MONTH;
/// @dev Longest URI (evidence, metadata, readout) stored on chain, in bytes.
uint256 constant MAX_URI_LENGTH = 256;
