// The node's settlement job: charged usage → signed on-chain settlements → revenue; who paid for a vehicle.
export {
  type DeviceFailureReport,
  type DevicePerformanceSource,
  DeviceStakeJob,
  type DeviceStakeRun,
  TelemetryDisconnections,
} from "./deviceStake.ts";
export { type SettledBatch, SettlementJob, type SettlementJobOptions, type SettlementRun } from "./job.ts";
export { LedgerUsageSource, type MeteredRequest, type UsageSource } from "./usage.ts";
export { type VehiclePayment, vehiclePayments } from "./vehiclePayments.ts";
