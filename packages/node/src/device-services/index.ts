/**
 * Device services of the node (docs/device-services.md): configuration per vehicle (templates,
 * device settings, the repository of DBCs), OTA firmware releases with staged rollouts, and the
 * device performance service that flags malfunctioning and disconnected devices.
 */
export {
  type ConfigTemplate,
  type ConfigTemplateInput,
  DEFAULT_DEVICE_SETTINGS,
  DeviceConfigService,
  type DeviceConfigUrls,
  type DocumentRef,
  type PutResult,
  type ResolvedConfig,
  type StoredDocument,
  type TemplateRule,
} from "./config/config-service.ts";
export {
  CAN_PROTOCOLS,
  type CanProtocol,
  checkPidsDocument,
  checkSettingsDocument,
  type DeviceSettings,
  type DocumentKind,
  POWERTRAINS,
  type Powertrain,
} from "./config/documents.ts";
export {
  definitionIdOf,
  FingerprintProtocols,
  IdentityVehicleProfiles,
  type VehicleProfile,
  type VehicleProfiles,
} from "./config/vehicle-profile.ts";
export { bumpVersion, parseVersionedName, type VersionBump } from "./config/versions.ts";
export {
  DeviceServiceError,
  DeviceServiceForbiddenError,
  DeviceServiceNotFoundError,
  FIRMWARE_REFUSALS,
  type FirmwareRefusal,
  FirmwareReleaseError,
  InvalidDeviceConfigError,
} from "./errors.ts";
export {
  FIRMWARE_DOMAIN,
  FIRMWARE_MANIFEST_TYPES,
  FIRMWARE_ROLLOUT_TYPES,
  type FirmwareManifest,
  type FirmwareRollout,
  firmwareManifestDigest,
  type SignedFirmwareManifest,
  type SignedFirmwareRollout,
  signFirmwareManifest,
  signFirmwareRollout,
  verifyFirmwareManifest,
  verifyFirmwareRollout,
} from "./firmware/manifest.ts";
export {
  FIRMWARE_SIGNERS_ATTRIBUTE,
  type FirmwareOffer,
  type FirmwareRelease,
  FirmwareReleases,
  type FirmwareReleasesOptions,
  IdentityMakerKeys,
  type MakerKeys,
  type ReleaseStatus,
  rolloutBucket,
} from "./firmware/releases.ts";
export { createDeviceServicesHandler, type DeviceServicesOptions } from "./handler.ts";
export type { DeviceServicesHandler } from "./http.ts";
export { ChainDeviceCatalog, type DeviceCatalog } from "./performance/catalog.ts";
export { DecayedCounter } from "./performance/decayed.ts";
export { type EvidenceDocument, PerformanceEvidence } from "./performance/evidence.ts";
export {
  DEFAULT_THRESHOLDS,
  type DeviceDescription,
  type DeviceHealth,
  type DeviceObservation,
  type DeviceProblem,
  type DeviceStatus,
  type GroupPerformance,
  type PerformanceThresholds,
  type ProblemKind,
  REJECTION_CLASSES,
  type RejectionClass,
} from "./performance/model.ts";
export { AUTHENTICATED_TRANSPORTS, observeIngest } from "./performance/observe-ingest.ts";
export { aggregate, DevicePerformance, type DevicePerformanceOptions } from "./performance/performance.ts";
export { type Authenticate, apiTokenAuthenticator } from "./performance/routes.ts";
export { TelemetryFeed, type TelemetryFeedOptions } from "./performance/telemetry-feed.ts";
