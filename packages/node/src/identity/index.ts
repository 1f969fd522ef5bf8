/** The identity index: what the chain says about manufacturers, vehicles, devices, grants and licences. */
export { InvalidIdentityQueryError } from "./errors.ts";
export { IdentityIndex } from "./identityIndex.ts";
export type {
  AftermarketDevice,
  DeviceFilter,
  DevLicense,
  DevLicenseSigner,
  Grant,
  GrantStatus,
  Manufacturer,
  Page,
  PageArgs,
  Pairing,
  RewardClaim,
  RewardsWeek,
  Vehicle,
  VehicleFilter,
} from "./model.ts";
export { MAX_PAGE_SIZE } from "./pagination.ts";
export { protocolEventSources } from "./protocolSources.ts";
export { rewardsEventSources } from "./rewardsSources.ts";
export { DeviceTimeline } from "./timeline.ts";
export type { DeviceDirectory, DeviceResolution } from "./types.ts";
export { IdentityWriter } from "./writer.ts";
