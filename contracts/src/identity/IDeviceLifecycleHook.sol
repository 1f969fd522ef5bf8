// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDeviceLifecycleHook
/// @notice What the device registry tells the hardware-licensing layer: devices were minted (so
/// the maker's licence can be checked and per-device stake taken), and a device was installed
/// (its first pairing with a vehicle, which starts its stake's burn/lock/vesting schedule).
interface IDeviceLifecycleHook {
    /// @notice Called before `count` devices of `manufacturerId` are minted by `minter`; reverts to refuse.
    function onDevicesMinted(uint256 manufacturerId, address minter, uint256 firstTokenId, uint256 count) external;

    /// @notice Called once per device, at its first pairing with a vehicle.
    function onDeviceInstalled(uint256 deviceId, uint256 manufacturerId, uint256 vehicleId, address user) external;
}
