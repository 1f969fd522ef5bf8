// The telemetry store and raw archive in the node's DuckDB file (schema.ts says what is kept).
export {
  type ArchivedEvent,
  type CloudEventFilter,
  type CloudEventHeader,
  type CloudEventTypeSummary,
  MAX_ARCHIVE_LIMIT,
  RawArchive,
} from "./archive.ts";
export { createTelemetrySchema, TELEMETRY_SCHEMA } from "./schema.ts";
export type { SignalRow, StoredEvent, VehicleEventRow, WriteOutcome } from "./types.ts";
export { TelemetryWriter } from "./writer.ts";
