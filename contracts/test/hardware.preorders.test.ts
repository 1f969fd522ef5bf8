import {
  buyPreorderSpot,
  cancelPreorderSeries,
  claimDevice,
  claimDeviceMessage,
  confirmPreorderDelivery,
  deliverPreorderSpot,
  dimoBalanceOf,
  getPreorderSeries,
  getPreorderSpot,
  openPreorderSeries,
  type PreorderTerms,
  preorderSpotsAbi,
  refundPreorderSpot,
  signTypedMessage,
  suspendLicense,
  writeContract,
} from "@dimo-open/protocol";
import { type PrivateKeyAccount, parseEther } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type HardwareFixture, type HwActor, hardwareFixture, rejects } from "./hardwareFixture.ts";

const PRICE = parseEther("250");

let f: HardwareFixture;
beforeAll(async () => {
  f = await hardwareFixture();
});
beforeEach(async () => {
  await f.reset();
});
afterAll(async () => {
  await f.close();
});

async function terms(overrides: Partial<PreorderTerms> = {}): Promise<PreorderTerms> {
  const now = Number(await f.now());
  return {
    manufacturerId: f.manufacturerId,
    modelId: f.modelId,
    price: PRICE,
    deliveryFrom: now + 30 * 86_400,
    deliveryUntil: now + 90 * 86_400,
    refundRule: "ifNotDeliveredInWindow",
    supply: 2,
    ...overrides,
  };
}

async function claimFor(user: HwActor, deviceId: bigint, key: PrivateKeyAccount) {
  const msg = await claimDeviceMessage(user.client, {
    deviceId,
    deviceAddress: key.address,
    owner: user.address,
    deadline: (await f.now()) + 600n,
  });
  await claimDevice(user.client, msg, await signTypedMessage(key, msg));
}

const balance = (a: `0x${string}`) => dimoBalanceOf(f.gov.client, a);

describe("preorder spots", () => {
  it("escrows the price; a traded spot is delivered to its holder with a device of the model", async () => {
    const { seriesId } = await openPreorderSeries(f.makerHw.client, await terms());
    const alice = await balance(f.alice.address);
    const { spotId } = await buyPreorderSpot(f.aliceHw.client, seriesId);
    expect((await balance(f.alice.address)) - alice).toBe(-PRICE);
    expect(await balance(f.hardware.preorderSpots)).toBe(PRICE);
    // Tradeable: Alice sells the spot to Bob.
    await writeContract(f.alice.client, {
      address: f.hardware.preorderSpots,
      abi: preorderSpotsAbi,
      functionName: "transferFrom",
      args: [f.alice.address, f.bob.address, spotId],
    });
    expect(await getPreorderSpot(f.gov.client, spotId)).toEqual({ spotId, seriesId, holder: f.bob.address });
    const { deviceIds, keys } = await f.mintDevices(2);
    await claimFor(f.aliceHw, deviceIds[0]!, keys[0]!);
    await rejects(deliverPreorderSpot(f.makerHw.client, { spotId, deviceId: deviceIds[0]! }), "WrongDevice");
    await claimFor(f.bobHw, deviceIds[1]!, keys[1]!);
    await rejects(
      deliverPreorderSpot(f.bobHw.client, { spotId, deviceId: deviceIds[1]! }),
      "NotManufacturerOperator",
    );
    const maker = await balance(f.maker.address);
    await deliverPreorderSpot(f.makerHw.client, { spotId, deviceId: deviceIds[1]! });
    expect((await balance(f.maker.address)) - maker).toBe(PRICE);
    await rejects(getPreorderSpot(f.gov.client, spotId), "SpotNotFound");
    await rejects(refundPreorderSpot(f.bobHw.client, spotId), "SpotNotFound");
    // A device fulfils one spot only.
    const { spotId: second } = await buyPreorderSpot(f.bobHw.client, seriesId);
    await rejects(
      deliverPreorderSpot(f.makerHw.client, { spotId: second, deviceId: deviceIds[1]! }),
      "DeviceAlreadyDelivered",
    );
    await rejects(buyPreorderSpot(f.aliceHw.client, seriesId), "SoldOut");
  });

  it("refunds after the delivery window when undelivered, not before", async () => {
    const t = await terms();
    const { seriesId } = await openPreorderSeries(f.makerHw.client, t);
    const { spotId } = await buyPreorderSpot(f.aliceHw.client, seriesId);
    await rejects(refundPreorderSpot(f.aliceHw.client, spotId), "NotRefundable");
    await f.mineAt(BigInt(t.deliveryUntil));
    await rejects(refundPreorderSpot(f.aliceHw.client, spotId), "NotRefundable");
    await f.mineAt(BigInt(t.deliveryUntil) + 1n);
    const { deviceIds, keys } = await f.mintDevices(1);
    await claimFor(f.aliceHw, deviceIds[0]!, keys[0]!);
    await rejects(
      deliverPreorderSpot(f.makerHw.client, { spotId, deviceId: deviceIds[0]! }),
      "DeliveryWindowOver",
    );
    await rejects(refundPreorderSpot(f.bobHw.client, spotId), "NotSpotHolder");
    const alice = await balance(f.alice.address);
    await refundPreorderSpot(f.aliceHw.client, spotId);
    expect((await balance(f.alice.address)) - alice).toBe(PRICE);
    expect(await balance(f.hardware.preorderSpots)).toBe(0n);
  });

  it("refunds at any time under the any-time rule, and every spot of a cancelled series", async () => {
    const anyTime = await openPreorderSeries(
      f.makerHw.client,
      await terms({ refundRule: "anyTimeBeforeDelivery" }),
    );
    const { spotId } = await buyPreorderSpot(f.aliceHw.client, anyTime.seriesId);
    await refundPreorderSpot(f.aliceHw.client, spotId);
    const { seriesId } = await openPreorderSeries(f.makerHw.client, await terms());
    const { spotId: held } = await buyPreorderSpot(f.bobHw.client, seriesId);
    await rejects(cancelPreorderSeries(f.aliceHw.client, seriesId), "NotManufacturerOperator");
    await cancelPreorderSeries(f.makerHw.client, seriesId);
    expect((await getPreorderSeries(f.gov.client, seriesId)).cancelled).toBe(true);
    await rejects(buyPreorderSpot(f.aliceHw.client, seriesId), "SeriesClosed");
    await refundPreorderSpot(f.bobHw.client, held);
  });

  it("pays the maker when the holder confirms delivery", async () => {
    const { seriesId } = await openPreorderSeries(f.makerHw.client, await terms());
    const { spotId } = await buyPreorderSpot(f.aliceHw.client, seriesId);
    await rejects(confirmPreorderDelivery(f.bobHw.client, spotId), "NotSpotHolder");
    const maker = await balance(f.maker.address);
    await confirmPreorderDelivery(f.aliceHw.client, spotId);
    expect((await balance(f.maker.address)) - maker).toBe(PRICE);
  });

  it("is opened only by a licensed maker, for its certified model, with sound terms", async () => {
    await rejects(openPreorderSeries(f.makerHw.client, await terms({ price: 0n })), "InvalidTerms");
    const t = await terms();
    await rejects(
      openPreorderSeries(f.makerHw.client, { ...t, deliveryFrom: t.deliveryUntil }),
      "InvalidTerms",
    );
    await rejects(openPreorderSeries(f.makerHw.client, await terms({ modelId: 99n })), "ModelNotMintable");
    await rejects(openPreorderSeries(f.aliceHw.client, await terms()), "NotManufacturerOperator");
    const { seriesId } = await openPreorderSeries(f.makerHw.client, await terms());
    await suspendLicense(f.integrations.client, { manufacturerId: f.manufacturerId, reasonURI: "ipfs://r" });
    await rejects(openPreorderSeries(f.makerHw.client, await terms()), "LicenseNotValid");
    await rejects(buyPreorderSpot(f.aliceHw.client, seriesId), "LicenseNotValid");
  });
});
