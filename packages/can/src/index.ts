/**
 * @dimo-open/can — DBC parsing, compiled CAN decoders/encoders, frame validation (checksums,
 * counters, timeouts), OBD-II, candump logs, and the device logger configuration with its
 * runtime pipeline. Depends on nothing else of ours. See docs/can.md and docs/logger-config.md.
 */

// candump
export {
  type CandumpEntry,
  type CanFrame,
  formatCandumpLine,
  parseCandumpLine,
  readCandump,
} from "./candump/candump.ts";
// Codecs
export type { DecodedSignals, SignalValue } from "./codec/decoder.ts";
export type { EncodeInput, EncodeOptions } from "./codec/encoder.ts";
export type { PlanMux, PlanNode } from "./codec/plan.ts";
export { Database, type DatabaseInit, type DecodedFrame, type FrameInput } from "./dbc/database.ts";
export { decodeDbcBytes, loadDbcFile } from "./dbc/file.ts";
export { type DecodeOptions, Message } from "./dbc/message.ts";
export type {
  AttributeDefinition,
  AttributeObjectType,
  AttributeValue,
  ByteOrder,
  Choices,
  Diagnostic,
  DiagnosticCode,
  EnvironmentVariable,
  Node,
  RelationAttribute,
  Signal,
  SignalGroup,
  SignalValueType,
} from "./dbc/model.ts";
// DBC: parse → Database → Message → Signal
export { type ParseDbcOptions, parseDbc } from "./dbc/parser.ts";
// Errors
export {
  CandumpParseError,
  CanError,
  DbcSemanticError,
  DbcSyntaxError,
  EncodeError,
  FrameLengthError,
  LoggerConfigError,
  MultiplexerError,
  ObdError,
  type SourceLocation,
  UnitConversionError,
} from "./errors.ts";
export {
  LoggerPipeline,
  type LoggerPipelineOptions,
  type ObdPoll,
  type PipelineStats,
  type RawFrame,
  type SignalReading,
} from "./logger/pipeline.ts";
// Logger configuration and its runtime
export {
  LOGGER_CONFIG_SCHEMA_ID,
  LOGGER_CONFIG_VERSION,
  type LoggerConfig,
  type LoggerConfigInput,
  LoggerConfigSchema,
  loggerConfigJsonSchema,
  type SignalMapping,
  SignalNameSchema,
  validateLoggerConfig,
} from "./logger/schema.ts";
export { convertUnit, isKnownUnit, unitConverter, unitDimension } from "./logger/units.ts";
export { FormulaSet, formatPidFormula, type PidFormula, parsePidFormula } from "./obd/formula.ts";
export {
  flowControlFrame,
  type IsoTpEvent,
  type IsoTpOptions,
  IsoTpReceiver,
  segmentIsoTp,
} from "./obd/isotp.ts";
// OBD-II
export {
  buildObdRequest,
  buildObdResponse,
  decodeObdResponse,
  isObdResponseId,
  OBD_FUNCTIONAL_ID,
  OBD_FUNCTIONAL_ID_EXTENDED,
  type ObdFrame,
  type ObdPidValue,
  type ObdRequestOptions,
  type ObdResponse,
  obdRequestIdFor,
  singleFrameView,
} from "./obd/obd.ts";
export {
  decodeSupportedPids,
  OBD_PIDS,
  type ObdPid,
  type ObdPidField,
  obdPid,
  pidFormulas,
} from "./obd/pids.ts";
// Validation
export {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_FAMILIES,
  type ChecksumAlgorithm,
  type ChecksumFamily,
  type ChecksumField,
  detectChecksumFamily,
} from "./validation/checksums.ts";
export { type FrameCheck, FrameValidator, type FrameValidatorOptions } from "./validation/frame-validator.ts";
export { MessageTimeouts, type OverdueMessage } from "./validation/timeouts.ts";
