import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * The telemetry store in the node's DuckDB file.
 *
 * - `cloud_events`: the raw archive, one row per accepted event (the Fetch API reads it). Its
 *   primary key is a 128-bit hash of DIMO's dedup key (subject, time, type, source, id as the
 *   device sent them), so a replayed event is ignored. `header` is the envelope without `data`
 *   as sent; `data` is the exact data text (legacy signatures stay checkable).
 * - `signals`: the long table of catalogue values, one row per (event, signal sample).
 * - `vehicle_events`: the events of `data.events` (harsh braking, …).
 *
 * `subject` is always the vehicle DID and `producer` the device DID that the chain index vouched
 * for at ingest (an AutoPi legacy message names only its device address). Times are UTC.
 */
export const TELEMETRY_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS cloud_events (
    event_key UHUGEINT PRIMARY KEY,
    subject VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    type VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    producer VARCHAR NOT NULL,
    specversion VARCHAR NOT NULL,
    dataversion VARCHAR,
    signer VARCHAR NOT NULL,
    signature_scheme VARCHAR NOT NULL,
    sequence BIGINT,
    received_at TIMESTAMP NOT NULL,
    transport VARCHAR NOT NULL,
    header VARCHAR NOT NULL,
    data VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS signals (
    subject VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    name VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    producer VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    value_number DOUBLE,
    value_string VARCHAR,
    value_location STRUCT(latitude DOUBLE, longitude DOUBLE, hdop DOUBLE)
  )`,
  `CREATE TABLE IF NOT EXISTS vehicle_events (
    subject VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    name VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    producer VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    duration_ns BIGINT,
    metadata VARCHAR
  )`,
];

export async function createTelemetrySchema(connection: DuckDBConnection): Promise<void> {
  for (const statement of TELEMETRY_SCHEMA) await connection.run(statement);
}
