/**
 * Sets up the demo network on a freshly deployed devnet, through the same contract calls a real
 * network sees: the hardware ecosystem, rewards and payments are deployed; a hardware maker
 * applies, is reviewed and approved by a real governance vote (in real seconds), stakes and mints
 * devices whose keys are the simulator's; vehicle owners mint vehicles matching the simulated
 * cars, claim the devices with the devices' signatures and pair them; a developer takes a
 * licence, names its signer and redirect URIs, buys credits, and the owners grant it access.
 *
 * Work that does not depend on the vote (vehicles, the developer's licence, grants) runs while
 * the vote is open, each account in its own sequence (one account's transactions must go one at
 * a time: nonces).
 */
import {
  ALL_INTEGRATION_REQUIREMENTS,
  approveApplicationCall,
  buyCredits,
  DEVNET_GOVERNANCE,
  delegateVotes,
  deployHardware,
  deployPayments,
  deployRewards,
  enableSigner,
  eventOf,
  type GovernanceSettings,
  getLicenseApplication,
  type HardwareAddresses,
  type HardwareClient,
  issueDevLicense,
  mintManufacturer,
  type PaymentsAddresses,
  type PaymentsClient,
  publishPriceList,
  type RewardsAddresses,
  recordApplicationReadout,
  registerNode,
  setManufacturerConnectionClass,
  setRedirectUri,
  stakeLicense,
  submitLicenseApplication,
  transferDimo,
  WEEK_SECONDS,
} from "@dimo-open/protocol";
import type { DevnetNetwork } from "@dimo-open/protocol/devnet";
import { createWalletClient, custom, type LocalAccount, parseEther } from "viem";
import { simulatedDevice } from "./fleet.ts";
import { passProposal } from "./governance.ts";
import { DEVNET_REWARDS, type DevnetRewardsSchedule } from "./options.ts";
import {
  claimAndPair,
  grantVehicles,
  mintSimulatedDevices,
  mintSimulatedVehicles,
  simulatedModel,
} from "./provision.ts";
import { STACK_FORMAT, type StackRecord } from "./record.ts";
import { DEMO_ROLE_NAMES, DEMO_ROLES, type DemoRole, demoAccounts } from "./roles.ts";

/** Governance timing on a live devnet: short, in real seconds (the chain clock is the wall clock). */
export const LIVE_DEVNET_GOVERNANCE: GovernanceSettings = {
  ...DEVNET_GOVERNANCE,
  votingDelay: 1,
  votingPeriod: 3,
  timelockDelay: 1,
};

export const DEMO_MAKER = { name: "Open Dongle Co.", modelName: "OD-1 LTE OBD-II dongle" } as const;
export const DEMO_LICENSE_STAKE = parseEther("100000");
export const DEMO_APP_ALIAS = "demo-app";
/** Vehicle privileges the owners grant the demo app: history, commands, location, approximate location. */
export const DEMO_GRANT_PRIVILEGES = [1, 2, 4, 8] as const;
export const DEMO_GRANT_DAYS = 30;
export const DEMO_CREDITS = 100_000n;
export const DEMO_GRANT_SOURCE = "urn:dimo-devnet:demo-app:terms";

/** The node's price list on the devnet: one on-chain credit per credit its ledger charges. */
export const DEMO_NODE_PRICES = [
  { operation: "telemetry_query", creditsPerUnit: 1n },
  { operation: "webhook_delivery", creditsPerUnit: 1n },
] as const;

export interface DemoSetupOptions {
  /** How many simulated vehicles get a device, a vehicle NFT, a pairing and a grant. */
  vehicles: number;
  /** The simulated fleet's seed. */
  seed: string;
  /** Redirect URIs (sign-in domains) of the demo app, e.g. the console's origin. */
  redirectUris: readonly string[];
  governance?: GovernanceSettings;
  rewards?: DevnetRewardsSchedule;
  /** The node's public URL (recorded as its endpoint in the node registry). */
  nodeUrl?: string;
  onStep?: (step: string) => void;
}

type Actor = HardwareClient & PaymentsClient & { account: LocalAccount };

export async function setUpDemoNetwork(network: DevnetNetwork, o: DemoSetupOptions): Promise<StackRecord> {
  const step = o.onStep ?? (() => {});
  const { deployment } = network;
  const provider = network.devnet.provider;
  const governance = o.governance ?? LIVE_DEVNET_GOVERNANCE;
  const accounts = demoAccounts();
  const admin = network.admin;

  const hardware: HardwareAddresses = await deployHardware(admin, deployment.addresses, {
    governance,
    integrations: [accounts.integrations.address],
    council: [accounts.council.address],
    performanceReporters: [accounts.reporter.address],
    foundation: [accounts.foundation.address],
  });
  step("hardware ecosystem deployed: governor, timelock, licences, device stakes, arbitration");
  const payments: PaymentsAddresses = await deployPayments(admin);
  step("payments deployed: credits, node registry, usage settlement");

  const transport = custom(provider, { retryCount: 0 });
  const actor = (role: DemoRole): Actor => ({
    account: accounts[role],
    publicClient: admin.publicClient,
    walletClient: createWalletClient({
      chain: network.chain,
      transport,
      account: accounts[role],
      pollingInterval: 20,
      cacheTime: 0,
    }),
    addresses: deployment.addresses,
    hardware,
    payments,
  });
  const gov = actor("admin");
  const maker = actor("maker");
  const developer = actor("developer");
  const owners = [actor("alice"), actor("bob")] as const;

  // The treasury funds the maker's stake and the developer's credits; the deployer's DIMO votes.
  await delegateVotes(gov, gov.account.address);
  await transferDimo(gov, { to: maker.account.address, amount: parseEther("1000000") });
  await transferDimo(gov, { to: developer.account.address, amount: parseEther("10000") });
  // Owners hold some DIMO too: a challenge against a maker needs a bond.
  for (const owner of owners)
    await transferDimo(gov, { to: owner.account.address, amount: parseEther("10000") });
  const makes = [...new Set(Array.from({ length: o.vehicles }, (_, i) => simulatedModel(i).make))];
  const carMakers: { name: string; manufacturerId: bigint }[] = [];
  for (const name of makes) {
    const { tokenId } = await mintManufacturer(gov, { name, owner: gov.account.address });
    carMakers.push({ name, manufacturerId: tokenId });
  }

  // The maker applies; [d]Integrations records the testers' readout (all seven requirements met).
  const { applicationId } = await submitLicenseApplication(maker, {
    name: DEMO_MAKER.name,
    regions: ["US", "EU", "UK"],
    categoryId: 1n,
    modelName: DEMO_MAKER.modelName,
    modelSpecURI: "urn:dimo-devnet:od-1:specification",
    metadataURI: "urn:dimo-devnet:open-dongle:application",
  });
  await recordApplicationReadout(actor("integrations"), {
    applicationId,
    readoutURI: "urn:dimo-devnet:od-1:readout",
    requirements: ALL_INTEGRATION_REQUIREMENTS,
    recommended: true,
  });
  step(`${DEMO_MAKER.name} applied for a licence; the testers' readout is recorded`);

  const licensing = passProposal(
    gov,
    provider,
    {
      calls: [approveApplicationCall(hardware, applicationId)],
      description: `Approve ${DEMO_MAKER.name} (application ${applicationId})`,
    },
    (s) => step(`governance: ${s}`),
  );

  // Meanwhile: the owners' vehicles (alternating owners), and the developer's licence.
  const indexesOf = owners.map((_, slot) =>
    Array.from({ length: o.vehicles }, (_, i) => i).filter((i) => i % owners.length === slot),
  );
  const manufacturerOf = (make: string) => carMakers.find((m) => m.name === make)!.manufacturerId;
  const mintingVehicles = Promise.all(
    owners.map((owner, slot) => mintSimulatedVehicles(owner, indexesOf[slot]!, manufacturerOf)),
  );
  const now = BigInt(Math.floor(Date.now() / 1000));
  const developerSetup = (async () => {
    const { tokenId: licenseId, clientId } = await issueDevLicense(developer, { alias: DEMO_APP_ALIAS });
    await enableSigner(developer, {
      tokenId: licenseId,
      signer: developer.account.address,
      expiresAt: now + 365n * 86_400n,
    });
    for (const uri of o.redirectUris)
      await setRedirectUri(developer, { tokenId: licenseId, uri, enabled: true });
    await buyCredits(developer, { licenseId, credits: DEMO_CREDITS });
    return { licenseId, clientId };
  })();
  const [{ licenseId, clientId }, vehiclesOf] = await Promise.all([developerSetup, mintingVehicles]);
  step(
    `developer licence ${licenseId} (${DEMO_APP_ALIAS}) issued with a signer, redirect URIs and credits; ${o.vehicles} vehicles minted`,
  );
  const grantExpiresAt = now + BigInt(DEMO_GRANT_DAYS * 86_400);
  await Promise.all(
    owners.map((owner, slot) =>
      grantVehicles(owner, {
        vehicleIds: [...vehiclesOf[slot]!.values()],
        grantee: clientId,
        privileges: DEMO_GRANT_PRIVILEGES,
        expiration: grantExpiresAt,
        source: DEMO_GRANT_SOURCE,
      }),
    ),
  );
  step(
    `owners granted ${DEMO_APP_ALIAS} privileges ${DEMO_GRANT_PRIVILEGES.join(", ")} for ${DEMO_GRANT_DAYS} days`,
  );

  const { proposalId, executed } = await licensing;
  const { manufacturerId } = await getLicenseApplication(maker, applicationId);
  const modelId = eventOf(executed, "ModelSubmitted").args.modelId;
  step(
    `${DEMO_MAKER.name} licensed by governance (manufacturer ${manufacturerId}, model ${modelId} certified)`,
  );
  await stakeLicense(maker, { manufacturerId, amount: DEMO_LICENSE_STAKE });
  const allIndexes = Array.from({ length: o.vehicles }, (_, i) => i);
  const deviceIds = await mintSimulatedDevices(maker, { manufacturerId, modelId, indexes: allIndexes });
  step(`maker staked ${DEMO_LICENSE_STAKE / 10n ** 18n} DIMO and minted ${deviceIds.size} devices`);

  // Each owner claims its devices with the device's own signature, then pairs them.
  await Promise.all(
    owners.map((owner, slot) =>
      claimAndPair(
        owner,
        indexesOf[slot]!.map((index) => ({
          index,
          deviceId: deviceIds.get(index)!,
          vehicleId: vehiclesOf[slot]!.get(index)!,
        })),
      ),
    ),
  );
  step("owners claimed their devices with the devices' signatures and paired them");

  // The demo node's identity: registered by its operator, which also signs its settlements.
  const operator = actor("operator");
  const { nodeId } = await registerNode(operator, {
    signer: operator.account.address,
    endpoint: o.nodeUrl ?? "http://127.0.0.1:8080",
  });
  await publishPriceList(operator, {
    nodeId,
    items: DEMO_NODE_PRICES,
    uri: `${(o.nodeUrl ?? "http://127.0.0.1:8080").replace(/\/$/, "")}/v1/credits/prices`,
  });
  step(`node ${nodeId} registered by the operator, with its price list`);

  // Rewards last: week 0 ends a fixed time after the setup, whatever the setup took.
  const schedule = o.rewards ?? DEVNET_REWARDS;
  const latest = (await admin.publicClient.getBlock()).timestamp;
  const rewardsGenesis = latest + BigInt(schedule.firstWeekSeconds) - BigInt(WEEK_SECONDS);
  const rewards: RewardsAddresses = await deployRewards(admin, {
    genesis: rewardsGenesis,
    challengeWindow: BigInt(schedule.challengeWindowSeconds),
    publishers: [operator.account.address],
  });
  // The demo maker's OD-1 is an LTE dongle: DIP-2's highest connection class.
  await setManufacturerConnectionClass({ ...gov, rewards }, { manufacturerId, connectionClass: 1 });
  step(
    `rewards deployed: week 0 ends in ${schedule.firstWeekSeconds} s, claims open ${schedule.challengeWindowSeconds} s after the node publishes it`,
  );

  const ownerRoles = ["alice", "bob"] as const;
  const vehicles = allIndexes.map((index) => {
    const slot = index % owners.length;
    const model = simulatedModel(index);
    return {
      index,
      owner: ownerRoles[slot]!,
      deviceId: deviceIds.get(index)!.toString(),
      deviceAddress: simulatedDevice(index).address,
      vehicleId: vehiclesOf[slot]!.get(index)!.toString(),
      make: model.make,
      model: model.model,
      year: model.year,
    };
  });
  return {
    format: STACK_FORMAT,
    createdAt: new Date().toISOString(),
    chainId: deployment.chainId,
    startBlock: deployment.startBlock,
    addresses: deployment.addresses,
    hardware,
    rewards,
    payments,
    operator: { nodeId: nodeId.toString() },
    rewardsGenesis: Number(rewardsGenesis),
    governance: {
      votingDelay: governance.votingDelay,
      votingPeriod: governance.votingPeriod,
      timelockDelay: governance.timelockDelay,
    },
    accounts: DEMO_ROLE_NAMES.map((role) => ({
      role,
      index: DEMO_ROLES[role].index,
      address: accounts[role].address,
      description: DEMO_ROLES[role].description,
    })),
    maker: {
      name: DEMO_MAKER.name,
      manufacturerId: manufacturerId.toString(),
      applicationId: applicationId.toString(),
      proposalId: proposalId.toString(),
      modelId: modelId.toString(),
      modelName: DEMO_MAKER.modelName,
      licenseStake: DEMO_LICENSE_STAKE.toString(),
    },
    carMakers: carMakers.map((m) => ({ name: m.name, manufacturerId: m.manufacturerId.toString() })),
    fleet: { seed: o.seed, vehicles },
    developer: {
      licenseId: licenseId.toString(),
      clientId,
      alias: DEMO_APP_ALIAS,
      signer: developer.account.address,
      redirectUris: [...o.redirectUris],
      credits: DEMO_CREDITS.toString(),
      grant: {
        privileges: [...DEMO_GRANT_PRIVILEGES],
        expiresAt: Number(grantExpiresAt),
        source: DEMO_GRANT_SOURCE,
      },
    },
  };
}
