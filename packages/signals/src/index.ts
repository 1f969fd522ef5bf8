/**
 * @dimo-open/signals: the signal catalogue every layer shares. The catalogue is data
 * (catalogue.gen.ts, generated from DIMO's VSS-based definitions), loaded once; this entry
 * offers lookups, privileges, event names, unit conversion, device-field normalisation and
 * value validation over it. Depends on nothing of ours.
 */
export {
  CATALOGUE_SOURCE,
  canReadSignal,
  EVENTS,
  findSignal,
  findSignalByVssPath,
  getSignal,
  isKnownEvent,
  isKnownSignal,
  SIGNALS,
} from "./catalogue.ts";
export { InvalidVssPathError, SignalsError, UnknownSignalError } from "./errors.ts";
export { signalNameFromVssPath } from "./naming.ts";
export { PRIVILEGE_TOKEN_NAMES } from "./privileges.ts";
export {
  type NormalizedSourceSignal,
  normalizeSourceSignal,
  SOURCE_MAPPINGS,
  SOURCES,
  SourceValueError,
  type UnmappedReason,
} from "./sources/normalize.ts";
export type {
  Coordinates,
  EventDefinition,
  PrivilegeId,
  SignalDataType,
  SignalDefinition,
  SignalValue,
  SourceConversion,
  SourceMapping,
  SourceName,
} from "./types.ts";
export {
  canConvertUnit,
  canonicalUnit,
  convertUnit,
  IncompatibleUnitsError,
  UnknownUnitError,
} from "./units.ts";
export {
  MAX_STRING_LENGTH,
  type SignalValidation,
  SignalValueError,
  type SignalValueProblem,
  validateSignalValue,
} from "./validation.ts";
