// @dimo-open/stream: the streaming interface between devices and nodes (docs/streaming.md).

export { canonicalJson } from "./canonical.ts";
export { AVRO_CONTENT_TYPE, AVRO_SCHEMA, avroCodec } from "./codec/avro/codec.ts";
export type { CodecName, DecodedEnvelope, EventCodec } from "./codec/codec.ts";
export { CODECS, codecForContentType, sniffCodec } from "./codec/content-type.ts";
export { CLOUDEVENTS_JSON, gzipJsonCodec, jsonCodec } from "./codec/json.ts";
export { PROTOBUF_CONTENT_TYPE, PROTOBUF_MESSAGE, protobufCodec } from "./codec/protobuf/codec.ts";
export { DEFAULT_LIMITS, type StreamLimits } from "./envelope/limits.ts";
export {
  type ParsedCloudEvent,
  type ParsedEvent,
  type ParsedLegacyStatus,
  type ParseOptions,
  parseEvent,
} from "./envelope/parse.ts";
export { eventKey, eventSignals, type SignalSample } from "./envelope/samples.ts";
export {
  type AttestationData,
  AttestationDataSchema,
  type CloudEventAttributes,
  CloudEventSchema,
  type DimoCloudEvent,
  EVENT_TYPES,
  type EventDataByType,
  type EventsData,
  EventsDataSchema,
  type EventType,
  type FingerprintData,
  FingerprintDataSchema,
  LEGACY_STATUS_TYPE,
  type LegacyStatusEvent,
  LegacyStatusSchema,
  MAX_SEQUENCE,
  type Signal,
  SignalSchema,
  type SignalsData,
  SignalsDataSchema,
  type StatusData,
  StatusDataSchema,
  type VehicleEvent,
  VehicleEventSchema,
  VIN_PATTERN,
} from "./envelope/schema.ts";
export { validateCloudEvent } from "./envelope/validate.ts";
export {
  EventRejectedError,
  REJECTION_REASONS,
  type RejectionReason,
  SignerError,
  StreamError,
} from "./errors.ts";
export type { JsonObject, JsonValue } from "./json.ts";
export {
  DEFAULT_LOGIN_SKEW_MS,
  type DeviceLogin,
  deviceLoginCredentials,
  deviceLoginMessage,
  LOGIN_PREFIX,
} from "./login.ts";
export {
  hashPair,
  type Keccak,
  MAX_SIGNED_BATCH,
  merkleRootFromProof,
  merkleTree,
  proofHex,
  readProof,
  recoverBatchSigner,
  signDeviceEventBatch,
} from "./signature/batch.ts";
export {
  canonicalEventBytes,
  DEVICE_EVENT_BATCH_TYPEHASH,
  DEVICE_EVENT_BATCH_TYPES,
  DEVICE_EVENT_TYPES,
  type DeviceEventMessage,
  deviceEventBatchDigest,
  deviceEventDigest,
  deviceEventStructHash,
  domainSeparator,
  eventHash,
  legacyDataDigest,
  SIGNATURE_DOMAIN_NAME,
  SIGNATURE_DOMAIN_VERSION,
} from "./signature/digest.ts";
export { deviceEventMessage } from "./signature/message.ts";
export { type RecoveryBackend, recoverAddress, recoveryBackend } from "./signature/recover.ts";
export { checkSequence, SequenceCounter, type SequenceStatus } from "./signature/sequence.ts";
export {
  type DeviceSigner,
  privateKeySigner,
  signDeviceEvent,
  type UnsignedDeviceEvent,
} from "./signature/sign.ts";
export { type RecoverableSignature, readSignature, toLowS } from "./signature/signature.ts";
export { type VerifiedSignature, type VerifyOptions, verifyEventSignature } from "./signature/verify.ts";
export { rfc3339Millis } from "./time.ts";
