// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @notice The roles of the hardware ecosystem (role 0, DEFAULT_ADMIN_ROLE, is governance).
library HardwareRoles {
    bytes32 internal constant GOVERNANCE = 0x00;
    bytes32 internal constant INTEGRATIONS = keccak256("INTEGRATIONS_ROLE");
    bytes32 internal constant COUNCIL = keccak256("COUNCIL_ROLE");
    bytes32 internal constant PERFORMANCE_REPORTER = keccak256("PERFORMANCE_REPORTER_ROLE");
    bytes32 internal constant FOUNDATION = keccak256("FOUNDATION_ROLE");
    bytes32 internal constant LICENSE_ISSUER = keccak256("LICENSE_ISSUER_ROLE");
    bytes32 internal constant ARBITRATION = keccak256("ARBITRATION_ROLE");
}

/// @title HardwareAuthority
/// @notice Who may do what in the hardware ecosystem, in one place. Governance (the timelock,
/// holder of DEFAULT_ADMIN_ROLE) appoints the committees and wires the contracts:
/// - INTEGRATIONS_ROLE: [d]Integrations members (readouts, certification, bans, suspensions,
///   revocations, raising a maker's stake requirement; never slashing);
/// - COUNCIL_ROLE: [d]Council, the arbitration council that rules on challenges;
/// - PERFORMANCE_REPORTER_ROLE: reports device malfunctions and disconnections (the node's
///   device-performance service);
/// - FOUNDATION_ROLE: the DIMO foundation, which lends licence stake to makers of underserved devices;
/// - LICENSE_ISSUER_ROLE and ARBITRATION_ROLE: held by the LicenseApplications and Arbitration contracts.
contract HardwareAuthority is AccessControl {
    bytes32 public constant INTEGRATIONS_ROLE = HardwareRoles.INTEGRATIONS;
    bytes32 public constant COUNCIL_ROLE = HardwareRoles.COUNCIL;
    bytes32 public constant PERFORMANCE_REPORTER_ROLE = HardwareRoles.PERFORMANCE_REPORTER;
    bytes32 public constant FOUNDATION_ROLE = HardwareRoles.FOUNDATION;
    bytes32 public constant LICENSE_ISSUER_ROLE = HardwareRoles.LICENSE_ISSUER;
    bytes32 public constant ARBITRATION_ROLE = HardwareRoles.ARBITRATION;

    /// @notice Receives [d]Integrations' share of vested device stakes.
    address public integrationsTreasury;

    /// @notice The [d]Integrations treasury changed.
    event IntegrationsTreasurySet(address treasury);

    error InvalidTreasury(address treasury);

    /// @param governance Holds DEFAULT_ADMIN_ROLE (the timelock, or a deployer that hands over to it).
    /// @param integrationsTreasury_ Receives [d]Integrations' share of vested device stakes.
    constructor(address governance, address integrationsTreasury_) {
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _setIntegrationsTreasury(integrationsTreasury_);
    }

    /// @notice Sets where [d]Integrations' share of vested device stakes goes. Governance only.
    function setIntegrationsTreasury(address treasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setIntegrationsTreasury(treasury);
    }

    function _setIntegrationsTreasury(address treasury) private {
        if (treasury == address(0)) revert InvalidTreasury(treasury);
        integrationsTreasury = treasury;
        emit IntegrationsTreasurySet(treasury);
    }
}
