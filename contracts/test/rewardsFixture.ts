import {
  buyCredits,
  claimDevice,
  claimDeviceMessage,
  deployPayments,
  deployRewards,
  issueDevLicense,
  mintDevices,
  mintVehicle,
  type PaymentsAddresses,
  type PaymentsClient,
  type ProtocolClient,
  pairDevice,
  publishPriceList,
  type RewardsAddresses,
  type RewardsClient,
  registerNode,
  signTypedMessage,
  transferDimo,
  type UsageRecord,
  usageRequestId,
} from "@dimo-open/protocol";
import { type LocalAccount, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Actor, type Fixture, protocolFixture } from "./fixture.ts";

export interface MoneyFixture extends Fixture {
  rewardsAddresses: RewardsAddresses;
  paymentsAddresses: PaymentsAddresses;
  /** Week 0 starts here. */
  genesis: bigint;
  /** The admin (governance, publisher, arbiter, price oracle, treasury) with every deployment. */
  gov: RewardsClient & PaymentsClient;
  money(actor: Actor | ProtocolClient): RewardsClient & PaymentsClient;
  /** Mints a vehicle for `owner` and pairs a freshly minted, claimed device with it. */
  installDevice(
    owner: Actor,
    manufacturerId?: bigint,
  ): Promise<{ vehicleId: bigint; deviceId: bigint; deviceKey: LocalAccount }>;
}

/**
 * The protocol fixture plus DimoRewards (pool funded, a 1-hour challenge window) and the payments
 * contracts (DIMO at $0.10, payout pool funded), all governed by the fixture's admin.
 */
export async function moneyFixture(
  options: { poolFunding?: bigint; challengeWindow?: bigint } = {},
): Promise<MoneyFixture> {
  const f = await protocolFixture();
  const genesis = await f.now();
  const rewardsAddresses = await deployRewards(f.admin, {
    genesis,
    poolFunding: options.poolFunding,
    challengeWindow: options.challengeWindow ?? 3_600n,
    challengeBond: 1_000n * 10n ** 18n,
  });
  const paymentsAddresses = await deployPayments(f.admin);
  const money = (a: Actor | ProtocolClient) => {
    const client = "client" in a ? a.client : a;
    return { ...client, rewards: rewardsAddresses, payments: paymentsAddresses };
  };
  return {
    ...f,
    rewardsAddresses,
    paymentsAddresses,
    genesis,
    gov: money(f.admin),
    money,
    async installDevice(owner, manufacturerId = f.manufacturerId) {
      const deviceKey = privateKeyToAccount(generatePrivateKey());
      const { tokenIds } = await mintDevices(f.maker.client, {
        manufacturerId,
        devices: [{ deviceAddress: deviceKey.address }],
      });
      const deviceId = tokenIds[0]!;
      const msg = await claimDeviceMessage(owner.client, {
        deviceId,
        deviceAddress: deviceKey.address,
        owner: owner.address,
        deadline: (await f.now()) + 600n,
      });
      await claimDevice(owner.client, msg, await signTypedMessage(deviceKey, msg));
      const { tokenId: vehicleId } = await mintVehicle(owner.client, {
        manufacturerId: f.manufacturerId,
        make: "Ford",
        model: "F-150",
        year: 2021,
        definitionURI: "",
      });
      await pairDevice(owner.client, { deviceId, vehicleId });
      return { vehicleId, deviceId, deviceKey };
    },
  };
}

/** Expects `promise` to reject with a ProtocolError named `errorName`; returns it. */
export async function rejection(
  promise: Promise<unknown>,
  errorName: string,
): Promise<Error & { errorName?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { errorName?: string },
  );
  if (!error) throw new Error(`expected ${errorName}, but the call succeeded`);
  if (error.errorName !== errorName)
    throw new Error(`expected ${errorName}, got ${error.errorName ?? error.message}`);
  return error;
}

/** A developer licence held by `app` with credits, and a node run by `bob` with a price list. */
export async function marketFixture(f: MoneyFixture, credits = 1000n) {
  const dev = f.money(f.app);
  const operator = f.money(f.bob);
  await transferDimo(f.admin, { to: f.app.address, amount: parseEther("1000") });
  const { tokenId: licenseId } = await issueDevLicense(f.app.client, { alias: "fleet-app" });
  if (credits > 0n) await buyCredits(dev, { licenseId, credits });
  const nodeKey = privateKeyToAccount(generatePrivateKey());
  const { nodeId } = await registerNode(operator, {
    signer: nodeKey.address,
    endpoint: "https://node.example",
  });
  const { version } = await publishPriceList(operator, {
    nodeId,
    items: [
      { operation: "telemetry_query", creditsPerUnit: 1n },
      { operation: "webhook_delivery", creditsPerUnit: 2n },
    ],
    uri: "https://node.example/v1/credits/prices",
  });
  await f.increaseTime(5);
  return { dev, operator, licenseId, nodeId, nodeKey, priceVersion: version };
}

export async function record(
  f: MoneyFixture,
  id: string,
  item: number,
  units: number,
  vehicleId = 1n,
): Promise<UsageRecord> {
  return { requestId: usageRequestId(id), at: (await f.now()) * 1000n, vehicleId, item, units };
}
