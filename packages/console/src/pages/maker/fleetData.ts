/** The maker's minted devices (DevicesStaked batches) and each one's stake record. */
import { deviceStakeAbi, getDeviceVesting } from "@dimo-open/protocol";
import { hardwareOf, type Network, scanEvents } from "../../chain/network.ts";
import type { DeviceRecord } from "../../data/fleet.ts";

/** Reading every device costs two calls; beyond this many the view says it shows a sample. */
export const FLEET_READ_LIMIT = 1000;

export async function mintedBatches(net: Network, manufacturerId: bigint) {
  const hw = hardwareOf(net);
  const events = await scanEvents(net, {
    address: hw.hardware.deviceStake,
    abi: deviceStakeAbi,
    eventName: "DevicesStaked",
    args: { manufacturerId },
  });
  return events.map((e) => ({
    modelId: e.args.modelId!,
    firstTokenId: e.args.firstTokenId!,
    count: Number(e.args.count!),
    stakePerDevice: e.args.stakePerDevice!,
    block: e.blockNumber,
  }));
}

export async function fleetRecords(
  net: Network,
  manufacturerId: bigint,
): Promise<{ records: DeviceRecord[]; total: number }> {
  const hw = hardwareOf(net);
  const ids = (await mintedBatches(net, manufacturerId)).flatMap((b) =>
    Array.from({ length: b.count }, (_, i) => b.firstTokenId + BigInt(i)),
  );
  const sample = ids.slice(-FLEET_READ_LIMIT);
  const records = await Promise.all(
    sample.map(async (deviceId): Promise<DeviceRecord> => {
      const v = await getDeviceVesting(hw, deviceId);
      return {
        deviceId,
        installedAt: Number(v.startedAt),
        failure: v.failure,
        failedAt: Number(v.failedAt),
        disputed: v.disputed,
        locked: v.locked,
        paidTranches: Number(v.paidTranches),
      };
    }),
  );
  return { records, total: ids.length };
}
