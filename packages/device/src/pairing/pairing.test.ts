import { randomBytes } from "node:crypto";
import { getDevice, mintDevices, mintVehicle, typedMessage } from "@dimo-open/protocol";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, protocolFixture } from "../../../../contracts/test/fixture.ts";
import { privateKeyElement } from "../keystore/file-keystore.ts";
import { PAIRING_CHARACTERISTICS as C, fragment, Reassembler } from "./gatt-profile.ts";
import { aesCmac, InProcessPairingTransport, numericComparisonValue } from "./in-process-transport.ts";
import { AttError } from "./link.ts";
import { PairingService } from "./pairing-service.ts";
import { claimAndPairDevice, PairingError, requestDeviceSignature } from "./phone-app.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) =>
  `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey!).toString("hex")}` as const;
const CHAIN_EPOCH = 1_800_000_000_000;
const t0 = Date.now();
const deviceClock = () => CHAIN_EPOCH + (Date.now() - t0);

describe("pairing over the GATT profile, end to end on a devnet", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await protocolFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  function device(index: number, secret = randomBytes(32)) {
    const element = privateKeyElement(key(index));
    const service = new PairingService({
      element,
      chainId: f.devnet.chainId,
      registry: f.addresses.aftermarketDeviceId,
      pairingSecret: secret,
      serial: `SN-${index}`,
      firmware: "1.0.0",
      now: deviceClock,
    });
    return { element, service, secret, transport: new InProcessPairingTransport(service) };
  }

  it("the maker mints the device; the owner's phone claims and pairs it through the pairing transport", async () => {
    const d = device(10);
    await mintDevices(f.maker.client, {
      manufacturerId: f.manufacturerId,
      devices: [{ deviceAddress: d.element.address, serial: "SN-10" }],
    });
    const { tokenId: vehicleId } = await mintVehicle(f.alice.client, {
      manufacturerId: f.manufacturerId,
      make: "Toyota",
      model: "Prius",
      year: 2019,
      definitionURI: "",
    });
    let shown: { phone: number; device: number } | undefined;
    const link = d.transport.connect({
      mtu: 23, // the BLE minimum: every message travels in many fragments
      confirm: (numbers) => {
        shown = numbers;
        return numbers.phone === numbers.device;
      },
    });
    expect(link.security).toMatchObject({ bonded: true, method: "numeric-comparison", mitmProtected: true });
    expect(shown!.phone).toBe(shown!.device);

    const result = await claimAndPairDevice({
      link,
      owner: f.alice.client,
      ownerSigner: f.alice.account,
      vehicleId,
      pairingSecret: d.secret,
    });
    expect(result.deviceAddress).toBe(d.element.address);
    expect(result.pair.events.map((e) => e.eventName)).toEqual(
      expect.arrayContaining(["DevicePaired", "DeviceInstalled"]),
    );
    expect(await getDevice(f.alice.client, result.deviceId)).toMatchObject({
      owner: f.alice.address,
      claimed: true,
      vehicleId,
      deviceAddress: d.element.address,
    });
    link.disconnect();
  });

  it("refuses a just-works bond, and a man in the middle shows different numbers", async () => {
    const d = device(11);
    const weak = d.transport.connect({ bonding: "just-works" });
    const error = await weak.read(C.info).catch((e) => e);
    expect(error).toBeInstanceOf(AttError);
    expect(error.code).toBe("insufficient_authentication");
    let numbers: { phone: number; device: number } | undefined;
    const mitm = d.transport.connect({
      interceptKeys: true,
      confirm: (n) => {
        numbers = n;
        return n.phone === n.device;
      },
    });
    expect(numbers!.phone).not.toBe(numbers!.device);
    expect(mitm.security.bonded).toBe(false);
    await expect(mitm.read(C.challenge)).rejects.toThrow(/Secure Connections/);
  });

  it("refuses requests without the pairing secret, with a replayed challenge, or for another registry", async () => {
    const d = device(12);
    const link = d.transport.connect();
    const domain = {
      name: "DIMO Aftermarket Device ID",
      version: "1",
      chainId: f.devnet.chainId,
      verifyingContract: f.addresses.aftermarketDeviceId,
    };
    const deadline = BigInt(Math.floor(deviceClock() / 1000) + 300);
    const claim = typedMessage(domain, "ClaimDevice", {
      deviceId: 1n,
      owner: f.bob.address,
      nonce: 0n,
      deadline,
    });
    const ask = (message: typeof claim, secret: Uint8Array) =>
      requestDeviceSignature(link, {
        message,
        deviceAddress: d.element.address,
        pairingSecret: secret,
      }).catch((e) => e);

    const wrongSecret = await ask(claim, randomBytes(32));
    expect(wrongSecret).toBeInstanceOf(PairingError);
    expect(wrongSecret.code).toBe("bad_proof");
    const otherRegistry = await ask(
      typedMessage({ ...domain, verifyingContract: f.addresses.vehicleId }, "ClaimDevice", claim.message),
      d.secret,
    );
    expect(otherRegistry.code).toBe("wrong_domain");
    const farDeadline = await ask(
      typedMessage(domain, "ClaimDevice", { ...claim.message, deadline: deadline + 86_400n }),
      d.secret,
    );
    expect(farDeadline.code).toBe("bad_deadline");
    expect(typeof (await ask(claim, d.secret))).toBe("string");

    // A captured request replayed with its old challenge.
    const reassembler = new Reassembler();
    const answers: string[] = [];
    link.subscribe(C.response, (v) => {
      const whole = reassembler.push(v);
      if (whole) answers.push(JSON.parse(new TextDecoder().decode(whole)).error);
    });
    const stale = {
      challenge: `0x${"00".repeat(32)}`,
      primaryType: "ClaimDevice",
      domain,
      message: { deviceId: "1", owner: f.bob.address, nonce: "0", deadline: String(deadline) },
      proof: `0x${"00".repeat(32)}`,
    };
    for (const fr of fragment(new TextEncoder().encode(JSON.stringify(stale)), link.mtu))
      await link.write(C.request, fr);
    await new Promise((r) => setTimeout(r, 10));
    expect(answers).toEqual(["stale_challenge"]);
  });

  it("computes AES-CMAC and the numeric comparison value as the Bluetooth specification's test vectors", () => {
    // RFC 4493 example 2 (16-byte message).
    const k = Buffer.from("2b7e151628aed2a6abf7158809cf4f3c", "hex");
    expect(aesCmac(k, Buffer.from("6bc1bee22e409f96e93d7e117393172a", "hex")).toString("hex")).toBe(
      "070a16b46b4d4144f79bdd9dd04a287c",
    );
    expect(aesCmac(k, Buffer.alloc(0)).toString("hex")).toBe("bb1d6929e95937287fa37d129b756746");
    // Bluetooth Core v5.3 Vol 3 Part H, D.5 (g2): values are given most significant octet first.
    const u = Buffer.from("20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6", "hex");
    const v = Buffer.from("55188b3d32f6bb9a900afcfbeed4e72a59cb9ac2f19d7cfb6b4fdd49f47fc5fd", "hex");
    const x = Buffer.from("d5cb8454d177733effffb2ec712baeab", "hex");
    const y = Buffer.from("a6e8e7cc25a75f6e216583f7ff3dc4cf", "hex");
    expect(numericComparisonValue(u, v, x, y)).toBe(0x2f9ed5ba % 1_000_000);
  });
});
