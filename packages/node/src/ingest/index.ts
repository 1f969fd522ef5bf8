// Node ingest: devices' signed events → verified, paired, normalised, committed (docs/ingest.md).
export { AdmissionPool } from "./admission-pool.ts";
export {
  type AdmissionPolicy,
  type AdmittedEvent,
  admitMessage,
  bindToChain,
  dedupKey,
  type MessageOrigin,
  type VerifiedMessage,
  verifyMessage,
} from "./admit.ts";
export { CLOUDEVENTS_BATCH, splitJsonArray } from "./batch.ts";
export {
  httpStatusOf,
  INGEST_REJECTION_REASONS,
  IngestCommitError,
  IngestRejectedError,
  type IngestRejectionReason,
} from "./errors.ts";
export { type IngestServer, type IngestServerOptions, startIngestServer } from "./http.ts";
export { createIngest, type Ingest, type IngestOptions, type IngestOutcome } from "./ingest.ts";
export { type MqttBroker, type MqttBrokerOptions, startMqttBroker } from "./mqtt/broker.ts";
export {
  consumeExternalBroker,
  type ExternalBrokerConsumer,
  type ExternalBrokerOptions,
} from "./mqtt/external.ts";
export {
  DEFAULT_LOGIN_SKEW_MS,
  DeviceLoginError,
  deviceLoginCredentials,
  deviceLoginMessage,
  LOGIN_PREFIX,
  type LoginFailure,
  verifyDeviceLogin,
} from "./mqtt/login.ts";
export { deviceOfTopic, rejectionsTopic } from "./mqtt/topics.ts";
export { type DropReason, type NormalizedPayload, normalizePayload } from "./normalize.ts";
export { keccak256Bytes, verifyDeviceSignature } from "./signature.ts";
