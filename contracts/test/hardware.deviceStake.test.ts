import {
  aftermarketDeviceIdAbi,
  burnRateFor,
  certifyDeviceModel,
  claimDevice,
  claimDeviceMessage,
  DEVNET_GOVERNANCE,
  deployHardware,
  dimoBalanceOf,
  dimoTokenAbi,
  getDeviceStake,
  getDeviceVesting,
  getMakerStake,
  HARDWARE_MONTH,
  mintDevices,
  mintLicensedDevices,
  mintVehicle,
  pairDevice,
  releaseDeviceStake,
  reportDeviceFailure,
  selectProductionModel,
  setBurnScheduleCall,
  setDeviceCategoryCall,
  signTypedMessage,
  submitDeviceModel,
  writeContract,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { protocolFixture } from "./fixture.ts";
import {
  DEVICE_STAKE,
  type HardwareFixture,
  hardwareFixture,
  LICENSE_STAKE,
  rejects,
} from "./hardwareFixture.ts";

const MONTH = BigInt(HARDWARE_MONTH);
const TRANCHE = parseEther("2.5"); // 60 / 24

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

async function totalSupply(): Promise<bigint> {
  return f.admin.publicClient.readContract({
    address: f.addresses.dimoToken,
    abi: dimoTokenAbi,
    functionName: "totalSupply",
  });
}

/** Mints one device and installs it for Alice; returns its id and installation time. */
async function installedDevice() {
  const { deviceIds, keys } = await f.mintDevices(1);
  const { installedAt } = await f.install(deviceIds[0]!, keys[0]!, f.aliceHw);
  return { deviceId: deviceIds[0]!, installedAt };
}

/** Balances of whoever a release pays: maker owner, [d]Integrations treasury, Alice. */
async function payees() {
  const [maker, integrations, user] = await Promise.all([
    dimoBalanceOf(f.gov.client, f.maker.address),
    dimoBalanceOf(f.gov.client, f.integrationsTreasury),
    dimoBalanceOf(f.gov.client, f.alice.address),
  ]);
  return { maker, integrations, user };
}

async function paidSince(before: Awaited<ReturnType<typeof payees>>) {
  const now = await payees();
  return {
    maker: now.maker - before.maker,
    integrations: now.integrations - before.integrations,
    user: now.user - before.user,
  };
}

describe("per-device stake at mint", () => {
  it("pulls 80 DIMO per device from the minter and holds it for the maker", async () => {
    const before = await dimoBalanceOf(f.gov.client, f.maker.address);
    const { deviceIds } = await f.mintDevices(3);
    expect(before - (await dimoBalanceOf(f.gov.client, f.maker.address))).toBe(3n * DEVICE_STAKE);
    expect(await dimoBalanceOf(f.gov.client, f.hardware.deviceStake)).toBe(3n * DEVICE_STAKE);
    expect(await getDeviceStake(f.gov.client, deviceIds[1]!)).toMatchObject({
      manufacturerId: f.manufacturerId,
      modelId: f.modelId,
      stake: DEVICE_STAKE,
    });
  });

  it("totals 100,000 + 80 × 800 = 164,000 DIMO for 800 devices (the seed's 74,000 is a slip)", async () => {
    const before = await dimoBalanceOf(f.gov.client, f.maker.address);
    for (let batch = 0; batch < 8; batch++) await f.mintDevices(100);
    const stake = await getMakerStake(f.gov.client, f.manufacturerId);
    expect(stake.license).toBe(LICENSE_STAKE);
    expect(stake.pendingDevices).toBe(parseEther("64000"));
    expect(stake.total).toBe(parseEther("164000"));
    expect(before - (await dimoBalanceOf(f.gov.client, f.maker.address))).toBe(parseEther("64000"));
  });

  it("refuses a mint whose stake the minter has not approved", async () => {
    await selectProductionModel(f.makerHw.client, { manufacturerId: f.manufacturerId, modelId: f.modelId });
    await writeContract(f.makerHw.client, {
      address: f.addresses.dimoToken,
      abi: dimoTokenAbi,
      functionName: "approve",
      args: [f.hardware.deviceStake, 0n],
    });
    await rejects(
      mintDevices(f.maker.client, {
        manufacturerId: f.manufacturerId,
        devices: [{ deviceAddress: privateKeyToAccount(generatePrivateKey()).address }],
      }),
      "ERC20InsufficientAllowance",
    );
  });
});

describe("installation: burn and lock", () => {
  it("burns 20 and locks 60 of an 80 DIMO stake at the first pairing, once", async () => {
    const { deviceIds, keys } = await f.mintDevices(1);
    const supply = await totalSupply();
    const held = await dimoBalanceOf(f.gov.client, f.hardware.deviceStake);
    await f.install(deviceIds[0]!, keys[0]!, f.aliceHw);
    expect(supply - (await totalSupply())).toBe(parseEther("20"));
    expect(held - (await dimoBalanceOf(f.gov.client, f.hardware.deviceStake))).toBe(parseEther("20"));
    const v = await getDeviceVesting(f.gov.client, deviceIds[0]!);
    expect(v).toMatchObject({
      installed: true,
      locked: parseEther("60"),
      user: f.alice.address,
      failure: "none",
    });
    expect((await getMakerStake(f.gov.client, f.manufacturerId)).pendingDevices).toBe(0n);
  });

  it("follows the burn schedule: 25% up to 80 DIMO, 29.9% from 800 DIMO, linear between", async () => {
    expect(await burnRateFor(f.gov.client, parseEther("1"))).toBe(2500);
    expect(await burnRateFor(f.gov.client, parseEther("80"))).toBe(2500);
    expect(await burnRateFor(f.gov.client, parseEther("440"))).toBe(2745);
    expect(await burnRateFor(f.gov.client, parseEther("800"))).toBe(2990);
    expect(await burnRateFor(f.gov.client, parseEther("100000"))).toBe(2990);
  });

  it("burns 29.9% of an 800 DIMO device stake (the schedule's top end)", async () => {
    await f.governance([
      setDeviceCategoryCall(f.hardware, {
        id: 2n,
        name: "ADAS camera",
        perDeviceStake: parseEther("800"),
        underserved: false,
      }),
    ]);
    const { modelId } = await submitDeviceModel(f.makerHw.client, {
      manufacturerId: f.manufacturerId,
      categoryId: 2n,
      name: "FX-ADAS",
      specURI: "ipfs://fx-adas",
    });
    await certifyDeviceModel(f.integrations.client, {
      modelId,
      requirements: ["secureElement", "streamingInterface", "ota"],
      resultsURI: "ipfs://fx-adas-results",
    });
    const key = privateKeyToAccount(generatePrivateKey());
    const { tokenIds } = await mintLicensedDevices(f.makerHw.client, {
      manufacturerId: f.manufacturerId,
      modelId,
      devices: [{ deviceAddress: key.address }],
    });
    const supply = await totalSupply();
    await f.install(tokenIds[0]!, key, f.aliceHw);
    expect(supply - (await totalSupply())).toBe(parseEther("239.2"));
    expect((await getDeviceVesting(f.gov.client, tokenIds[0]!)).locked).toBe(parseEther("560.8"));
  });

  it("lets governance move the schedule within 25%–29.9% and never outside", async () => {
    await f.governance([
      setBurnScheduleCall(f.hardware, {
        lowStake: parseEther("10"),
        highStake: parseEther("20"),
        lowBps: 2600,
        highBps: 2700,
      }),
    ]);
    expect(await burnRateFor(f.gov.client, parseEther("80"))).toBe(2700);
    await rejects(
      f.governance([
        setBurnScheduleCall(f.hardware, {
          lowStake: parseEther("10"),
          highStake: parseEther("20"),
          lowBps: 2499,
          highBps: 2700,
        }),
      ]),
      "InvalidBurnSchedule",
    );
    await rejects(
      f.governance([
        setBurnScheduleCall(f.hardware, {
          lowStake: parseEther("10"),
          highStake: parseEther("20"),
          lowBps: 2600,
          highBps: 2991,
        }),
      ]),
      "InvalidBurnSchedule",
    );
  });

  it("ignores devices minted before the hook was set (no stake to burn or lock)", async () => {
    const core = await protocolFixture();
    try {
      const key = privateKeyToAccount(generatePrivateKey());
      const { tokenIds } = await mintDevices(core.maker.client, {
        manufacturerId: core.manufacturerId,
        devices: [{ deviceAddress: key.address }],
      });
      const hardware = await deployHardware(core.admin, core.addresses, { governance: DEVNET_GOVERNANCE });
      const msg = await claimDeviceMessage(core.alice.client, {
        deviceId: tokenIds[0]!,
        deviceAddress: key.address,
        owner: core.alice.address,
        deadline: (await core.now()) + 600n,
      });
      await claimDevice(core.alice.client, msg, await signTypedMessage(key, msg));
      const { tokenId: vehicleId } = await mintVehicle(core.alice.client, {
        manufacturerId: core.manufacturerId,
        make: "Ford",
        model: "F-150",
        year: 2020,
        definitionURI: "",
      });
      const paired = await pairDevice(core.alice.client, { deviceId: tokenIds[0]!, vehicleId });
      expect(paired.events.map((e) => e.eventName)).not.toContain("DeviceStakeLocked");
      const reader = { ...core.admin, hardware };
      expect((await getDeviceVesting(reader, tokenIds[0]!)).installed).toBe(false);
      expect((await getDeviceStake(reader, tokenIds[0]!)).stake).toBe(0n);
      // The hook is wired: a new mint without a licence is refused.
      await rejects(
        mintDevices(core.maker.client, {
          manufacturerId: core.manufacturerId,
          devices: [{ deviceAddress: privateKeyToAccount(generatePrivateKey()).address }],
        }),
        "LicenseNotValid",
      );
      const hook = await core.admin.publicClient.readContract({
        address: core.addresses.aftermarketDeviceId,
        abi: aftermarketDeviceIdAbi,
        functionName: "lifecycleHook",
      });
      expect(hook).toBe(hardware.deviceStake);
    } finally {
      await core.close();
    }
  });
});

describe("vesting of the locked stake", () => {
  it("pays 1/24 a month, 5% to [d]Integrations and 95% to the maker: 3 and 57 over 24 months", async () => {
    const { deviceId, installedAt } = await installedDevice();
    const before = await payees();
    for (let month = 1n; month <= 24n; month++) {
      await f.nextTimestamp(installedAt + month * MONTH);
      const { released } = await releaseDeviceStake(f.gov.client, [deviceId]);
      expect(released).toEqual([
        {
          deviceId,
          paidTranches: Number(month),
          toMaker: parseEther("2.375"),
          toIntegrations: parseEther("0.125"),
          toUser: 0n,
        },
      ]);
    }
    expect(await paidSince(before)).toEqual({
      maker: parseEther("57"),
      integrations: parseEther("3"),
      user: 0n,
    });
    await f.increaseTime(Number(MONTH) * 3);
    expect((await releaseDeviceStake(f.gov.client, [deviceId])).released).toEqual([]);
  });

  it("pays nothing before a month has passed, and never pays a month twice", async () => {
    const { deviceId, installedAt } = await installedDevice();
    await f.nextTimestamp(installedAt + MONTH - 1n);
    expect((await releaseDeviceStake(f.gov.client, [deviceId])).released).toEqual([]);
    await f.nextTimestamp(installedAt + 3n * MONTH + 5n);
    const before = await payees();
    const { released } = await releaseDeviceStake(f.bobHw.client, [deviceId]);
    expect(released[0]!.paidTranches).toBe(3);
    expect((await releaseDeviceStake(f.bobHw.client, [deviceId])).released).toEqual([]);
    expect(await paidSince(before)).toEqual({
      maker: 3n * parseEther("2.375"),
      integrations: 3n * parseEther("0.125"),
      user: 0n,
    });
  });

  it("releases 1 to 100 devices per call", async () => {
    await rejects(releaseDeviceStake(f.gov.client, []), "InvalidBatchSize");
    await rejects(
      releaseDeviceStake(
        f.gov.client,
        Array.from({ length: 101 }, (_, i) => BigInt(i + 1)),
      ),
      "InvalidBatchSize",
    );
  });

  it("pays the whole 60 in one release after two years", async () => {
    const { deviceId, installedAt } = await installedDevice();
    await f.nextTimestamp(installedAt + 30n * MONTH);
    const before = await payees();
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect(await paidSince(before)).toEqual({
      maker: parseEther("57"),
      integrations: parseEther("3"),
      user: 0n,
    });
    expect(await dimoBalanceOf(f.gov.client, f.hardware.deviceStake)).toBe(0n);
  });
});

describe("malfunction or disconnection", () => {
  /** Installs a device, reports a failure `offset` seconds after installation, releases after 2 years. */
  async function failAt(offset: bigint) {
    const { deviceId, installedAt } = await installedDevice();
    await f.nextTimestamp(installedAt + offset);
    await reportDeviceFailure(f.reporter.client, {
      deviceId,
      failure: "malfunction",
      evidenceURI: "ipfs://ev",
    });
    await f.nextTimestamp(installedAt + 25n * MONTH);
    const before = await payees();
    await releaseDeviceStake(f.gov.client, [deviceId]);
    return paidSince(before);
  }

  const split = (makerTranches: bigint) => ({
    maker: (makerTranches * TRANCHE * 95n) / 100n,
    integrations: (makerTranches * TRANCHE * 5n) / 100n,
    user: (24n - makerTranches) * TRANCHE,
  });

  it("in month 0: all 60 DIMO go to the user", async () => {
    expect(await failAt(MONTH / 2n)).toEqual(split(0n));
  });

  it("in month 1: one tranche to maker and [d]Integrations, 23 to the user", async () => {
    expect(await failAt(MONTH + MONTH / 2n)).toEqual(split(1n));
  });

  it("after 12 months: 30 DIMO to the user (the seed's example)", async () => {
    const paid = await failAt(12n * MONTH);
    expect(paid.user).toBe(parseEther("30"));
    expect(paid).toEqual(split(12n));
  });

  it("in month 23: 23 tranches to maker and [d]Integrations, the last to the user", async () => {
    expect(await failAt(23n * MONTH + 10n)).toEqual(split(23n));
  });

  it("in month 24 and after: refused, the stake has vested", async () => {
    for (const offset of [24n * MONTH, 24n * MONTH + 1n, 40n * MONTH]) {
      await f.reset();
      const { deviceId, installedAt } = await installedDevice();
      await f.nextTimestamp(installedAt + offset);
      await rejects(
        reportDeviceFailure(f.reporter.client, {
          deviceId,
          failure: "disconnection",
          evidenceURI: "ipfs://ev",
        }),
        "VestingComplete",
      );
    }
  });

  it("pays the user 1/24 a month from the report on", async () => {
    const { deviceId, installedAt } = await installedDevice();
    await f.nextTimestamp(installedAt + 12n * MONTH + MONTH / 2n);
    await reportDeviceFailure(f.reporter.client, {
      deviceId,
      failure: "disconnection",
      evidenceURI: "ipfs://ev",
    });
    const before = await payees();
    await f.nextTimestamp(installedAt + 13n * MONTH);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect(await paidSince(before)).toEqual({
      maker: 12n * parseEther("2.375"),
      integrations: 12n * parseEther("0.125"),
      user: TRANCHE,
    });
    await f.nextTimestamp(installedAt + 14n * MONTH);
    const mid = await payees();
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect(await paidSince(mid)).toEqual({ maker: 0n, integrations: 0n, user: TRANCHE });
  });

  it("pays the device's owner at the report, and only the reporter may report, once, with evidence", async () => {
    const { deviceId, installedAt } = await installedDevice();
    await writeContract(f.alice.client, {
      address: f.addresses.aftermarketDeviceId,
      abi: aftermarketDeviceIdAbi,
      functionName: "transferFrom",
      args: [f.alice.address, f.bob.address, deviceId],
    });
    await rejects(
      reportDeviceFailure(f.aliceHw.client, { deviceId, failure: "malfunction", evidenceURI: "ipfs://ev" }),
      "MissingRole",
    );
    await rejects(
      reportDeviceFailure(f.reporter.client, { deviceId, failure: "malfunction", evidenceURI: "" }),
      "UriTooLong",
    );
    await reportDeviceFailure(f.reporter.client, {
      deviceId,
      failure: "malfunction",
      evidenceURI: "ipfs://ev",
    });
    expect((await getDeviceVesting(f.gov.client, deviceId)).user).toBe(f.bob.address);
    await rejects(
      reportDeviceFailure(f.reporter.client, {
        deviceId,
        failure: "disconnection",
        evidenceURI: "ipfs://ev",
      }),
      "FailureAlreadyReported",
    );
    await f.nextTimestamp(installedAt + 24n * MONTH);
    const bob = await dimoBalanceOf(f.gov.client, f.bob.address);
    await releaseDeviceStake(f.gov.client, [deviceId]);
    expect((await dimoBalanceOf(f.gov.client, f.bob.address)) - bob).toBe(parseEther("60"));
  });

  it("refuses to report a device that was never installed", async () => {
    const { deviceIds } = await f.mintDevices(1);
    await rejects(
      reportDeviceFailure(f.reporter.client, {
        deviceId: deviceIds[0]!,
        failure: "malfunction",
        evidenceURI: "x",
      }),
      "DeviceNotInstalled",
    );
  });
});
