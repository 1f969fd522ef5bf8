import { type Address, type Hex, keccak256, toBytes } from "viem";
import type { ProtocolClient, ProtocolReader } from "../client.ts";

/** Addresses of one deployment of the hardware ecosystem and its governance. */
export interface HardwareAddresses {
  governor: Address;
  timelock: Address;
  hardwareAuthority: Address;
  manufacturerLicense: Address;
  deviceModels: Address;
  licenseApplications: Address;
  deviceStake: Address;
  arbitration: Address;
  preorderSpots: Address;
}

/** A protocol reader that also knows the hardware deployment. */
export interface HardwareReader extends ProtocolReader {
  hardware: HardwareAddresses;
}

/** A protocol client (with a wallet) that also knows the hardware deployment. */
export interface HardwareClient extends ProtocolClient {
  hardware: HardwareAddresses;
}

/** Adds the hardware deployment to a protocol client or reader. */
export function withHardware<C extends ProtocolReader>(
  client: C,
  hardware: HardwareAddresses,
): C & { hardware: HardwareAddresses } {
  return { ...client, hardware };
}

const role = (name: string): Hex => keccak256(toBytes(name));

/** The roles of the HardwareAuthority (governance is role 0, held by the timelock). */
export const HARDWARE_ROLES = {
  governance: "0x0000000000000000000000000000000000000000000000000000000000000000",
  integrations: role("INTEGRATIONS_ROLE"),
  council: role("COUNCIL_ROLE"),
  performanceReporter: role("PERFORMANCE_REPORTER_ROLE"),
  foundation: role("FOUNDATION_ROLE"),
  licenseIssuer: role("LICENSE_ISSUER_ROLE"),
  arbitration: role("ARBITRATION_ROLE"),
} as const satisfies Record<string, Hex>;

export type HardwareRole = keyof typeof HARDWARE_ROLES;

/** The role's name for its hash, or the hash itself when it is not a hardware role. */
export function hardwareRoleName(hash: string): string {
  const found = Object.entries(HARDWARE_ROLES).find(([, h]) => h === hash.toLowerCase());
  return found ? found[0] : hash;
}

/** A month of the hardware ecosystem: 365.25 / 12 days, so 24 months are exactly two years. */
export const HARDWARE_MONTH = 2_629_800;
/** Months over which a device's locked stake vests. */
export const VESTING_MONTHS = 24;
/** How long a licence stake stays slashable after the licence ended. */
export const EXIT_WAITING_PERIOD = 6 * HARDWARE_MONTH;

/** Regions a maker registers for (bitmask of a licence application). */
export const REGIONS = { US: 1, EU: 2, UK: 4 } as const;
export type Region = keyof typeof REGIONS;

export function regionsMask(regions: readonly Region[]): number {
  return regions.reduce((mask, r) => mask | REGIONS[r], 0);
}

export function regionsOf(mask: number): Region[] {
  return (Object.keys(REGIONS) as Region[]).filter((r) => (mask & REGIONS[r]) !== 0);
}

/** The seven integration requirements of a DIMO-certified device (bits of a model's certification). */
export const INTEGRATION_REQUIREMENTS = {
  secureElement: 1,
  streamingInterface: 2,
  bluetooth: 4,
  powerManagement: 8,
  dbcLoggerConfiguration: 16,
  secureRuntime: 32,
  ota: 64,
} as const;
export type IntegrationRequirement = keyof typeof INTEGRATION_REQUIREMENTS;
export const ALL_INTEGRATION_REQUIREMENTS = Object.keys(INTEGRATION_REQUIREMENTS) as IntegrationRequirement[];

export function requirementsMask(requirements: readonly IntegrationRequirement[]): number {
  return requirements.reduce((mask, r) => mask | INTEGRATION_REQUIREMENTS[r], 0);
}

export function requirementsOf(mask: number): IntegrationRequirement[] {
  return ALL_INTEGRATION_REQUIREMENTS.filter((r) => (mask & INTEGRATION_REQUIREMENTS[r]) !== 0);
}
