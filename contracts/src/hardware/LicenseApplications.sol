// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ManufacturerId} from "../identity/ManufacturerId.sol";
import {HardwareAuthority, HardwareRoles} from "./HardwareAuthority.sol";
import {HardwareAuthorized} from "./HardwareAuthorized.sol";
import {ManufacturerLicense} from "./ManufacturerLicense.sol";
import {DeviceModels} from "./DeviceModels.sol";
import {MAX_URI_LENGTH, VESTING_MONTHS, MONTH} from "./HardwareTime.sol";

/// @title LicenseApplications
/// @notice How a maker becomes licensed: it applies (business, operating history, the first device
/// model's specification, test units, data samples or code repository and demo, regions);
/// [d]Integrations records the testers' readout; DIMO holders vote and the timelock approves or
/// rejects. Approval mints the maker's identity when it has none, issues its licence (valid once
/// staked) and registers its first model, certified with the readout. For underserved device
/// categories the foundation may instead issue a temporary licence and lend the stake.
contract LicenseApplications is HardwareAuthorized {
    enum Status {
        None,
        Submitted, // awaiting the testers' readout
        Reviewed, // readout recorded: ready for the vote
        Approved,
        Rejected,
        LoanLicensed // temporary licence on a foundation loan; governance may still approve it
    }

    /// @notice What a maker submits.
    struct ApplicationInput {
        uint256 manufacturerId; // an identity the applicant operates, or 0 to mint `name` at approval
        string name; // manufacturer name when a new identity is minted
        uint8 regions; // bitmask: 1 = US, 2 = EU, 4 = UK
        uint256 categoryId; // category of the first device model
        string modelName;
        string modelSpecURI;
        string metadataURI; // business, operating history, test units, data samples / repository and demo
    }

    struct Application {
        address applicant;
        Status status;
        uint8 requirements; // readout: integration requirements the test units met
        bool recommended; // readout: [d]Integrations' recommendation to the voters
        uint256 manufacturerId; // set at submission (existing identity) or at approval (new one)
        ApplicationInput input;
        string readoutURI;
    }

    /// @notice Longest term of a temporary (foundation-loan) licence.
    uint256 public constant MAX_LOAN_TERM = VESTING_MONTHS * MONTH;

    ManufacturerLicense public immutable licenses;
    DeviceModels public immutable models;
    ManufacturerId public immutable manufacturers;

    uint256 public lastApplicationId;
    mapping(uint256 applicationId => Application) private _applications;

    event ApplicationSubmitted(uint256 indexed applicationId, address indexed applicant, uint256 indexed manufacturerId, string name, uint8 regions, string metadataURI);
    event ApplicationAmended(uint256 indexed applicationId, string metadataURI);
    event InformationRequested(uint256 indexed applicationId, string questionsURI, address indexed by);
    event ReadoutRecorded(uint256 indexed applicationId, string readoutURI, uint8 requirements, bool recommended, address indexed by);
    event ApplicationApproved(uint256 indexed applicationId, uint256 indexed manufacturerId, uint256 modelId);
    event ApplicationRejected(uint256 indexed applicationId, string reasonURI);
    event LoanLicenseIssued(uint256 indexed applicationId, uint256 indexed manufacturerId, uint40 expiresAt, address indexed by);

    error ApplicationNotFound(uint256 applicationId);
    error InvalidApplicationStatus(uint256 applicationId, Status status);
    error NotApplicant(uint256 applicationId, address caller);
    error InvalidRegions(uint8 regions);
    error InvalidRequirements(uint8 requirements);
    error InvalidMetadata(uint256 length, uint256 max);
    error ManufacturerNameUnavailable(string name);
    error AlreadyLicensed(uint256 manufacturerId);
    error NotRecommended(uint256 applicationId);
    error CategoryNotUnderserved(uint256 categoryId);
    error InvalidLoanTerm(uint256 term, uint256 max);
    error NotManufacturerOperator(uint256 manufacturerId, address caller);

    constructor(
        HardwareAuthority authority_,
        ManufacturerLicense licenses_,
        DeviceModels models_,
        ManufacturerId manufacturers_
    ) HardwareAuthorized(authority_) {
        licenses = licenses_;
        models = models_;
        manufacturers = manufacturers_;
    }

    /// @notice Submits a licence application. With `manufacturerId` the caller must operate that
    /// identity; without it `name` must still be free (it is minted to the applicant at approval).
    function submit(ApplicationInput calldata input) external returns (uint256 applicationId) {
        if (input.regions == 0 || input.regions > 7) revert InvalidRegions(input.regions);
        _checkMetadata(input.metadataURI);
        if (bytes(input.metadataURI).length == 0) revert InvalidMetadata(0, MAX_URI_LENGTH);
        _checkMetadata(input.modelSpecURI);
        models.getCategory(input.categoryId);
        if (input.manufacturerId != 0) {
            if (!manufacturers.isOperator(input.manufacturerId, msg.sender)) {
                revert NotManufacturerOperator(input.manufacturerId, msg.sender);
            }
            ManufacturerLicense.Status status = licenses.getLicense(input.manufacturerId).status;
            if (status == ManufacturerLicense.Status.Active || status == ManufacturerLicense.Status.Suspended) {
                revert AlreadyLicensed(input.manufacturerId);
            }
        } else if (
            bytes(input.name).length == 0 || bytes(input.name).length > manufacturers.MAX_TEXT_LENGTH()
                || manufacturers.idByName(input.name) != 0
        ) {
            revert ManufacturerNameUnavailable(input.name);
        }
        applicationId = ++lastApplicationId;
        Application storage a = _applications[applicationId];
        a.applicant = msg.sender;
        a.status = Status.Submitted;
        a.manufacturerId = input.manufacturerId;
        a.input = input;
        emit ApplicationSubmitted(applicationId, msg.sender, input.manufacturerId, input.name, input.regions, input.metadataURI);
    }

    /// @notice [d]Integrations asks the applicant for more information or clarifications.
    function requestInformation(uint256 applicationId, string calldata questionsURI)
        external
        only(HardwareRoles.INTEGRATIONS)
    {
        _pending(applicationId);
        _checkMetadata(questionsURI);
        emit InformationRequested(applicationId, questionsURI, msg.sender);
    }

    /// @notice The applicant replaces its metadata (answers, new samples); a recorded readout is
    /// cleared, since the testers must look again.
    function amend(uint256 applicationId, string calldata metadataURI) external {
        Application storage a = _pending(applicationId);
        if (a.applicant != msg.sender) revert NotApplicant(applicationId, msg.sender);
        _checkMetadata(metadataURI);
        a.input.metadataURI = metadataURI;
        a.status = Status.Submitted;
        a.readoutURI = "";
        emit ApplicationAmended(applicationId, metadataURI);
    }

    /// @notice Records the testers' readout: which integration requirements the test units met and
    /// whether [d]Integrations recommends approval. [d]Integrations.
    function recordReadout(uint256 applicationId, string calldata readoutURI, uint8 requirements, bool recommended)
        external
        only(HardwareRoles.INTEGRATIONS)
    {
        Application storage a = _pending(applicationId);
        _checkMetadata(readoutURI);
        if (bytes(readoutURI).length == 0) revert InvalidMetadata(0, MAX_URI_LENGTH);
        if (requirements > models.ALL_REQUIREMENTS()) revert InvalidRequirements(requirements);
        a.readoutURI = readoutURI;
        a.requirements = requirements;
        a.recommended = recommended;
        a.status = Status.Reviewed;
        emit ReadoutRecorded(applicationId, readoutURI, requirements, recommended, msg.sender);
    }

    /// @notice Approves a reviewed application after the holders' vote: issues the provisional
    /// licence (valid once staked) and registers the first model. Also makes a foundation-loan
    /// licence permanent. Governance (the timelock) only.
    function approve(uint256 applicationId) external only(HardwareRoles.GOVERNANCE) {
        Application storage a = _applications[applicationId];
        if (a.status == Status.LoanLicensed) {
            a.status = Status.Approved;
            licenses.issue(a.manufacturerId, a.input.regions, 0);
            emit ApplicationApproved(applicationId, a.manufacturerId, 0);
            return;
        }
        if (a.status != Status.Reviewed) revert InvalidApplicationStatus(applicationId, a.status);
        a.status = Status.Approved;
        uint256 modelId = _license(a, 0);
        emit ApplicationApproved(applicationId, a.manufacturerId, modelId);
    }

    /// @notice Rejects an application after the holders' vote. Governance (the timelock) only.
    function reject(uint256 applicationId, string calldata reasonURI) external only(HardwareRoles.GOVERNANCE) {
        _pending(applicationId);
        _checkMetadata(reasonURI);
        _applications[applicationId].status = Status.Rejected;
        emit ApplicationRejected(applicationId, reasonURI);
    }

    /// @notice Issues a temporary licence for an underserved category, recommended by
    /// [d]Integrations, that the foundation backs with a loan (`ManufacturerLicense.fundLoan`).
    /// Governance may later approve the same application to make it permanent. Foundation only.
    function issueLoanLicense(uint256 applicationId, uint256 term) external only(HardwareRoles.FOUNDATION) {
        Application storage a = _applications[applicationId];
        if (a.status != Status.Reviewed) revert InvalidApplicationStatus(applicationId, a.status);
        if (!a.recommended) revert NotRecommended(applicationId);
        if (!models.getCategory(a.input.categoryId).underserved) revert CategoryNotUnderserved(a.input.categoryId);
        if (term == 0 || term > MAX_LOAN_TERM) revert InvalidLoanTerm(term, MAX_LOAN_TERM);
        a.status = Status.LoanLicensed;
        uint40 expiresAt = uint40(block.timestamp + term);
        _license(a, expiresAt);
        emit LoanLicenseIssued(applicationId, a.manufacturerId, expiresAt, msg.sender);
    }

    /// @notice An application.
    function getApplication(uint256 applicationId) external view returns (Application memory) {
        Application storage a = _applications[applicationId];
        if (a.status == Status.None) revert ApplicationNotFound(applicationId);
        return a;
    }

    function _license(Application storage a, uint40 expiresAt) private returns (uint256 modelId) {
        uint256 manufacturerId = a.manufacturerId;
        if (manufacturerId == 0) {
            manufacturerId = manufacturers.mint(a.input.name, a.applicant);
            a.manufacturerId = manufacturerId;
        }
        licenses.issue(manufacturerId, a.input.regions, expiresAt);
        modelId = models.registerApprovedModel(
            manufacturerId, a.input.categoryId, a.input.modelName, a.input.modelSpecURI, a.requirements, a.readoutURI
        );
    }

    function _pending(uint256 applicationId) private view returns (Application storage a) {
        a = _applications[applicationId];
        if (a.status == Status.None) revert ApplicationNotFound(applicationId);
        if (a.status != Status.Submitted && a.status != Status.Reviewed) {
            revert InvalidApplicationStatus(applicationId, a.status);
        }
    }

    function _checkMetadata(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert InvalidMetadata(bytes(uri).length, MAX_URI_LENGTH);
    }
}
