import type { PrivilegeId } from "./types.ts";

/**
 * DIMO's privilege ids and their vehicle-token permission names (shared/reference/dimo-api.md).
 * Kept here as plain data so the catalogue depends on nothing of ours; the chain-facing
 * definitions live in @dimo-open/protocol and use the same numbers.
 */
export const PRIVILEGE_TOKEN_NAMES: Readonly<Record<PrivilegeId, string>> = {
  1: "privilege:GetNonLocationHistory",
  2: "privilege:ExecuteCommands",
  3: "privilege:GetCurrentLocation",
  4: "privilege:GetLocationHistory",
  5: "privilege:GetVINCredential",
  6: "privilege:GetLiveData",
  7: "privilege:GetRawData",
  8: "privilege:GetApproximateLocation",
};

/** The GraphQL enum names DIMO's definitions use for `requiredPrivileges`, to ids. */
export const PRIVILEGE_BY_GRAPHQL_ENUM: Readonly<Record<string, PrivilegeId>> = {
  VEHICLE_NON_LOCATION_DATA: 1,
  VEHICLE_COMMANDS: 2,
  VEHICLE_CURRENT_LOCATION: 3,
  VEHICLE_ALL_TIME_LOCATION: 4,
  VEHICLE_VIN_CREDENTIAL: 5,
  VEHICLE_RAW_DATA: 7,
  VEHICLE_APPROXIMATE_LOCATION: 8,
};
