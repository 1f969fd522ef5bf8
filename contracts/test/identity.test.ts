import {
  burnVehicle,
  claimDevice,
  claimDeviceMessage,
  getDevice,
  getVehicle,
  mintDevices,
  mintManufacturer,
  mintVehicle,
  mintVehicleMessage,
  mintVehicleWithSignature,
  ProtocolError,
  pairDevice,
  pairDeviceMessage,
  pairDeviceWithSignatures,
  reprovisionDevice,
  returnDeviceToManufacturer,
  signTypedMessage,
  transferVehicle,
  unpairDevice,
  unpairDeviceMessage,
  unpairDeviceWithSignature,
} from "@dimo-open/protocol";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { type Fixture, protocolFixture } from "./fixture.ts";

const car = { make: "Toyota", model: "RAV4", year: 2021, definitionURI: "ipfs://toyota-rav4-2021" };

async function rejects(promise: Promise<unknown>, errorName: string): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a revert with ${errorName}`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).errorName).toBe(errorName);
  expect((error as ProtocolError).message.length).toBeGreaterThan(20);
  return error as ProtocolError;
}

describe("manufacturers", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await protocolFixture();
  });

  it("mints with a unique name and refuses a duplicate", async () => {
    const { tokenId } = await mintManufacturer(f.admin, { name: "Acme Devices", owner: f.maker.address });
    expect(tokenId).toBe(2n); // 1 is the fixture's own manufacturer
    const e = await rejects(
      mintManufacturer(f.admin, { name: "Acme Devices", owner: f.alice.address }),
      "ManufacturerNameTaken",
    );
    expect(e.message).toContain("Acme Devices");
  });

  it("lets only the minter role mint manufacturers", async () => {
    await rejects(
      mintManufacturer(f.alice.client, { name: "Rogue", owner: f.alice.address }),
      "NotAuthorizedToMintManufacturer",
    );
  });
});

describe("vehicles", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await protocolFixture();
  });

  it("is minted by its owner with its attributes", async () => {
    const { tokenId } = await mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car });
    const v = await getVehicle(f.alice.client, tokenId);
    expect(v).toMatchObject({ owner: f.alice.address, manufacturerId: f.manufacturerId, ...car });
  });

  it("is minted by a relayer with the owner's signature, once", async () => {
    const deadline = (await f.now()) + 3600n;
    const msg = await mintVehicleMessage(f.relayer, {
      manufacturerId: f.manufacturerId,
      owner: f.alice.address,
      deadline,
      ...car,
    });
    const sig = await signTypedMessage(f.alice.account, msg);
    const { tokenId } = await mintVehicleWithSignature(f.relayer, msg, sig);
    expect((await getVehicle(f.relayer, tokenId)).owner).toBe(f.alice.address);
    // The same signature again: its nonce is spent.
    await rejects(mintVehicleWithSignature(f.relayer, msg, sig), "InvalidAccountNonce");
  });

  it("refuses a signature from the wrong signer", async () => {
    const msg = await mintVehicleMessage(f.relayer, {
      manufacturerId: f.manufacturerId,
      owner: f.alice.address,
      deadline: (await f.now()) + 3600n,
      ...car,
    });
    const sig = await signTypedMessage(f.bob.account, msg);
    const e = await rejects(mintVehicleWithSignature(f.relayer, msg, sig), "InvalidSignature");
    expect(e.message).toContain(f.alice.address);
  });

  it("refuses an expired signature", async () => {
    const msg = await mintVehicleMessage(f.relayer, {
      manufacturerId: f.manufacturerId,
      owner: f.alice.address,
      deadline: (await f.now()) + 60n,
      ...car,
    });
    const sig = await signTypedMessage(f.alice.account, msg);
    await f.increaseTime(120);
    await rejects(mintVehicleWithSignature(f.relayer, msg, sig), "SignatureExpired");
  });

  it("accepts an ERC-1271 smart wallet as owner (relayed mint)", async () => {
    const wallet = await f.deploySmartWallet(f.alice);
    const msg = await mintVehicleMessage(f.relayer, {
      manufacturerId: f.manufacturerId,
      owner: wallet,
      deadline: (await f.now()) + 3600n,
      ...car,
    });
    const sig = await signTypedMessage(f.alice.account, msg);
    const { tokenId } = await mintVehicleWithSignature(f.relayer, msg, sig);
    expect((await getVehicle(f.relayer, tokenId)).owner).toBe(wallet);
    // A signature by someone else for the wallet fails.
    const msg2 = await mintVehicleMessage(f.relayer, {
      manufacturerId: f.manufacturerId,
      owner: wallet,
      deadline: (await f.now()) + 3600n,
      ...car,
    });
    await rejects(
      mintVehicleWithSignature(f.relayer, msg2, await signTypedMessage(f.bob.account, msg2)),
      "InvalidSignature",
    );
  });

  it("rejects an unknown manufacturer and an absurd year", async () => {
    await rejects(mintVehicle(f.alice.client, { manufacturerId: 99n, ...car }), "ManufacturerNotFound");
    await rejects(
      mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car, year: 1700 }),
      "InvalidYear",
    );
  });
});

describe("aftermarket devices", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await protocolFixture();
  });

  async function mintOneDevice() {
    const key = privateKeyToAccount(generatePrivateKey());
    const { tokenIds } = await mintDevices(f.maker.client, {
      manufacturerId: f.manufacturerId,
      devices: [{ deviceAddress: key.address, serial: "SN-1" }],
    });
    return { deviceId: tokenIds[0]!, key };
  }

  async function claim(
    deviceId: bigint,
    key: ReturnType<typeof privateKeyToAccount>,
    who = f.alice,
    boundAddress = key.address,
  ) {
    const msg = await claimDeviceMessage(who.client, {
      deviceId,
      deviceAddress: boundAddress,
      owner: who.address,
      deadline: (await f.now()) + 600n,
    });
    return claimDevice(who.client, msg, await signTypedMessage(key, msg));
  }

  it("mints a batch bound one-to-one to secure-element addresses", async () => {
    const keys = Array.from({ length: 5 }, () => privateKeyToAccount(generatePrivateKey()));
    const { tokenIds } = await mintDevices(f.maker.client, {
      manufacturerId: f.manufacturerId,
      devices: keys.map((k, i) => ({ deviceAddress: k.address, serial: `SN-${i}` })),
    });
    expect(tokenIds).toEqual([1n, 2n, 3n, 4n, 5n]);
    const d = await getDevice(f.maker.client, 3n);
    expect(d).toMatchObject({
      owner: f.maker.address,
      deviceAddress: keys[2]!.address,
      claimed: false,
      serial: "SN-2",
    });
    await rejects(
      mintDevices(f.maker.client, {
        manufacturerId: f.manufacturerId,
        devices: [{ deviceAddress: keys[0]!.address }],
      }),
      "DeviceAddressTaken",
    );
    await rejects(
      mintDevices(f.alice.client, {
        manufacturerId: f.manufacturerId,
        devices: [{ deviceAddress: f.bob.address }],
      }),
      "NotManufacturerOperator",
    );
  });

  it("is claimed with the device's signature, and only once", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    expect(await getDevice(f.alice.client, deviceId)).toMatchObject({
      owner: f.alice.address,
      claimed: true,
    });
    await rejects(claim(deviceId, key, f.bob), "DeviceAlreadyClaimed");
  });

  it("refuses a claim signed by another key or replayed", async () => {
    const { deviceId, key } = await mintOneDevice();
    const msg = await claimDeviceMessage(f.alice.client, {
      deviceId,
      deviceAddress: key.address,
      owner: f.alice.address,
      deadline: (await f.now()) + 600n,
    });
    const impostor = privateKeyToAccount(generatePrivateKey());
    await rejects(
      claimDevice(f.alice.client, msg, await signTypedMessage(impostor, msg)),
      "InvalidSignature",
    );
    // Bob cannot reuse Alice's claim signature: the owner is part of the signed message.
    const sig = await signTypedMessage(key, msg);
    await rejects(claimDevice(f.bob.client, msg, sig), "InvalidSignature");
  });

  it("pairs directly when one account owns both, at most one-to-one, and unpairs", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: v1 } = await mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car });
    const { tokenId: v2 } = await mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car });
    const paired = await pairDevice(f.alice.client, { deviceId, vehicleId: v1 });
    expect(paired.events.map((e) => e.eventName)).toEqual(
      expect.arrayContaining(["DevicePaired", "DeviceInstalled"]),
    );
    await rejects(pairDevice(f.alice.client, { deviceId, vehicleId: v2 }), "DeviceAlreadyPaired");
    const other = await mintOneDevice();
    await claim(other.deviceId, other.key);
    await rejects(
      pairDevice(f.alice.client, { deviceId: other.deviceId, vehicleId: v1 }),
      "VehicleAlreadyPaired",
    );
    await unpairDevice(f.alice.client, deviceId);
    expect((await getDevice(f.alice.client, deviceId)).vehicleId).toBe(0n);
    // Re-pairing is not a second installation.
    const again = await pairDevice(f.alice.client, { deviceId, vehicleId: v2 });
    expect(again.events.map((e) => e.eventName)).not.toContain("DeviceInstalled");
  });

  it("refuses to pair an unclaimed device or across owners", async () => {
    const { deviceId, key } = await mintOneDevice();
    const { tokenId: v } = await mintVehicle(f.alice.client, { manufacturerId: f.manufacturerId, ...car });
    await rejects(pairDevice(f.maker.client, { deviceId, vehicleId: v }), "DeviceNotClaimed");
    await claim(deviceId, key, f.bob);
    await rejects(pairDevice(f.bob.client, { deviceId, vehicleId: v }), "OwnersDiffer");
  });

  it("pairs with device and owner signatures via a relayer, and rejects their replay", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    });
    const deadline = (await f.now()) + 600n;
    const dm = await pairDeviceMessage(f.relayer, { deviceId, vehicleId, signer: key.address, deadline });
    const om = await pairDeviceMessage(f.relayer, { deviceId, vehicleId, signer: f.alice.address, deadline });
    const device = { message: dm, signature: await signTypedMessage(key, dm) };
    const owner = { message: om, signature: await signTypedMessage(f.alice.account, om) };
    // Signatures swapped: the device's signature is not the owner's.
    await rejects(
      pairDeviceWithSignatures(f.relayer, { device, owner: { message: om, signature: device.signature } }),
      "InvalidSignature",
    );
    await pairDeviceWithSignatures(f.relayer, { device, owner });
    expect((await getDevice(f.relayer, deviceId)).vehicleId).toBe(vehicleId);
    await unpairDevice(f.alice.client, deviceId);
    await rejects(pairDeviceWithSignatures(f.relayer, { device, owner }), "InvalidAccountNonce");
  });

  it("unpairs with the vehicle owner's signature through a relayer", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    });
    await pairDevice(f.alice.client, { deviceId, vehicleId });
    const m = await unpairDeviceMessage(f.relayer, {
      deviceId,
      signer: f.alice.address,
      deadline: (await f.now()) + 60n,
    });
    await rejects(
      unpairDeviceWithSignature(f.relayer, {
        signer: f.bob.address,
        message: m,
        signature: await signTypedMessage(f.bob.account, m),
      }),
      "NotDeviceOrVehicleOwner",
    );
    await unpairDeviceWithSignature(f.relayer, {
      signer: f.alice.address,
      message: m,
      signature: await signTypedMessage(f.alice.account, m),
    });
    expect((await getDevice(f.relayer, deviceId)).vehicleId).toBe(0n);
  });

  it("cannot burn a paired vehicle; can after unpairing", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    });
    await pairDevice(f.alice.client, { deviceId, vehicleId });
    await rejects(burnVehicle(f.alice.client, vehicleId), "VehiclePaired");
    await rejects(burnVehicle(f.bob.client, vehicleId), "NotVehicleOwner");
    await unpairDevice(f.alice.client, deviceId);
    await burnVehicle(f.alice.client, vehicleId);
    await expect(getVehicle(f.alice.client, vehicleId)).rejects.toThrow();
  });

  it("unpairs when the vehicle changes hands", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    });
    await pairDevice(f.alice.client, { deviceId, vehicleId });
    const r = await transferVehicle(f.alice.client, { tokenId: vehicleId, to: f.bob.address });
    expect(r.events.map((e) => e.eventName)).toContain("DeviceUnpaired");
    expect((await getDevice(f.bob.client, deviceId)).vehicleId).toBe(0n);
  });

  it("returns to the manufacturer, who reprovisions it, and it can be claimed again", async () => {
    const { deviceId, key } = await mintOneDevice();
    await claim(deviceId, key);
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      ...car,
    });
    await pairDevice(f.alice.client, { deviceId, vehicleId });
    // Only an unclaimed device can be reprovisioned.
    const fresh = privateKeyToAccount(generatePrivateKey());
    await rejects(
      reprovisionDevice(f.maker.client, { deviceId, newDeviceAddress: fresh.address }),
      "DeviceAlreadyClaimed",
    );
    await returnDeviceToManufacturer(f.alice.client, deviceId);
    expect(await getDevice(f.maker.client, deviceId)).toMatchObject({
      owner: f.maker.address,
      claimed: false,
      vehicleId: 0n,
    });
    await rejects(
      reprovisionDevice(f.alice.client, { deviceId, newDeviceAddress: fresh.address }),
      "NotManufacturerOperator",
    );
    await reprovisionDevice(f.maker.client, { deviceId, newDeviceAddress: fresh.address });
    // The old key can no longer claim; the new one can.
    await rejects(claim(deviceId, key, f.bob, fresh.address), "InvalidSignature");
    await claim(deviceId, fresh, f.bob);
    expect((await getDevice(f.bob.client, deviceId)).owner).toBe(f.bob.address);
  });
});
