import { type Abi, type Address, getAddress, type Hex, parseEther, zeroAddress } from "viem";
import {
  aftermarketDeviceIdAbi,
  arbitrationAbi,
  arbitrationBytecode,
  deviceModelsAbi,
  deviceModelsBytecode,
  deviceStakeAbi,
  deviceStakeBytecode,
  dimoGovernorAbi,
  dimoGovernorBytecode,
  dimoTimelockAbi,
  dimoTimelockBytecode,
  hardwareAuthorityAbi,
  hardwareAuthorityBytecode,
  licenseApplicationsAbi,
  licenseApplicationsBytecode,
  manufacturerIdAbi,
  manufacturerLicenseAbi,
  manufacturerLicenseBytecode,
  preorderSpotsAbi,
  preorderSpotsBytecode,
} from "../artifacts/index.ts";
import type { ProtocolAddresses, ProtocolClient } from "../client.ts";
import { toProtocolError } from "../errors.ts";
import { HARDWARE_ROLES, type HardwareAddresses } from "./addresses.ts";

/** Governance timing and thresholds. Periods are seconds: the DIMO token's votes use timestamps. */
export interface GovernanceSettings {
  /** Seconds between a proposal and the start of voting. */
  votingDelay: number;
  /** Seconds voting stays open. */
  votingPeriod: number;
  /** Seconds between queueing a passed proposal and executing it. */
  timelockDelay: number;
  /** Share of the total supply (%) that must vote for or abstain. */
  quorumPercent: number;
  /** Votes (wei of DIMO) needed to make a proposal. */
  proposalThreshold: bigint;
}

/** Production-like timing: a day's delay, a week's vote, two days in the timelock, 4% quorum. */
export const DEFAULT_GOVERNANCE: GovernanceSettings = {
  votingDelay: 86_400,
  votingPeriod: 7 * 86_400,
  timelockDelay: 2 * 86_400,
  quorumPercent: 4,
  proposalThreshold: 0n,
};

/** Short timing for the devnet and tests: a 1 s delay, a 1 h vote, 1 h in the timelock. */
export const DEVNET_GOVERNANCE: GovernanceSettings = {
  votingDelay: 1,
  votingPeriod: 3_600,
  timelockDelay: 3_600,
  quorumPercent: 4,
  proposalThreshold: 0n,
};

/** A device category: the stake each of its devices carries, and whether the foundation lends for it. */
export interface DeviceCategory {
  id: bigint;
  name: string;
  perDeviceStake: bigint;
  underserved: boolean;
}

/** The seed's example: a dash camera carries 80 DIMO. Further categories come through governance. */
export const DEFAULT_DEVICE_CATEGORIES: readonly DeviceCategory[] = [
  { id: 1n, name: "Dash camera", perDeviceStake: parseEther("80"), underserved: false },
];

export interface HardwareDeployOptions {
  governance?: GovernanceSettings;
  /** [d]Integrations members. */
  integrations?: readonly Address[];
  /** [d]Council members (arbitration). */
  council?: readonly Address[];
  /** Accounts that report device malfunctions and disconnections (the node's performance service). */
  performanceReporters?: readonly Address[];
  /** DIMO foundation accounts (lend licence stake for underserved categories). */
  foundation?: readonly Address[];
  /** Receives [d]Integrations' 5% of vested device stakes. Default: the timelock (the DAO). */
  integrationsTreasury?: Address;
  /** Device categories created at deployment. Default: DEFAULT_DEVICE_CATEGORIES. */
  categories?: readonly DeviceCategory[];
}

type Client = Omit<ProtocolClient, "addresses">;

async function deploy(client: Client, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
  const hash = await client.walletClient.deployContract({
    abi,
    bytecode,
    args,
    account: client.walletClient.account,
    chain: client.walletClient.chain,
  } as Parameters<typeof client.walletClient.deployContract>[0]);
  const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (!receipt.contractAddress || receipt.status !== "success") throw new Error(`deployment ${hash} failed`);
  return getAddress(receipt.contractAddress);
}

async function send(
  client: Client,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
): Promise<void> {
  const { request } = await client.publicClient.simulateContract({
    address,
    abi,
    functionName,
    args,
    account: client.walletClient.account,
    chain: client.walletClient.chain,
  } as Parameters<typeof client.publicClient.simulateContract>[0]);
  const hash = await client.walletClient.writeContract(
    request as Parameters<typeof client.walletClient.writeContract>[0],
  );
  const receipt = await client.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== "success") throw new Error(`${functionName} failed in ${hash}`);
}

function checkGovernance(g: GovernanceSettings): void {
  const whole = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (!whole(g.votingDelay, 0, 2 ** 48 - 1))
    throw new RangeError(`votingDelay ${g.votingDelay} is not 0..2^48-1 s`);
  if (!whole(g.votingPeriod, 1, 2 ** 32 - 1))
    throw new RangeError(`votingPeriod ${g.votingPeriod} is not 1..2^32-1 s`);
  if (!whole(g.timelockDelay, 0, 365 * 86_400))
    throw new RangeError(`timelockDelay ${g.timelockDelay} is not 0..1 year in seconds`);
  if (!whole(g.quorumPercent, 1, 100)) throw new RangeError(`quorumPercent ${g.quorumPercent} is not 1..100`);
  if (g.proposalThreshold < 0n) throw new RangeError(`proposalThreshold ${g.proposalThreshold} is negative`);
}

/**
 * Deploys the hardware ecosystem on top of a deployed protocol core and wires it in. `client` must
 * be the core's admin: it sets the device registry's lifecycle hook to DeviceStake and lets
 * LicenseApplications mint manufacturer identities. The DIMO governor and its timelock are
 * deployed too; the timelock ends up the only governance account of the HardwareAuthority.
 */
export async function deployHardware(
  client: Client,
  core: ProtocolAddresses,
  options: HardwareDeployOptions = {},
): Promise<HardwareAddresses> {
  const governance = options.governance ?? DEFAULT_GOVERNANCE;
  checkGovernance(governance);
  const deployer = client.walletClient.account.address;
  try {
    const timelock = await deploy(client, dimoTimelockAbi, dimoTimelockBytecode, [
      BigInt(governance.timelockDelay),
      [],
      [zeroAddress], // anyone may execute a passed, queued proposal
      deployer,
    ]);
    const governor = await deploy(client, dimoGovernorAbi, dimoGovernorBytecode, [
      core.dimoToken,
      timelock,
      governance.votingDelay,
      governance.votingPeriod,
      governance.proposalThreshold,
      BigInt(governance.quorumPercent),
    ]);
    const hardwareAuthority = await deploy(client, hardwareAuthorityAbi, hardwareAuthorityBytecode, [
      deployer,
      options.integrationsTreasury ?? timelock,
    ]);
    const manufacturerLicense = await deploy(client, manufacturerLicenseAbi, manufacturerLicenseBytecode, [
      hardwareAuthority,
      core.dimoToken,
      core.manufacturerId,
    ]);
    const deviceModels = await deploy(client, deviceModelsAbi, deviceModelsBytecode, [
      hardwareAuthority,
      manufacturerLicense,
      core.manufacturerId,
    ]);
    const licenseApplications = await deploy(client, licenseApplicationsAbi, licenseApplicationsBytecode, [
      hardwareAuthority,
      manufacturerLicense,
      deviceModels,
      core.manufacturerId,
    ]);
    const deviceStake = await deploy(client, deviceStakeAbi, deviceStakeBytecode, [
      hardwareAuthority,
      core.dimoToken,
      manufacturerLicense,
      deviceModels,
      core.aftermarketDeviceId,
    ]);
    const arbitration = await deploy(client, arbitrationAbi, arbitrationBytecode, [
      hardwareAuthority,
      core.dimoToken,
      manufacturerLicense,
      deviceStake,
    ]);
    const preorderSpots = await deploy(client, preorderSpotsAbi, preorderSpotsBytecode, [
      core.dimoToken,
      manufacturerLicense,
      deviceModels,
      deviceStake,
      core.aftermarketDeviceId,
    ]);

    // Governance: only the governor queues, and the timelock administers itself.
    const timelockRole = async (name: "PROPOSER_ROLE" | "CANCELLER_ROLE" | "DEFAULT_ADMIN_ROLE") =>
      client.publicClient.readContract({ address: timelock, abi: dimoTimelockAbi, functionName: name });
    await send(client, timelock, dimoTimelockAbi, "grantRole", [
      await timelockRole("PROPOSER_ROLE"),
      governor,
    ]);
    await send(client, timelock, dimoTimelockAbi, "grantRole", [
      await timelockRole("CANCELLER_ROLE"),
      governor,
    ]);
    await send(client, timelock, dimoTimelockAbi, "renounceRole", [
      await timelockRole("DEFAULT_ADMIN_ROLE"),
      deployer,
    ]);

    // Roles, then the initial categories, then hand the authority over to the timelock.
    const grant = (role: keyof typeof HARDWARE_ROLES, account: Address) =>
      send(client, hardwareAuthority, hardwareAuthorityAbi, "grantRole", [HARDWARE_ROLES[role], account]);
    await grant("licenseIssuer", licenseApplications);
    await grant("arbitration", arbitration);
    for (const a of options.integrations ?? []) await grant("integrations", a);
    for (const a of options.council ?? []) await grant("council", a);
    for (const a of options.performanceReporters ?? []) await grant("performanceReporter", a);
    for (const a of options.foundation ?? []) await grant("foundation", a);
    for (const c of options.categories ?? DEFAULT_DEVICE_CATEGORIES) {
      await send(client, deviceModels, deviceModelsAbi, "setCategory", [
        c.id,
        c.name,
        c.perDeviceStake,
        c.underserved,
      ]);
    }
    await grant("governance", timelock);
    await send(client, hardwareAuthority, hardwareAuthorityAbi, "renounceRole", [
      HARDWARE_ROLES.governance,
      deployer,
    ]);

    // Wire into the core (the client is the core's admin).
    await send(client, core.aftermarketDeviceId, aftermarketDeviceIdAbi, "setLifecycleHook", [deviceStake]);
    const minterRole = await client.publicClient.readContract({
      address: core.manufacturerId,
      abi: manufacturerIdAbi,
      functionName: "MANUFACTURER_MINTER_ROLE",
    });
    await send(client, core.manufacturerId, manufacturerIdAbi, "grantRole", [
      minterRole,
      licenseApplications,
    ]);

    return {
      governor,
      timelock,
      hardwareAuthority,
      manufacturerLicense,
      deviceModels,
      licenseApplications,
      deviceStake,
      arbitration,
      preorderSpots,
    };
  } catch (error) {
    throw toProtocolError(error);
  }
}
