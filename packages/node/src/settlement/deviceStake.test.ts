import { erc721Did, getDeviceVesting, HARDWARE_MONTH } from "@dimo-open/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HardwareFixture, hardwareFixture } from "../../../../contracts/test/hardwareFixture.ts";
import { type NodeDatabase, openDatabase } from "../db/database.ts";
import { TelemetryWriter } from "../telemetry/index.ts";
import { DeviceStakeJob, TelemetryDisconnections } from "./deviceStake.ts";

let f: HardwareFixture;
let db: NodeDatabase;
beforeAll(async () => {
  f = await hardwareFixture({ licensed: true });
  db = await openDatabase(":memory:");
}, 60_000);
afterAll(async () => {
  await db.close();
  await f.close();
});

describe("device stake job", () => {
  it("releases vested tranches and reports a device that went silent, once", async () => {
    const chainId = await f.admin.publicClient.getChainId();
    const writer = await TelemetryWriter.open(db);
    const {
      deviceIds: [deviceId],
      keys,
    } = await f.mintDevices(1);
    const { vehicleId, installedAt } = await f.install(deviceId!, keys[0]!, f.aliceHw);
    const seenAt = Number(installedAt) * 1000 + 60_000;
    await writer.write([
      {
        key: 42n,
        id: "evt-1",
        source: "0x0000000000000000000000000000000000000001",
        producer: erc721Did(chainId, f.addresses.aftermarketDeviceId, deviceId!),
        subject: erc721Did(chainId, f.addresses.vehicleId, vehicleId),
        type: "dimo.status",
        specversion: "1.0",
        time: seenAt,
        dataversion: undefined,
        signer: keys[0]!.address,
        scheme: "v2",
        sequence: undefined,
        receivedAt: seenAt,
        transport: "http",
        header: "{}",
        data: "{}",
        signals: [{ name: "speed", timestamp: seenAt, value: 12 }],
        vehicleEvents: [],
      },
    ]);
    const job = new DeviceStakeJob({
      client: f.reporter.client,
      performance: new TelemetryDisconnections(await db.connect(), {
        chainId,
        aftermarketDeviceId: f.addresses.aftermarketDeviceId,
      }),
    });

    // Nothing vested yet and the device was just heard from.
    expect(await job.runOnce()).toEqual({ released: [], reported: [] });

    // A hardware month (30.4 days) later: one tranche is due, and the device has been silent for
    // longer than the 30-day threshold, so it is reported disconnected.
    await f.nextTimestamp(installedAt + BigInt(HARDWARE_MONTH) + 1n);
    await f.devnet.request({ method: "evm_mine", params: [] });
    const run = await job.runOnce();
    expect(run.released).toEqual([deviceId]);
    expect(run.reported).toMatchObject([{ deviceId, failure: "disconnection" }]);
    expect(run.reported[0]!.evidenceURI).toContain("last-seen");
    const vesting = await getDeviceVesting(f.reporter.client, deviceId!);
    expect(vesting.failure).toBe("disconnection");
    expect(vesting.paidTranches).toBe(1);

    // Running again changes nothing: no second report, nothing new vested.
    expect(await job.runOnce()).toEqual({ released: [], reported: [] });
  }, 60_000);
});
