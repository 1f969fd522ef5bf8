// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title WeeklyIssuance
/// @notice DIP-2's issuance schedule: 1,105,000 DIMO in each week of the first year, 15% less in
/// each following 52-week year (integer arithmetic, rounding down once per year, so the
/// off-chain calculation in packages/protocol is exactly the same).
library WeeklyIssuance {
    /// @notice Issuance of every week of year 0.
    uint256 internal constant INITIAL = 1_105_000 ether;
    /// @notice Weeks per issuance year.
    uint256 internal constant WEEKS_PER_YEAR = 52;
    /// @notice Each year's weekly issuance is this many percent of the previous year's.
    uint256 internal constant RETAINED_PERCENT = 85;

    /// @notice The cap of week `week` (0 = the first week after genesis).
    function amountOf(uint256 week) internal pure returns (uint256 amount) {
        amount = INITIAL;
        uint256 years_ = week / WEEKS_PER_YEAR;
        // Bounded: the amount reaches zero after ~340 years, and the loop stops there.
        for (uint256 y = 0; y < years_ && amount != 0; ++y) {
            amount = amount * RETAINED_PERCENT / 100;
        }
    }
}
