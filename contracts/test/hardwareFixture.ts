import {
  ALL_INTEGRATION_REQUIREMENTS,
  approveApplicationCall,
  castGovernanceVote,
  claimDevice,
  claimDeviceMessage,
  DEVNET_GOVERNANCE,
  delegateVotes,
  deployHardware,
  executeGovernance,
  type GovernanceCall,
  getDevice,
  type HardwareAddresses,
  type HardwareClient,
  mintLicensedDevices,
  mintVehicle,
  ProtocolError,
  pairDevice,
  proposeGovernance,
  queueGovernance,
  recordApplicationReadout,
  signTypedMessage,
  stakeLicense,
  submitLicenseApplication,
  transferDimo,
} from "@dimo-open/protocol";
import { deriveDevnetAccounts } from "@dimo-open/protocol/devnet";
import {
  type Address,
  createWalletClient,
  custom,
  type Hex,
  type LocalAccount,
  type PrivateKeyAccount,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { expect } from "vitest";
import { type Fixture, protocolFixture } from "./fixture.ts";

/** An account with a hardware-aware client. */
export interface HwActor {
  account: LocalAccount;
  address: Address;
  client: HardwareClient;
}

export interface HardwareFixture extends Fixture {
  hardware: HardwareAddresses;
  /** The core admin (holder of the DIMO supply and, delegated, of the votes). */
  gov: HwActor;
  integrations: HwActor;
  council: HwActor;
  reporter: HwActor;
  foundation: HwActor;
  makerHw: HwActor;
  aliceHw: HwActor;
  bobHw: HwActor;
  /** Receives [d]Integrations' share of vested device stakes. */
  integrationsTreasury: Address;
  /** The fixture maker's first (certified) model, when the fixture licensed it. */
  modelId: bigint;
  /** Runs a real proposal through the governor: propose, vote, queue, execute (with time travel). */
  governance(calls: readonly GovernanceCall[]): Promise<void>;
  /** Gives an account DIMO from the admin's supply. */
  fund(to: Address, amount: bigint): Promise<void>;
  /** The next block (and so the next transaction) gets exactly this timestamp. */
  nextTimestamp(timestamp: bigint): Promise<void>;
  /** Claims a device for `user`, mints a vehicle for them and pairs: the installation. */
  install(
    deviceId: bigint,
    key: PrivateKeyAccount,
    user: HwActor,
  ): Promise<{ vehicleId: bigint; installedAt: bigint }>;
  /** Mints `count` devices of the fixture model; returns their ids and secure-element keys. */
  mintDevices(count: number): Promise<{ deviceIds: bigint[]; keys: PrivateKeyAccount[] }>;
  /** Returns the chain to the state right after the fixture was built. */
  reset(): Promise<void>;
}

export const LICENSE_STAKE = parseEther("100000");
export const DEVICE_STAKE = parseEther("80");

let proposals = 0;

/**
 * The protocol fixture plus the hardware ecosystem deployed with devnet governance timing, its
 * committees appointed, and (unless `licensed: false`) the fixture's maker licensed through a real
 * governance vote and staked with 100,000 DIMO.
 */
export async function hardwareFixture(options: { licensed?: boolean } = {}): Promise<HardwareFixture> {
  const f = await protocolFixture();
  const keys = deriveDevnetAccounts(undefined, 11) as unknown as LocalAccount[];
  const chain = f.admin.walletClient.chain!;
  const transport = custom(f.devnet, { retryCount: 0 });
  const integrationsTreasury = keys[10]!.address;
  const hardware = await deployHardware(f.admin, f.addresses, {
    governance: DEVNET_GOVERNANCE,
    integrations: [keys[6]!.address],
    council: [keys[7]!.address],
    performanceReporters: [keys[8]!.address],
    foundation: [keys[9]!.address],
    integrationsTreasury,
  });
  // Accounts 8 and 9 are not funded by the devnet: give them gas.
  for (const k of [keys[8]!, keys[9]!]) {
    await f.devnet.request({ method: "hardhat_setBalance", params: [k.address, "0x56BC75E2D63100000"] });
  }
  const hw = (account: LocalAccount): HwActor => ({
    account,
    address: account.address,
    client: {
      publicClient: f.admin.publicClient,
      walletClient: createWalletClient({ chain, transport, account, pollingInterval: 20, cacheTime: 0 }),
      addresses: f.addresses,
      hardware,
    },
  });
  const gov = hw(f.adminAccount);
  await delegateVotes(gov.client, gov.address);

  const governance = async (calls: readonly GovernanceCall[]) => {
    const proposal = { calls, description: `hardware fixture proposal #${++proposals}` };
    const { proposalId } = await proposeGovernance(gov.client, proposal);
    await f.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1);
    await castGovernanceVote(gov.client, { proposalId, support: "for" });
    await f.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1);
    await queueGovernance(gov.client, proposal);
    await f.increaseTime(DEVNET_GOVERNANCE.timelockDelay + 1);
    await executeGovernance(gov.client, proposal);
  };
  const fund = async (to: Address, amount: bigint) => {
    await transferDimo(f.admin, { to, amount });
  };
  const makerHw = hw(f.maker.account);
  const aliceHw = hw(f.alice.account);
  const bobHw = hw(f.bob.account);
  const integrations = hw(keys[6]!);

  let modelId = 0n;
  if (options.licensed ?? true) {
    const { applicationId } = await submitLicenseApplication(makerHw.client, {
      manufacturerId: f.manufacturerId,
      regions: ["US", "EU"],
      categoryId: 1n,
      modelName: "FX-1 dash camera",
      modelSpecURI: "ipfs://fx-1-spec",
      metadataURI: "ipfs://fixture-devices-application",
    });
    await recordApplicationReadout(integrations.client, {
      applicationId,
      readoutURI: "ipfs://fx-1-readout",
      requirements: ALL_INTEGRATION_REQUIREMENTS,
      recommended: true,
    });
    await governance([approveApplicationCall(hardware, applicationId)]);
    modelId = 1n;
    await fund(makerHw.address, parseEther("1000000"));
    await stakeLicense(makerHw.client, { manufacturerId: f.manufacturerId, amount: LICENSE_STAKE });
  }
  await fund(aliceHw.address, parseEther("100000"));
  await fund(bobHw.address, parseEther("100000"));

  const nextTimestamp = async (timestamp: bigint) => {
    await f.devnet.request({ method: "evm_setNextBlockTimestamp", params: [Number(timestamp)] });
  };
  let snapshot = (await f.devnet.request({ method: "evm_snapshot", params: [] })) as Hex;

  return {
    ...f,
    hardware,
    gov,
    integrations,
    council: hw(keys[7]!),
    reporter: hw(keys[8]!),
    foundation: hw(keys[9]!),
    makerHw,
    aliceHw,
    bobHw,
    integrationsTreasury,
    modelId,
    governance,
    fund,
    nextTimestamp,
    async install(deviceId, key, user) {
      const msg = await claimDeviceMessage(user.client, {
        deviceId,
        deviceAddress: key.address,
        owner: user.address,
        deadline: (await f.now()) + 100_000_000n,
      });
      await claimDevice(user.client, msg, await signTypedMessage(key, msg));
      const { tokenId: vehicleId } = await mintVehicle(user.client, {
        manufacturerId: f.manufacturerId,
        make: "Toyota",
        model: "RAV4",
        year: 2021,
        definitionURI: "",
      });
      await pairDevice(user.client, { deviceId, vehicleId });
      const { installedAt } = await getDevice(user.client, deviceId);
      return { vehicleId, installedAt: BigInt(installedAt) };
    },
    async mintDevices(count) {
      const keys = Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()));
      const { tokenIds } = await mintLicensedDevices(makerHw.client, {
        manufacturerId: f.manufacturerId,
        modelId,
        devices: keys.map((k) => ({ deviceAddress: k.address })),
      });
      return { deviceIds: tokenIds, keys };
    },
    async reset() {
      await f.devnet.request({ method: "evm_revert", params: [snapshot] });
      snapshot = (await f.devnet.request({ method: "evm_snapshot", params: [] })) as Hex;
    },
  };
}

/** Awaits a revert with the custom error `errorName` and a message a person can act on. */
export async function rejects(promise: Promise<unknown>, errorName: string): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a revert with ${errorName}`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).errorName).toBe(errorName);
  expect((error as ProtocolError).message).not.toMatch(/The contract reverted with/);
  return error as ProtocolError;
}
