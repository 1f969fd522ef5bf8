// The node's weekly rewards job: activity from the telemetry store, allocations, published inputs.
export {
  type DeviceActivity,
  DuckDbWeeklyActivity,
  type VehicleActivity,
  type WeeklyActivitySource,
} from "./activity.ts";
export { ProtocolRewardsChainView, type RewardsChainView } from "./chainView.ts";
export { rewardsInputsRoute } from "./http.ts";
export { type PublishedWeek, RewardsJob, type RewardsJobOptions, RewardsWeekConflictError } from "./job.ts";
export { InvalidInputsHashError, RewardsInputsStore } from "./store.ts";
