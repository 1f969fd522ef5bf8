/**
 * @dimo-open/device — the reference device agent and the fleet simulator (docs/device.md):
 * key store behind a secure-element interface, CAN sources, the logger, power management,
 * store-and-forward uplink, pairing over Bluetooth GATT, OTA updates into A/B slots.
 */

// The agent
export { type AgentStatus, DeviceAgent, type DeviceAgentOptions } from "./agent/agent.ts";
export {
  type AgentConfig,
  AgentConfigSchema,
  createDeviceAgent,
  parseAgentConfig,
  readAgentConfig,
} from "./agent/agent-config.ts";
// Store-and-forward buffer
export {
  type BufferedEvent,
  type BufferedEventMeta,
  EventBuffer,
  type EventBufferOptions,
  type EventBufferStats,
} from "./buffer/event-buffer.ts";
export type { CanSource, FrameListener } from "./can/can-source.ts";
// CAN sources
export { type CandumpReplayOptions, CandumpReplaySource } from "./can/candump-replay-source.ts";
export { loadSocketCan, SocketCanSource, type SocketCanSourceOptions } from "./can/socketcan-source.ts";
export * from "./commands/index.ts";
// Device configuration
export {
  DeviceConfigClient,
  type DeviceConfigClientOptions,
  type DeviceConfigUrls,
} from "./config/config-client.ts";
export {
  type ConfigVersions,
  DeviceConfigStore,
  type DeviceConfiguration,
  type RefreshResult,
} from "./config/config-store.ts";
export { loggerConfigFromPidDocument } from "./config/pid-document.ts";
export { parseVersionedUrl, type VersionedRef } from "./config/versioned-url.ts";
// Errors
export {
  AgentConfigError,
  BufferError,
  CanSourceError,
  DeviceConfigError,
  DeviceError,
  KeystoreError,
  UplinkError,
} from "./errors.ts";
// Key store
export {
  type OpenFileKeystoreOptions,
  openFileKeystore,
  privateKeyElement,
  SOFTWARE_KEYSTORE_WARNING,
} from "./keystore/file-keystore.ts";
export {
  type KeyCustody,
  type SecureElement,
  signTypedMessageWithElement,
} from "./keystore/secure-element.ts";
// Logger
export { SignalLogger, type SignalLoggerOptions, type SignalLoggerStats } from "./logger/signal-logger.ts";
// OTA
export { OtaError, type OtaRefusal } from "./ota/errors.ts";
// (The manifest's format and signing are @dimo-open/protocol's: FIRMWARE_MANIFEST_TYPES, signFirmwareManifest, …)
export { verifyFirmwareManifest } from "./ota/manifest.ts";
export {
  FirmwareUpdater,
  type FirmwareUpdaterOptions,
  type InstallResult,
  type Slot,
  type UpdaterState,
} from "./ota/updater.ts";
// Pairing
export {
  type DeviceInfo,
  PAIRING_CHARACTERISTICS,
  PAIRING_PROTOCOL_VERSION,
  PAIRING_SERVICE_UUID,
  type PairingErrorCode,
  type SigningRequest,
  type SigningResponse,
} from "./pairing/gatt-profile.ts";
export {
  type InProcessConnectOptions,
  InProcessPairingTransport,
  numericComparisonValue,
} from "./pairing/in-process-transport.ts";
export {
  AttError,
  type GattClientLink,
  type GattServer,
  type LinkContext,
  type LinkSecurity,
} from "./pairing/link.ts";
export { PairingService, type PairingServiceOptions, pairingProof } from "./pairing/pairing-service.ts";
export {
  type ClaimAndPairParams,
  type ClaimAndPairResult,
  claimAndPairDevice,
  PairingError,
  readDeviceInfo,
  requestDeviceSignature,
} from "./pairing/phone-app.ts";
// Power management
export {
  initialPowerState,
  nextPowerDeadline,
  type PowerCapabilities,
  type PowerInput,
  type PowerMode,
  type PowerState,
  powerCapabilities,
  stepPower,
} from "./power/power.ts";
export {
  checkPowerSettings,
  DEFAULT_POWER_SETTINGS,
  type DeviceSettingsDocument,
  DeviceSettingsSchema,
  type PowerSettings,
  powerSettingsFromDocument,
} from "./power/settings.ts";
// Sensors
export {
  FileVoltageSensor,
  type Position,
  type PositionSource,
  type VoltageSensor,
} from "./sensors/sensors.ts";
// Simulator
export {
  createFleet,
  type FleetOptions,
  type FleetVehicle,
  type Misbehaviour,
  makeVin,
} from "./simulator/fleet.ts";
export {
  type SimulatedFleet,
  type SimulatedFleetOptions,
  simulatedDeviceElement,
  startSimulatedFleet,
} from "./simulator/fleet-runner.ts";
export {
  modelDatabase,
  modelDbcBytes,
  modelLoggerConfig,
  VEHICLE_MODEL_KEYS,
  VEHICLE_MODELS,
  type VehicleModel,
} from "./simulator/models.ts";
export { Random } from "./simulator/random.ts";
export { simulatedPosition, simulatedVoltage } from "./simulator/sensors.ts";
export { SimulatedCanSource, type SimulatedCanSourceOptions } from "./simulator/simulated-can-source.ts";
export { NO_FAULTS, SimulatedVehicle, type VehicleFaults, type VehicleTruth } from "./simulator/vehicle.ts";
// Uplink
export { CODEC_NAMES, codecByName } from "./uplink/codecs.ts";
export { Forwarder, type ForwarderOptions, type ForwarderStats } from "./uplink/forwarder.ts";
export { HttpUplink, type HttpUplinkOptions } from "./uplink/http-uplink.ts";
export { MqttUplink, type MqttUplinkOptions } from "./uplink/mqtt-uplink.ts";
export { type EventIdentity, Outbox, type OutboxOptions } from "./uplink/outbox.ts";
export { PersistentSequence } from "./uplink/sequence-store.ts";
export { deviceTopic, type Uplink, type UplinkMessage } from "./uplink/uplink.ts";
