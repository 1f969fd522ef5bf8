import {
  ALL_INTEGRATION_REQUIREMENTS,
  banDevice,
  banDeviceModel,
  certifyDeviceModel,
  deviceModelsAbi,
  getDeviceCategory,
  getDeviceModel,
  isDeviceBanned,
  mintLicensedDevices,
  rejectDeviceModel,
  selectProductionModel,
  setDeviceCategoryCall,
  submitDeviceModel,
  suspendLicense,
  unbanDevice,
  unbanDeviceModel,
  writeContract,
} from "@dimo-open/protocol";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type HardwareFixture, hardwareFixture, rejects } from "./hardwareFixture.ts";

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

const newModel = (name = "FX-2") =>
  submitDeviceModel(f.makerHw.client, {
    manufacturerId: f.manufacturerId,
    categoryId: 1n,
    name,
    specURI: "ipfs://fx-2-spec",
  });

describe("device models and certification", () => {
  it("records the licence application's model as certified with the readout", async () => {
    const model = await getDeviceModel(f.gov.client, f.modelId);
    expect(model).toMatchObject({
      manufacturerId: f.manufacturerId,
      status: "certified",
      resultsURI: "ipfs://fx-1-readout",
      fullyCertified: true,
      banned: false,
    });
    expect(model.requirements).toEqual(ALL_INTEGRATION_REQUIREMENTS);
  });

  it("takes a licensed maker's simplified application; only a certified model can be produced", async () => {
    const { modelId } = await newModel();
    expect((await getDeviceModel(f.gov.client, modelId)).status).toBe("pending");
    await rejects(
      selectProductionModel(f.makerHw.client, { manufacturerId: f.manufacturerId, modelId }),
      "ModelNotMintable",
    );
    await rejects(
      certifyDeviceModel(f.integrations.client, {
        modelId,
        requirements: ["ota", "bluetooth"],
        resultsURI: "x",
      }),
      "InvalidRequirements",
    );
    await rejects(
      certifyDeviceModel(f.makerHw.client, { modelId, requirements: ["secureElement"], resultsURI: "x" }),
      "MissingRole",
    );
    await certifyDeviceModel(f.integrations.client, {
      modelId,
      requirements: [
        "secureElement",
        "streamingInterface",
        "bluetooth",
        "powerManagement",
        "secureRuntime",
        "ota",
      ],
      resultsURI: "ipfs://fx-2-results",
    });
    const model = await getDeviceModel(f.gov.client, modelId);
    expect(model).toMatchObject({
      status: "certified",
      fullyCertified: false,
      resultsURI: "ipfs://fx-2-results",
    });
    expect(model.requirements).not.toContain("dbcLoggerConfiguration");
    const key = privateKeyToAccount(generatePrivateKey());
    const { tokenIds } = await mintLicensedDevices(f.makerHw.client, {
      manufacturerId: f.manufacturerId,
      modelId,
      devices: [{ deviceAddress: key.address }],
    });
    expect(tokenIds).toHaveLength(1);
  });

  it("rejects a pending model, and refuses model applications from unlicensed or foreign makers", async () => {
    const { modelId } = await newModel();
    await rejectDeviceModel(f.integrations.client, { modelId, resultsURI: "ipfs://failed" });
    expect((await getDeviceModel(f.gov.client, modelId)).status).toBe("rejected");
    await rejects(
      certifyDeviceModel(f.integrations.client, {
        modelId,
        requirements: ["secureElement"],
        resultsURI: "x",
      }),
      "ModelNotPending",
    );
    await rejects(
      submitDeviceModel(f.bobHw.client, {
        manufacturerId: f.manufacturerId,
        categoryId: 1n,
        name: "X",
        specURI: "x",
      }),
      "NotManufacturerOperator",
    );
    await rejects(newModel(""), "InvalidModelName");
    await suspendLicense(f.integrations.client, { manufacturerId: f.manufacturerId, reasonURI: "ipfs://r" });
    await rejects(newModel(), "LicenseNotValid");
  });

  it("keeps device categories under governance", async () => {
    await f.governance([
      setDeviceCategoryCall(f.hardware, {
        id: 4n,
        name: "Fleet black box",
        perDeviceStake: parseEther("120"),
        underserved: true,
      }),
    ]);
    expect(await getDeviceCategory(f.gov.client, 4n)).toEqual({
      id: 4n,
      name: "Fleet black box",
      perDeviceStake: parseEther("120"),
      underserved: true,
    });
    await rejects(
      writeContract(f.integrations.client, {
        address: f.hardware.deviceModels,
        abi: deviceModelsAbi,
        functionName: "setCategory",
        args: [5n, "X", parseEther("1"), false],
      }),
      "MissingRole",
    );
    await rejects(
      f.governance([
        setDeviceCategoryCall(f.hardware, { id: 5n, name: "X", perDeviceStake: 0n, underserved: false }),
      ]),
      "InvalidCategory",
    );
  });
});

describe("device-ban list", () => {
  it("bans and unbans single devices; only [d]Integrations", async () => {
    const { deviceIds } = await f.mintDevices(2);
    const result = await banDevice(f.integrations.client, {
      deviceId: deviceIds[0]!,
      reasonURI: "ipfs://spoofing",
    });
    expect(result.events.map((e) => e.eventName)).toContain("DeviceBanned");
    expect(await isDeviceBanned(f.gov.client, deviceIds[0]!)).toBe(true);
    expect(await isDeviceBanned(f.gov.client, deviceIds[1]!)).toBe(false);
    await rejects(unbanDevice(f.makerHw.client, deviceIds[0]!), "MissingRole");
    await unbanDevice(f.integrations.client, deviceIds[0]!);
    expect(await isDeviceBanned(f.gov.client, deviceIds[0]!)).toBe(false);
  });

  it("bans a whole model: its devices are banned and no more are minted", async () => {
    const { deviceIds } = await f.mintDevices(2);
    await banDeviceModel(f.integrations.client, { modelId: f.modelId, reasonURI: "ipfs://insecure" });
    expect(await isDeviceBanned(f.gov.client, deviceIds[1]!)).toBe(true);
    expect((await getDeviceModel(f.gov.client, f.modelId)).banned).toBe(true);
    await rejects(f.mintDevices(1), "ModelNotMintable");
    await unbanDeviceModel(f.integrations.client, f.modelId);
    expect(await isDeviceBanned(f.gov.client, deviceIds[1]!)).toBe(false);
    await f.mintDevices(1);
  });
});
