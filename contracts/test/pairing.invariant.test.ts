import {
  aftermarketDeviceIdAbi,
  claimDevice,
  claimDeviceMessage,
  mintDevices,
  mintVehicle,
  ProtocolError,
  pairDevice,
  signTypedMessage,
  transferVehicle,
  unpairDevice,
} from "@dimo-open/protocol";
import fc from "fast-check";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { protocolFixture } from "./fixture.ts";

const N = 3;
type Op =
  | { kind: "pair"; device: number; vehicle: number }
  | { kind: "unpair"; device: number }
  | { kind: "transfer"; vehicle: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("pair" as const), device: fc.nat(N - 1), vehicle: fc.nat(N - 1) }),
  fc.record({ kind: fc.constant("unpair" as const), device: fc.nat(N - 1) }),
  fc.record({ kind: fc.constant("transfer" as const), vehicle: fc.nat(N - 1) }),
);

describe("pairing invariant", () => {
  it("a device is paired to at most one vehicle and a vehicle to at most one device, whatever the sequence", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 12 }), async (ops) => {
        const f = await protocolFixture();
        const keys = Array.from({ length: N }, () => privateKeyToAccount(generatePrivateKey()));
        const { tokenIds: devices } = await mintDevices(f.maker.client, {
          manufacturerId: f.manufacturerId,
          devices: keys.map((k) => ({ deviceAddress: k.address })),
        });
        const vehicles: bigint[] = [];
        for (let i = 0; i < N; i++) {
          const deviceId = devices[i]!;
          const msg = await claimDeviceMessage(f.alice.client, {
            deviceId,
            deviceAddress: keys[i]!.address,
            owner: f.alice.address,
            deadline: (await f.now()) + 600n,
          });
          await claimDevice(f.alice.client, msg, await signTypedMessage(keys[i]!, msg));
          const car = {
            manufacturerId: f.manufacturerId,
            make: "Ford",
            model: "F-150",
            year: 2020,
            definitionURI: "",
          };
          vehicles.push((await mintVehicle(f.alice.client, car)).tokenId);
        }
        // The model: who holds each vehicle, and the pairing both ways.
        const holder = vehicles.map(() => f.alice);
        const vehicleOfDevice = new Map<number, number>();
        for (const o of ops) {
          let outcome: "ok" | string = "ok";
          try {
            if (o.kind === "pair")
              await pairDevice(f.alice.client, {
                deviceId: devices[o.device]!,
                vehicleId: vehicles[o.vehicle]!,
              });
            else if (o.kind === "unpair") await unpairDevice(f.alice.client, devices[o.device]!);
            else {
              const from = holder[o.vehicle]!;
              const to = from === f.alice ? f.bob : f.alice;
              await transferVehicle(from.client, { tokenId: vehicles[o.vehicle]!, to: to.address });
              holder[o.vehicle] = to;
            }
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
            outcome = e.errorName;
          }
          // What the model expects.
          if (o.kind === "pair") {
            const busyDevice = vehicleOfDevice.has(o.device);
            const busyVehicle = [...vehicleOfDevice.values()].includes(o.vehicle);
            const sameOwner = holder[o.vehicle] === f.alice;
            const expected = busyDevice
              ? "DeviceAlreadyPaired"
              : busyVehicle
                ? "VehicleAlreadyPaired"
                : sameOwner
                  ? "ok"
                  : "OwnersDiffer";
            expect(outcome).toBe(expected);
            if (expected === "ok") vehicleOfDevice.set(o.device, o.vehicle);
          } else if (o.kind === "unpair") {
            expect(outcome).toBe(vehicleOfDevice.has(o.device) ? "ok" : "DeviceNotPaired");
            vehicleOfDevice.delete(o.device);
          } else {
            expect(outcome).toBe("ok");
            for (const [d, v] of vehicleOfDevice) if (v === o.vehicle) vehicleOfDevice.delete(d);
          }
          // The chain agrees with the model, both directions.
          for (let i = 0; i < N; i++) {
            const read = (functionName: "vehicleOf" | "deviceOf", arg: bigint) =>
              f.alice.client.publicClient.readContract({
                address: f.addresses.aftermarketDeviceId,
                abi: aftermarketDeviceIdAbi,
                functionName,
                args: [arg],
              });
            const v = vehicleOfDevice.get(i);
            expect(await read("vehicleOf", devices[i]!)).toBe(v === undefined ? 0n : vehicles[v]!);
            const d = [...vehicleOfDevice.entries()].find(([, vv]) => vv === i)?.[0];
            expect(await read("deviceOf", vehicles[i]!)).toBe(d === undefined ? 0n : devices[d]!);
          }
        }
        await f.close();
      }),
      { numRuns: 12 },
    );
  });
});
